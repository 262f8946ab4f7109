"""Segment angles from node orientations, on ticks.

Thorax: the earth's up direction in the back segment frame, ``u = M · Rᵀ · e_z``, gives heading-free
tilt angles (``tilt_angles``), so turning the chair changes neither.

Neck: the head segment relative to the thorax segment, ``q_rel = q_thorax* ⊗ Rz(δ) ⊗ q_head`` with
``q_segment = q_sensor ⊗ quat(Mᵀ)``. Two independent 6-axis filters each have their own arbitrary,
drifting heading, so their relative heading ``δ`` is estimated explicitly: it starts at the value that
makes the neck's axial rotation zero at the first tick with both clips, is pulled toward that value
quickly (``calibration_tau_s``) during the calibration window, where the wearer faces forward by
definition; across trunk movements it holds the neck's rotation (the two gyroscopes' scale errors step the
relative heading during a chair turn or a walk); every tick it takes out the drift rate of the two
filters' relative heading, learnt from ticks where the head is still relative to the thorax (the filters'
bias estimates wander with the sway their rest phases absorb: a few hundredths of °/s, a few degrees over
minutes); and while both clips are still a slow first-order loop (``heading_tau_s``, ten minutes) pulls
what is left toward zero, so a head held turned for many minutes is slowly absorbed.
``HeadingTracker.max_correction`` measures the correction.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.signal import lfilter

from sensorbridge.conventions import FloatArray, anatomical_angles, matrix_to_quat, quat_conj, quat_mul
from sensorbridge.conventions import tilt_angles as _tilt


def up_in_sensor(quat: FloatArray) -> FloatArray:
    """Earth's up (N, 3) in the sensor frame, ``Rᵀ e_z``, from quaternions (N, 4) [w, x, y, z]."""
    if quat.ndim != 2 or quat.shape[1] != 4:
        raise ValueError(f"quat must be (N, 4), got {quat.shape}")
    w, x, y, z = quat.T
    return np.stack([2 * (x * z - w * y), 2 * (y * z + w * x), w * w - x * x - y * y + z * z], axis=1)


def thoracic_angles(quat: FloatArray, segment_from_sensor: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Thoracic flexion and lateral flexion (rad), each (N,), from back-clip quaternions (N, 4)."""
    u = up_in_sensor(quat) @ np.asarray(segment_from_sensor).T
    return _tilt(u)


def segment_quat(quat: FloatArray, segment_from_sensor: FloatArray) -> FloatArray:
    """Orientation (N, 4) of the segment frame in the node's earth frame."""
    return quat_mul(quat, matrix_to_quat(np.asarray(segment_from_sensor).T))


def _rz(angle: FloatArray) -> FloatArray:
    half = 0.5 * angle
    z = np.zeros_like(half)
    return np.stack([np.cos(half), z, z, np.sin(half)], axis=1)


def relative_angles(
    q_thorax: FloatArray, q_head: FloatArray, delta: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Neck flexion, lateral flexion, axial rotation (rad), (N,) each, with heading correction ``delta``."""
    q_rel = quat_mul(quat_conj(q_thorax), quat_mul(_rz(delta), q_head))
    return anatomical_angles(q_rel)


class HeadingTracker:
    """The relative heading ``δ`` (rad) between the head node's and the back node's earth frames.

    Four rules, per tick with both clips: during the calibration window pull fast (``calibration_tau_s``)
    toward zero neck rotation; across a trunk movement (a chair turn, a walk, a reach) hold the neck's
    rotation at its value before the movement, because the two gyroscopes' scale errors step the
    relative heading by up to a degree or two per turn; every tick, take out the drift rate of the two
    filters' relative heading, learnt (``drift_tau_s``) from ticks where the head is still relative to the
    thorax (``yaw_rel`` under ``rel_still_rad_s``: nothing turns the head then, so any relative yaw the
    filters integrate is their bias estimates' error); and while both clips are still, pull toward zero
    with a slow first-order loop (``tau_s``: a 20 s glance moves it by 20/τ of itself).
    """

    def __init__(
        self,
        tau_s: float,
        tick_s: float,
        calibration_tau_s: float = 2.0,
        drift_tau_s: float = 20.0,
        rel_still_rad_s: float = 0.0,
    ) -> None:
        self.alpha = min(1.0, tick_s / tau_s)
        self.alpha_cal = min(1.0, tick_s / calibration_tau_s)
        self.beta = min(1.0, tick_s / drift_tau_s)
        self.rel_still = rel_still_rad_s * tick_s  # rad per tick; 0 turns the drift-rate estimate off
        self.reset()
        self.max_correction = 0.0  # rad, the largest total change since the start: the drift seen

    def reset(self) -> None:
        self.delta: float | None = None
        self._origin: float | None = None
        self._held: float | None = None  # the neck rotation when the trunk started moving
        self.drift = 0.0  # rad per tick: the filters' relative heading drift

    def track(
        self,
        q_thorax: FloatArray,
        q_head: FloatArray,
        still: np.ndarray,
        calibrating: np.ndarray,
        trunk_moving: np.ndarray | None = None,
        yaw_rel: FloatArray | None = None,
    ) -> FloatArray:
        """``δ`` (N,) for ticks with both segment quaternions (N, 4); ``still``, ``calibrating`` and
        ``trunk_moving`` (N,) bool; ``yaw_rel`` (N,) rad, the head filter's integrated yaw over each tick
        minus the back filter's (``NodeTicks.yaw``)."""
        n = q_thorax.shape[0]
        # The raw axial rotation with δ = 0; near upright, rotation(δ) ≈ rotation(0) + δ.
        _, _, rot0 = relative_angles(q_thorax, q_head, np.zeros(n))
        target = (-rot0).tolist()
        out = np.empty(n)
        mv_arr = np.zeros(n, bool) if trunk_moving is None else trunk_moving
        drift = self._drift_rates(np.zeros(n) if yaw_rel is None else yaw_rel, still & ~mv_arr)
        delta, held, alpha, alpha_cal = self.delta, self._held, self.alpha, self.alpha_cal
        for i, (tg, st, cal, mv, dr) in enumerate(
            zip(target, still.tolist(), calibrating.tolist(), mv_arr.tolist(), drift.tolist(), strict=True)
        ):
            if delta is None:
                delta = self._origin = tg
            else:
                delta -= dr  # the drift goes on through glances and movements alike
                err = (tg - delta + math.pi) % (2 * math.pi) - math.pi  # minus the neck rotation
                if mv and not cal:
                    if held is None:
                        held = -err
                elif held is not None:
                    delta, held = tg + held, None
                elif st:
                    delta += (alpha_cal if cal else alpha) * err
            out[i] = delta
        if delta is not None and self._origin is not None:
            self.max_correction = max(self.max_correction, abs(delta - self._origin))
        self.delta, self._held = delta, held
        return out

    def _drift_rates(self, yaw_rel: FloatArray, still: np.ndarray) -> FloatArray:
        """The learnt drift (N,) rad per tick after each tick: a first-order average (``beta``) of
        ``yaw_rel`` over the ticks where the head is still relative to the thorax, held in between."""
        sel = still & (np.abs(yaw_rel) < self.rel_still)
        if not sel.any():
            return np.full(yaw_rel.shape[0], self.drift)
        b = self.beta
        ema, _ = lfilter([b], [1.0, b - 1.0], yaw_rel[sel], zi=[(1.0 - b) * self.drift])
        last = np.cumsum(sel) - 1  # the latest selected tick at or before each tick
        out = np.where(last >= 0, ema[np.maximum(last, 0)], self.drift)
        self.drift = float(ema[-1])
        return np.asarray(out, dtype=np.float64)
