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
minutes); while the thorax is tilted (slouching, leaning) it measures what drift is left from the neck's
lateral flexion, which a heading error moves only then (rechecked against the upright lateral flexion
after the slouch, which shows what the filters' inclination, not the heading, shifted); while the trunk
turns about a horizontal axis (a reach, standing up, a step) it compares the two clips' angular rates,
which agree where the head turns with the thorax; and while both clips are still a slow first-order loop
(``heading_tau_s``, ten minutes) pulls what is left toward zero, so a head held turned for many minutes is
slowly absorbed. ``HeadingTracker.max_correction`` measures the correction.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.signal import lfilter

from sensorbridge.conventions import (
    FloatArray,
    anatomical_angles,
    matrix_to_quat,
    quat_conj,
    quat_mul,
    quat_rotate,
)
from sensorbridge.conventions import tilt_angles as _tilt
from sensorbridge.pipeline.settings import NeckSettings


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


def _axes(q: FloatArray) -> tuple[tuple[FloatArray, FloatArray, FloatArray], ...]:
    """The x, y and z axes (each three arrays (N,), earth-frame components) of unit quaternions (N, 4)
    [w, x, y, z]: the columns of their rotation matrices."""
    w, x, y, z = q.T
    return (
        (1 - 2 * (y * y + z * z), 2 * (x * y + w * z), 2 * (x * z - w * y)),
        (2 * (x * y - w * z), 1 - 2 * (x * x + z * z), 2 * (y * z + w * x)),
        (2 * (x * z + w * y), 2 * (y * z - w * x), 1 - 2 * (x * x + y * y)),
    )


def _coefficients(
    q_thorax: FloatArray, q_head: FloatArray, num: tuple[int, int], den: tuple[int, int]
) -> FloatArray:
    """Per tick (N, 6) ``a0, a1, a2, b0, b1, b2`` with an angle of ``R = Rtᵀ Rz(δ) Rh``
    at heading correction ``δ`` ``atan2(a0 + a1 cos δ + a2 sin δ, b0 + b1 cos δ + b2 sin δ)``: exact
    for any ``δ``, so the heading loop can evaluate it tick by tick without a quaternion product.
    ``num`` and ``den`` name the entries ``(i, j)`` of ``R`` in the atan2, ``R[i, j] = tᵢᵀ Rz(δ) hⱼ``
    with ``tᵢ``, ``hⱼ`` the thorax's and the head's axes in the earth frame."""
    t, h = _axes(q_thorax), _axes(q_head)
    cols = []
    for i, j in (num, den):
        (tx, ty, tz), (hx, hy, hz) = t[i], h[j]
        cols += [tz * hz, tx * hx + ty * hy, ty * hx - tx * hy]
    return np.stack(cols, axis=1)


def lateral_coefficients(q_thorax: FloatArray, q_head: FloatArray) -> FloatArray:
    """The neck's lateral flexion's coefficients (:func:`_coefficients`): ``atan2(R[2, 1], R[2, 2])``."""
    return _coefficients(q_thorax, q_head, (2, 1), (2, 2))


def rotation_coefficients(q_thorax: FloatArray, q_head: FloatArray) -> FloatArray:
    """The neck's axial rotation's coefficients (:func:`_coefficients`): ``atan2(R[1, 0], R[0, 0])``."""
    return _coefficients(q_thorax, q_head, (1, 0), (0, 0))


def angle_at(coef: list[float], delta: float) -> tuple[float, float]:
    """The angle (rad) with coefficients ``coef`` at ``δ``, and its derivative with respect to ``δ``."""
    a0, a1, a2, b0, b1, b2 = coef
    c, s = math.cos(delta), math.sin(delta)
    num, den = a0 + a1 * c + a2 * s, b0 + b1 * c + b2 * s
    slope = (den * (a2 * c - a1 * s) - num * (b2 * c - b1 * s)) / (num * num + den * den)
    return math.atan2(num, den), slope


# Under this sensitivity of the neck's rotation to δ (the thorax within 17° of horizontal) the hold
# keeps δ's upright approximation instead of solving for it.
MIN_ROTATION_SLOPE = 0.3


def delta_for_rotation(coef: list[float], rotation: float, guess: float) -> float:
    """The ``δ`` near ``guess`` at which the neck's axial rotation (coefficients ``coef``) is
    ``rotation``: Newton's method, since with the thorax tilted a turn of ``δ`` about the vertical is
    only partly a turn about the thorax's axis."""
    delta = guess
    for _ in range(3):
        angle, slope = angle_at(coef, delta)
        if abs(slope) < MIN_ROTATION_SLOPE:
            return guess  # the thorax near horizontal: the rotation hardly depends on δ
        delta -= ((angle - rotation + math.pi) % (2 * math.pi) - math.pi) / slope
    return delta


# The inclination observation: where the thorax is this upright (sine of its tilt from the neutral
# pose, as the neck's lateral flexion's sensitivity to δ), the lateral flexion cannot see δ and is
# the reference; this tilted (slouching, leaning), it can.
UPRIGHT_SENSITIVITY = 0.05  # about 3° of thoracic tilt
TILTED_SENSITIVITY = 0.15  # about 9°
LYING_SENSITIVITY = 0.7  # about 45°: no one slouches so far; clips lying on a desk, not worn
# The filters' relative heading drifts by a few degrees between such observations; a lateral flexion
# change implying more is the head really tilted sideways, and is not taken for a heading error.
MAX_INCLINE_ERROR = math.radians(5.0)
# The recheck after a slouch: the upright lateral flexion then may differ from the reference the
# slouch was measured against; a shift beyond this is the head's posture, not the filters', and is kept.
MAX_REFERENCE_SHIFT = math.radians(1.0)


class InclinationRule:
    """The relative heading's error, observed while the thorax is tilted (slouching, leaning).

    An error ``ε`` of ``δ`` turns the head about the earth's vertical, which in a tilted thorax's frame
    is partly its sagittal axis, so the computed neck lateral flexion moves by ``ε`` times the sine of
    the tilt; upright, ``ε`` is purely axial rotation and invisible. Slouching or leaning does not tilt
    the head sideways on the neck, so on still tilted ticks the lateral flexion should be what it was
    upright (its average over upright still ticks, ``lateral_ref_tau_s``): the difference measures
    ``ε`` (up to ``MAX_INCLINE_ERROR``; more is a real sideways tilt of the head), corrected with
    ``incline_tau_s``.

    The recheck (``recheck_s`` of upright still ticks after a slouch): an offset of the tilted lateral
    flexion that is still there upright (up to ``MAX_REFERENCE_SHIFT``) came from the two filters'
    inclination, which carries a few tenths of a degree through a slouch and fades within half a
    minute, not from the heading; what the rule made of it (its response to an offset is linear) is
    taken out. ``recheck_s`` 0 turns the recheck off.
    """

    def __init__(
        self, tick_s: float, incline_tau_s: float, recheck_s: float, lateral_ref_tau_s: float
    ) -> None:
        self.gamma = min(1.0, tick_s / incline_tau_s)
        self.beta_ref = min(1.0, tick_s / lateral_ref_tau_s)
        self.recheck_ticks = round(recheck_s / tick_s)
        self.ref: float | None = None  # rad, the upright, still neck's lateral flexion
        # δ's response to an offset of the tilted lateral flexion (rad per rad), the reference the
        # tilted ticks were measured against, upright ticks since, and their lateral flexions' sum.
        self.gain, self.ref0, self.upright, self.lateral_sum = 0.0, 0.0, 0, 0.0

    def correct(self, delta: float, coef: list[float]) -> float:
        """``δ`` after one still tick with the lateral-flexion coefficients ``coef`` (six floats, see
        :func:`lateral_coefficients`)."""
        # angle_at(coef, delta), inlined: this runs on every still tick
        a0, a1, a2, b0, b1, b2 = coef
        c, s = math.cos(delta), math.sin(delta)
        num, den = a0 + a1 * c + a2 * s, b0 + b1 * c + b2 * s
        lateral = math.atan2(num, den)  # exactly, at this δ
        slope = (den * (a2 * c - a1 * s) - num * (b2 * c - b1 * s)) / (num * num + den * den)  # d/dδ
        if abs(slope) < UPRIGHT_SENSITIVITY:
            self.ref = lateral if self.ref is None else self.ref + self.beta_ref * (lateral - self.ref)
            if self.recheck_ticks and self.gain:
                self.upright += 1
                self.lateral_sum += lateral
                if self.upright == self.recheck_ticks:
                    shift = self.lateral_sum / self.upright - self.ref0
                    if abs(shift) < MAX_REFERENCE_SHIFT:
                        delta += shift * self.gain
                    self.gain, self.upright, self.lateral_sum = 0.0, 0, 0.0
        elif TILTED_SENSITIVITY < abs(slope) < LYING_SENSITIVITY and self.ref is not None:
            error = (self.ref - lateral) / slope
            if abs(error) < MAX_INCLINE_ERROR:
                delta += self.gamma * error
                if self.recheck_ticks:
                    if not self.gain:
                        self.ref0 = self.ref
                    self.gain = (1 - self.gamma) * self.gain + self.gamma / slope
                    self.upright, self.lateral_sum = 0, 0.0
        return delta


# Per tick, 10 floats: both clips' earth-frame rates and the head's x axis (each 3), the ticks since the
# last such tick.
RateTick = list[float]

# A tick whose heading error lies this many standard deviations from the estimate's is the neck
# turning sideways or axially with the trunk, not the heading.
RATE_GATE_SIGMA = 3.0


class RateRule:
    """The relative heading's error, seen in the two clips' angular rates while the trunk turns about a
    horizontal axis: a reach, standing up, sitting up from a slouch, the sway of each step.

    Where the head turns with the thorax, the thorax's earth-frame rate seen from the head's earth frame,
    ``T = Rz(-δ) ω_T``, is the head's ``ω_H``. An error ``ε`` of ``δ`` leaves the residual ``r = ω_H - T ≈
    -ε ẑ × T``: no lever arm, no accelerometer, only the gyroscopes and the filters' inclination. The
    neck's own flexion (the head nodding along with a reach, countering each step) adds a residual along
    the head's flexion axis ``y``, its axial rotation (looking at what the hand reaches for) one along the
    head's ``z``; so ``ε`` is fitted from ``r``'s component along the head's ``x`` axis alone, where the
    neck's sideways rate is the noise (``noise_rad_s``). A scalar Kalman filter weighs each tick by the
    thorax's rate: ``ε``'s variance grows by ``walk_rad_rts``² per second, and a tick beyond
    ``RATE_GATE_SIGMA`` is left out. Ticks with the thorax's horizontal rate under ``min_rad_s`` are not
    used (sway: the neck's own motion is as large).
    """

    def __init__(self, tick_s: float, min_rad_s: float, noise_rad_s: float, walk_rad_rts: float) -> None:
        self.min_rate = min_rad_s
        self.noise_var = noise_rad_s**2
        self.walk_var = walk_rad_rts**2 * tick_s  # per tick
        self.var = self.walk_var  # rad², ε's variance at the last tick used
        self.idle = 0  # ticks since then

    def inputs(
        self,
        q_thorax: FloatArray,
        q_head: FloatArray,
        rate_thorax: FloatArray,
        rate_head: FloatArray,
        use: np.ndarray,
    ) -> list[RateTick | None]:
        """Per tick, the rates (3,) of both clips in their own earth frames (from the segment
        quaternions (N, 4) and the segments' rates (N, 3), rad/s), the head segment's x axis in the
        head's earth frame and the ticks elapsed since the last tick used; None where the tick shows
        nothing (``use`` False, or the thorax's horizontal rate under ``min_rad_s``)."""
        fast = np.flatnonzero(use & (np.einsum("ij,ij->i", rate_thorax, rate_thorax) > self.min_rate**2))
        earth_t = quat_rotate(q_thorax[fast], rate_thorax[fast])
        keep = np.hypot(earth_t[:, 0], earth_t[:, 1]) > self.min_rate
        ok, earth_t = fast[keep], earth_t[keep]
        out: list[RateTick | None] = [None] * use.size
        if ok.size:
            earth_h = quat_rotate(q_head[ok], rate_head[ok])
            hx = _axes(q_head[ok])[0]
            since = np.diff(ok, prepend=-1 - self.idle)
            rows = np.column_stack([earth_t, earth_h, *hx, since])
            for i, row in zip(ok.tolist(), rows.tolist(), strict=True):
                out[i] = row
            self.idle = use.size - 1 - int(ok[-1])
        else:
            self.idle += use.size
        return out

    def correct(self, delta: float, tick: RateTick) -> float:
        """``δ`` after one tick (an entry of :meth:`inputs`)."""
        wtx, wty, wtz, whx, why, whz, xx, xy, xz, elapsed = tick
        self.var += elapsed * self.walk_var
        c, s = math.cos(delta), math.sin(delta)
        tx, ty = c * wtx + s * wty, c * wty - s * wtx  # Rz(-δ) ω_T
        # the residual ω_H - T and ẑ × T = (-ty, tx, 0) along the head's x axis
        r = (whx - tx) * xx + (why - ty) * xy + (whz - wtz) * xz
        g = tx * xy - ty * xx
        if g == 0.0:
            return delta
        error = -r / g
        noise = self.noise_var / (g * g)
        if error * error > RATE_GATE_SIGMA**2 * (self.var + noise):
            return delta
        gain = self.var / (self.var + noise)
        self.var *= 1.0 - gain
        return delta + gain * error


class HeadingTracker:
    """The relative heading ``δ`` (rad) between the head node's and the back node's earth frames.

    Six rules, per tick with both clips:

    * during the calibration window, pull fast (``calibration_tau_s``) toward zero neck rotation;
    * through a trunk movement (a chair turn, a walk, a reach) hold the neck's rotation at its value
      when the movement began, because the two gyroscopes' scale errors turn the relative heading by
      up to a few degrees in a turn or a walk; the hold ends only after ``release_s`` without trunk
      movement, so a walk (whose steps dip under the movement threshold) is one hold, not one per
      step, each of which took the neck's sway at its ends for a heading step;
    * every tick, take out the drift rate of the two filters' relative heading, learnt
      (``drift_tau_s``) from ticks where the head is still relative to the thorax (``yaw_rel`` under
      ``rel_still_rad_s``: nothing turns the head then, so any relative yaw the filters integrate is
      their bias estimates' error);
    * while both clips are still, correct ``δ`` from the neck's lateral flexion where the thorax is
      tilted (:class:`InclinationRule`, ``incline_tau_s``; 0 turns it off);
    * while the trunk turns about a horizontal axis, correct ``δ`` from the two clips' angular rates
      (:class:`RateRule`; ``rate_noise_rad_s`` 0 turns it off), through a hold too;
    * while both clips are still, pull toward zero with a slow first-order loop (``tau_s``: a 20 s
      glance moves it by 20/τ of itself).

    ``release_s`` 0 releases the hold at the first tick without trunk movement.
    """

    def __init__(
        self,
        tau_s: float,
        tick_s: float,
        calibration_tau_s: float = 2.0,
        drift_tau_s: float = 20.0,
        rel_still_rad_s: float = 0.0,
        release_s: float = 0.0,
        incline_tau_s: float = 0.0,
        recheck_s: float = 0.0,
        lateral_ref_tau_s: float = 60.0,
        rate_min_rad_s: float = 0.0,
        rate_noise_rad_s: float = 0.0,
        walk_rad_rts: float = 0.0,
    ) -> None:
        self.alpha = min(1.0, tick_s / tau_s)
        self.alpha_cal = min(1.0, tick_s / calibration_tau_s)
        self.beta = min(1.0, tick_s / drift_tau_s)
        self.rel_still = rel_still_rad_s * tick_s  # rad per tick; 0 turns the drift-rate estimate off
        self.release_ticks = max(1, round(release_s / tick_s))
        self._incline_args = (tick_s, incline_tau_s, recheck_s, lateral_ref_tau_s)
        self._rate_args = (tick_s, rate_min_rad_s, rate_noise_rad_s, walk_rad_rts)
        self.reset()
        self.max_correction = 0.0  # rad, the largest total change since the start: the drift seen

    @classmethod
    def from_settings(cls, neck: NeckSettings, tick_s: float) -> HeadingTracker:
        return cls(
            neck.heading_tau_s,
            tick_s,
            drift_tau_s=neck.drift_tau_s,
            rel_still_rad_s=float(np.radians(neck.rel_still_dps)),
            release_s=neck.hold_release_s,
            incline_tau_s=neck.incline_tau_s,
            lateral_ref_tau_s=neck.lateral_ref_tau_s,
            recheck_s=neck.incline_recheck_s,
            rate_min_rad_s=float(np.radians(neck.rate_min_dps)),
            rate_noise_rad_s=float(np.radians(neck.rate_noise_dps)),
            walk_rad_rts=float(np.radians(neck.heading_walk_deg_rts)),
        )

    def reset(self) -> None:
        self.delta: float | None = None
        self._origin: float | None = None
        self._held: float | None = None  # the neck rotation when the trunk started moving
        self._quiet = 0  # ticks since the held movement's last moving tick
        self.drift = 0.0  # rad per tick: the filters' relative heading drift
        self.incline = InclinationRule(*self._incline_args) if self._incline_args[1] > 0 else None
        self.rate_rule = RateRule(*self._rate_args) if self._rate_args[2] > 0 else None

    def start_at(self, delta: float) -> None:
        """Begin from ``δ`` (rad) instead of from zero neck rotation at the first tick."""
        self.delta = self._origin = delta

    def track(
        self,
        q_thorax: FloatArray,
        q_head: FloatArray,
        still: np.ndarray,
        calibrating: np.ndarray,
        trunk_moving: np.ndarray | None = None,
        yaw_rel: FloatArray | None = None,
        rate_thorax: FloatArray | None = None,
        rate_head: FloatArray | None = None,
    ) -> FloatArray:
        """``δ`` (N,) for ticks with both segment quaternions (N, 4); ``still``, ``calibrating`` and
        ``trunk_moving`` (N,) bool; ``yaw_rel`` (N,) rad, the head filter's integrated yaw over each tick
        minus the back filter's (``NodeTicks.yaw``); ``rate_thorax``, ``rate_head`` (N, 3) rad/s, each
        segment's angular rate in its own frame (``NodeTicks.rate`` turned by the mounting)."""
        n = q_thorax.shape[0]
        rot_coefs = rotation_coefficients(q_thorax, q_head)
        # The raw axial rotation with δ = 0; near upright, rotation(δ) ≈ rotation(0) + δ.
        rot0 = np.arctan2(rot_coefs[:, 0] + rot_coefs[:, 1], rot_coefs[:, 3] + rot_coefs[:, 4])
        target = (-rot0).tolist()
        incline = self.incline
        coefs = lateral_coefficients(q_thorax, q_head).tolist() if incline else [[]] * n
        rule = self.rate_rule
        seen: list[RateTick | None] = [None] * n
        if rule is not None and rate_thorax is not None and rate_head is not None:
            seen = rule.inputs(q_thorax, q_head, rate_thorax, rate_head, ~calibrating)
        out = np.empty(n)
        mv_arr = np.zeros(n, bool) if trunk_moving is None else trunk_moving
        drift = self._drift_rates(np.zeros(n) if yaw_rel is None else yaw_rel, still & ~mv_arr)
        delta, held, quiet = self.delta, self._held, self._quiet
        alpha, alpha_cal, release = self.alpha, self.alpha_cal, self.release_ticks
        ticks = zip(
            target,
            still.tolist(),
            calibrating.tolist(),
            mv_arr.tolist(),
            drift.tolist(),
            coefs,
            seen,
            strict=True,
        )
        for i, (tg, st, cal, mv, dr, coef, rate) in enumerate(ticks):
            if delta is None:
                delta = self._origin = tg
            else:
                delta -= dr  # the drift goes on through glances and movements alike
                # the rotation's coefficients, read only where a hold is on or begins
                rot_coef = rot_coefs[i].tolist() if held is not None or (mv and not cal) else []
                if rate is not None and rule is not None:
                    before, delta = delta, rule.correct(delta, rate)
                    if held is not None and delta != before:
                        # The hold keeps the neck's rotation; the rule found it was off by this much.
                        held += angle_at(rot_coef, delta)[0] - angle_at(rot_coef, before)[0]
                err = (tg - delta + math.pi) % (2 * math.pi) - math.pi  # minus the neck rotation
                if mv and not cal and held is None:
                    held = angle_at(rot_coef, delta)[0]
                if held is not None:
                    # The neck's rotation stays what it was; the gyroscopes' scale errors would
                    # otherwise show through the turns for as long as the movement lasts.
                    delta = delta_for_rotation(rot_coef, held, tg + held)
                    quiet = 0 if mv else quiet + 1
                    if quiet >= release:
                        held = None
                elif st:
                    delta += (alpha_cal if cal else alpha) * err
                    if incline is not None and not cal:
                        delta = incline.correct(delta, coef)
            out[i] = delta
        if delta is not None and self._origin is not None:
            self.max_correction = max(self.max_correction, abs(delta - self._origin))
        self.delta, self._held, self._quiet = delta, held, quiet
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
