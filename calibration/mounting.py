"""The mounting heading: which way is forward for a clip, from a guided forward bend (or a nod).

During a slow forward bend the segment rotates about its own left axis, so the up direction seen by
the sensor swings from the neutral ``up0`` toward the segment's posterior: forward flexion makes the
up vector lean toward ``-x`` of the segment (see ``tilt_angles``). The mean direction of that swing,
made orthogonal to ``up0``, is therefore ``-x``; a clip worn rotated about its own z axis still gets
the right anterior axis and flexion stays separate from lateral flexion.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from calibration.errors import CalibrationError, RejectReason
from calibration.model import mounting_from_axes
from sensorbridge.conventions import FloatArray


@dataclass(frozen=True)
class MountingSettings:
    min_bend_deg: float = 15.0  # smaller swings leave the direction to sensor noise
    smoothing_samples: int = 10  # moving average over ~0.1 s removes tremor before normalising


@dataclass(frozen=True)
class MountingResult:
    segment_from_sensor: FloatArray  # (3, 3)
    peak_bend_deg: float


def peak_swing_deg(up0: FloatArray, acc: FloatArray) -> float:
    """The largest angle (°) between ``up0`` (3,) and the accelerometer direction over ``acc`` (N, 3)."""
    if acc.ndim != 2 or acc.shape[1] != 3 or acc.shape[0] == 0:
        return 0.0
    u = acc / np.linalg.norm(acc, axis=1, keepdims=True)
    return float(np.degrees(np.arccos(np.clip(u @ up0, -1.0, 1.0)).max()))


def mounting_from_bend(
    up0: FloatArray, acc: FloatArray, settings: MountingSettings = MountingSettings()
) -> MountingResult:
    """``segment_from_sensor`` from the neutral ``up0`` (3,) and the bend's accelerometer ``acc`` (N, 3).

    Raises :class:`CalibrationError` (NO_MOVEMENT) when the bend is smaller than ``min_bend_deg``.
    """
    up0 = np.asarray(up0, dtype=np.float64)
    if up0.shape != (3,) or acc.ndim != 2 or acc.shape[1:] != (3,):
        raise CalibrationError(
            RejectReason.BAD_INPUT, f"need up0 (3,) and acc (N, 3), got {up0.shape} and {acc.shape}"
        )
    up0 = up0 / np.linalg.norm(up0)
    k = max(1, min(settings.smoothing_samples, acc.shape[0]))
    kernel = np.ones(k) / k
    smooth = np.stack([np.convolve(acc[:, i], kernel, mode="valid") for i in range(3)], axis=1)
    u = smooth / np.linalg.norm(smooth, axis=1, keepdims=True)
    angle = np.arccos(np.clip(u @ up0, -1.0, 1.0))
    peak = float(np.degrees(angle.max())) if angle.size else 0.0
    if peak < settings.min_bend_deg:
        raise CalibrationError(
            RejectReason.NO_MOVEMENT,
            f"the bend reached {peak:.0f}°; the mounting step needs at least {settings.min_bend_deg:.0f}°",
            hint="after the hold, bend forward slowly as far as is comfortable (nod for the head clip) "
            "and come back",
        )
    # Weight by the swing so the deep part of the bend, where the direction is best defined, dominates.
    perp = u - np.outer(u @ up0, up0)
    use = angle >= np.radians(0.5 * peak)
    swing = perp[use].sum(axis=0)
    return MountingResult(mounting_from_axes(up0, -swing), peak)
