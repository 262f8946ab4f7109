"""The calibration procedure over a window of one clip's samples: a neutral hold, then optionally the
guided bend (back clip) or nod (head clip).

The hold is the first still stretch of the window lasting at least ``min_hold_s``; whatever follows it
inside the window is the guided movement. A window without a big enough movement after the hold keeps
the nominal mounting (the clip assumed worn as the README shows), which is not an error.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from calibration.errors import CalibrationError, RejectReason
from calibration.intrinsics import still_mask
from calibration.model import ClipCalibration, SensorIntrinsics, nominal_mounting
from calibration.mounting import MountingSettings, mounting_from_bend, peak_swing_deg
from calibration.neutral import NeutralSettings, measure_neutral
from sensorbridge.conventions import FloatArray, Role


@dataclass(frozen=True)
class ProcedureSettings:
    neutral: NeutralSettings = field(default_factory=NeutralSettings)
    mounting: MountingSettings = field(default_factory=MountingSettings)
    still_window_s: float = 0.5  # blocks over which stillness is judged
    still_gyro: float = 0.05  # rad/s (~3 °/s) mean rate and spread per block; a gyro bias is far less
    trim_s: float = 0.5  # dropped from the end of the hold: the start of the bend is slow


def _first_still_run(still: FloatArray, min_len: int) -> tuple[int, int] | None:
    """(start, end) indices of the first run of ``True`` at least ``min_len`` long, grown to its end."""
    padded = np.concatenate([[False], still, [False]]).astype(np.int8)
    edges = np.flatnonzero(np.diff(padded))
    for s, e in zip(edges[::2], edges[1::2], strict=True):
        if e - s >= min_len:
            return int(s), int(e)
    return None


def calibrate_clip(
    role: Role,
    t: FloatArray,
    acc: FloatArray,
    gyr: FloatArray,
    settings: ProcedureSettings = ProcedureSettings(),
    *,
    intrinsics: SensorIntrinsics | None = None,
) -> ClipCalibration:
    """One clip's calibration from the samples of its calibration window.

    ``t`` (N,) s, ``acc`` (N, 3) m/s², ``gyr`` (N, 3) rad/s in the sensor frame, already corrected by
    ``intrinsics`` when given (they are carried into the result). Raises :class:`CalibrationError`.
    """
    n = t.shape[0] if t.ndim == 1 else -1
    if n < 0 or acc.shape != (n, 3) or gyr.shape != (n, 3):
        raise CalibrationError(
            RejectReason.BAD_INPUT,
            f"need t (N,), acc (N, 3), gyr (N, 3); got {t.shape}, {acc.shape}, {gyr.shape}",
        )
    seconds = float(t[-1] - t[0]) if n > 1 else 0.0
    if n < 10 or seconds < settings.neutral.min_hold_s:
        raise CalibrationError(
            RejectReason.TOO_SHORT,
            f"the calibration window holds {seconds:.1f} s of data; the hold alone needs "
            f"{settings.neutral.min_hold_s:.0f} s",
            hint="sit upright and hold still until the countdown ends",
        )
    fs = (n - 1) / seconds
    still = still_mask(gyr, fs, settings.still_window_s, settings.still_gyro)
    run = _first_still_run(still, round(settings.neutral.min_hold_s * fs))
    if run is None:
        # Measure the whole window so the error names what moved.
        measure_neutral(t, acc, gyr, settings.neutral)
        raise CalibrationError(
            RejectReason.MOVED,
            "no still stretch long enough for the neutral hold",
            hint="sit upright and hold still for the whole countdown",
        )
    s, e = run
    e = max(s + round(settings.neutral.min_hold_s * fs), e - round(settings.trim_s * fs))
    hold = measure_neutral(t[s:e], acc[s:e], gyr[s:e], settings.neutral)
    matrix = nominal_mounting(hold.up_in_sensor)
    measured = False
    rest = acc[e:]
    if peak_swing_deg(hold.up_in_sensor, rest) >= settings.mounting.min_bend_deg:
        matrix = mounting_from_bend(hold.up_in_sensor, rest, settings.mounting).segment_from_sensor
        measured = True
    base = intrinsics or SensorIntrinsics()
    bias = hold.gyro_bias
    return ClipCalibration.from_matrix(
        role,
        matrix,
        mounting_measured=measured,
        neutral_measured=True,
        intrinsics=base,
        hold_gyro_bias=(float(bias[0]), float(bias[1]), float(bias[2])),
    )
