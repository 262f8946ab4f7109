"""The neutral pose hold: the wearer sits as the article describes and holds still for a few seconds.

The hold gives the up direction of the segment in the sensor frame (the mean accelerometer reading,
which is pure gravity reaction when still) and the gyroscope bias (the mean gyroscope reading). It is
refused, with the reason and what to do, when the wearer moved, when the clip is evidently not on a
body (lying flat on a desk: up along the sensor's z axis instead of up the spine), or when it is too
short.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from calibration.errors import CalibrationError, RejectReason
from sensorbridge.conventions import STANDARD_GRAVITY, FloatArray


@dataclass(frozen=True)
class NeutralSettings:
    """Thresholds of an acceptable hold. Defaults are loose enough for breathing, tight for fidgeting."""

    min_hold_s: float = 3.0  # shorter holds average too little noise out
    max_gyro_std: float = 0.05  # rad/s (~3 °/s) per axis; breathing stays near 0.01
    max_acc_std: float = 0.35  # m/s² per axis
    acc_norm_tolerance: float = 0.08  # fraction of g; a hand-held or falling clip reads far from 1 g
    max_tilt_from_spine_deg: float = 60.0  # worn clips have up near sensor +x (README); flat ones near ±z


@dataclass(frozen=True)
class NeutralHold:
    """What a good hold measured: ``up_in_sensor`` (3,) unit, ``gyro_bias`` (3,) rad/s."""

    up_in_sensor: FloatArray
    gyro_bias: FloatArray
    seconds: float
    gyro_std: float  # rad/s, the largest axis
    acc_std: float  # m/s², the largest axis


def _check_arrays(t: FloatArray, acc: FloatArray, gyr: FloatArray) -> int:
    n = t.shape[0] if t.ndim == 1 else -1
    if n < 0 or acc.shape != (n, 3) or gyr.shape != (n, 3):
        raise CalibrationError(
            RejectReason.BAD_INPUT,
            f"need t (N,), acc (N, 3), gyr (N, 3); got {t.shape}, {acc.shape}, {gyr.shape}",
        )
    return n


def measure_neutral(
    t: FloatArray, acc: FloatArray, gyr: FloatArray, settings: NeutralSettings = NeutralSettings()
) -> NeutralHold:
    """Check one hold and measure it. ``t`` (N,) s, ``acc`` (N, 3) m/s², ``gyr`` (N, 3) rad/s, sensor frame.

    Raises :class:`CalibrationError` with ``reason`` TOO_SHORT, MOVED or NOT_ON_BODY.
    """
    n = _check_arrays(t, acc, gyr)
    seconds = float(t[-1] - t[0]) if n > 1 else 0.0
    if n < 10 or seconds < settings.min_hold_s:
        raise CalibrationError(
            RejectReason.TOO_SHORT,
            f"the neutral hold lasted {seconds:.1f} s; it needs {settings.min_hold_s:.0f} s",
            hint="sit upright and stay still until the countdown ends",
        )
    gyro_std = float(np.max(np.std(gyr, axis=0)))
    acc_std = float(np.max(np.std(acc, axis=0)))
    mean_acc = acc.mean(axis=0)
    norm = float(np.linalg.norm(mean_acc))
    if gyro_std > settings.max_gyro_std or acc_std > settings.max_acc_std:
        raise CalibrationError(
            RejectReason.MOVED,
            f"you moved during the hold (gyro spread {np.degrees(gyro_std):.1f} °/s, "
            f"accelerometer spread {acc_std:.2f} m/s²)",
            hint="sit upright, rest your hands, and hold still for the whole countdown",
        )
    if abs(norm - STANDARD_GRAVITY) > settings.acc_norm_tolerance * STANDARD_GRAVITY:
        raise CalibrationError(
            RejectReason.MOVED,
            f"the accelerometer read {norm:.2f} m/s² instead of about {STANDARD_GRAVITY:.2f}",
            hint="hold still; if this repeats, run the accelerometer calibration on the bench",
        )
    up = mean_acc / norm
    tilt = float(np.degrees(np.arccos(np.clip(up[0], -1.0, 1.0))))
    if tilt > settings.max_tilt_from_spine_deg:
        raise CalibrationError(
            RejectReason.NOT_ON_BODY,
            f"the clip's long axis is {tilt:.0f}° from vertical: it does not look worn (flat on a desk?)",
            hint="clip it on as the README shows (arrow up the spine), then sit upright and hold still",
        )
    return NeutralHold(up, gyr.mean(axis=0), seconds, gyro_std, acc_std)
