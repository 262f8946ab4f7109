"""The orientation filters a user would otherwise pick, each called as its authors document it.

Every function takes ``gyr`` (N, 3) rad/s and ``acc`` (N, 3) m/s² in the sensor frame at ``rate_hz``
and returns (N, 4) [w, x, y, z] sensor-to-earth quaternions (earth z up), the project's convention.
These libraries are benchmark-only dependencies (the ``bench`` extra), imported inside the functions.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from sensorbridge.conventions import STANDARD_GRAVITY, FloatArray

Estimator = Callable[[FloatArray, FloatArray, float], FloatArray]

MADGWICK_GAIN = 0.033  # the issue's anchor: ahrs' default IMU gain (Madgwick's beta)
MAHONY_K_P, MAHONY_K_I = 1.0, 0.3  # ahrs' defaults
FUSION_GAIN = 0.5  # Fusion's default
FUSION_REJECTION_TIMEOUT_S = 0.0  # Fusion's default: no acceleration rejection


def _check(gyr: FloatArray, acc: FloatArray, rate_hz: float) -> tuple[FloatArray, FloatArray]:
    g = np.ascontiguousarray(gyr, dtype=np.float64)
    a = np.ascontiguousarray(acc, dtype=np.float64)
    if g.ndim != 2 or g.shape[1] != 3 or a.shape != g.shape or g.shape[0] == 0:
        raise ValueError(f"need gyr and acc of the same shape (N, 3), got {g.shape} and {a.shape}")
    if not rate_hz > 0:
        raise ValueError(f"sample rate must be positive, got {rate_hz}")
    return g, a


def _check_gain(what: str, value: float) -> None:
    # ahrs refuses a gain of zero (Mahony's k_I included), so every gain here must be positive
    if not (np.isfinite(value) and value > 0.0):
        raise ValueError(f"{what} must be a finite positive number, got {value}")


def vqf_offline(gyr: FloatArray, acc: FloatArray, rate_hz: float) -> FloatArray:
    """VQF's acausal offline estimate (forward and backward passes), 6D."""
    from vqf import offlineVQF

    g, a = _check(gyr, acc, rate_hz)
    return np.asarray(offlineVQF(g, a, None, 1.0 / rate_hz)["quat6D"], dtype=np.float64)


def vqf_online(gyr: FloatArray, acc: FloatArray, rate_hz: float) -> FloatArray:
    """VQF's causal filter run over the whole trial in one batch call, 6D, default parameters."""
    from vqf import VQF

    g, a = _check(gyr, acc, rate_hz)
    return np.asarray(VQF(1.0 / rate_hz).updateBatch(g, a)["quat6D"], dtype=np.float64)


def ahrs_madgwick(
    gyr: FloatArray, acc: FloatArray, rate_hz: float, gain: float = MADGWICK_GAIN
) -> FloatArray:
    """ahrs' Madgwick, IMU update, ``gain`` (Madgwick's beta, rad/s; a per-sample Python loop inside ahrs)."""
    from ahrs.filters import Madgwick

    g, a = _check(gyr, acc, rate_hz)
    _check_gain("Madgwick gain", gain)
    return np.asarray(Madgwick(gyr=g, acc=a, frequency=rate_hz, gain=gain).Q, dtype=np.float64)


def ahrs_mahony(
    gyr: FloatArray, acc: FloatArray, rate_hz: float, k_p: float = MAHONY_K_P, k_i: float = MAHONY_K_I
) -> FloatArray:
    """ahrs' Mahony (IMU update): proportional gain ``k_p`` and integral (gyro bias) gain ``k_i``.

    ahrs takes gyro in rad/s and normalises the accelerometer itself, so m/s² go in as they are.
    """
    from ahrs.filters import Mahony

    g, a = _check(gyr, acc, rate_hz)
    _check_gain("Mahony k_P", k_p)
    _check_gain("Mahony k_I", k_i)
    return np.asarray(Mahony(gyr=g, acc=a, frequency=rate_hz, k_P=k_p, k_I=k_i).Q, dtype=np.float64)


def imufusion_ahrs(
    gyr: FloatArray,
    acc: FloatArray,
    rate_hz: float,
    gain: float = FUSION_GAIN,
    acceleration_rejection: float = 0.0,
    rejection_timeout_s: float = FUSION_REJECTION_TIMEOUT_S,
) -> FloatArray:
    """x-io Fusion's AHRS without magnetometer in the ENU convention; defaults are Fusion's own.

    ``acceleration_rejection`` (degrees, 0 = off) ignores the accelerometer while its direction
    disagrees with the estimate by more than that, for at most ``rejection_timeout_s`` seconds
    (Fusion ignores the threshold when the timeout is 0). Fusion takes deg/s and g; a Python loop calls
    its C update once per sample.
    """
    import imufusion

    g, a = _check(gyr, acc, rate_hz)
    _check_gain("Fusion gain", gain)
    if not 0.0 <= acceleration_rejection <= 180.0 or not rejection_timeout_s >= 0.0:
        raise ValueError(
            f"acceleration rejection must be 0..180 degrees and its timeout >= 0 s, "
            f"got {acceleration_rejection} and {rejection_timeout_s}"
        )
    fusion = imufusion.Ahrs()
    fusion.set_settings(
        imufusion.AhrsSettings(
            sample_rate=rate_hz,
            convention=imufusion.CONVENTION_ENU,
            gain=gain,
            acceleration_rejection=acceleration_rejection,
            rejection_timeout=rejection_timeout_s,
        )
    )
    gyr_dps = np.degrees(g)
    acc_g = a / STANDARD_GRAVITY
    out = np.empty((g.shape[0], 4))
    for i in range(g.shape[0]):
        fusion.update_no_magnetometer(gyr_dps[i], acc_g[i])
        out[i] = fusion.get_quaternion()
    return out


ANCHORS: dict[str, Estimator] = {
    "VQF offline (direct)": vqf_offline,
    "VQF online (direct, batch 6D)": vqf_online,
    "ahrs Madgwick (gain 0.033)": ahrs_madgwick,
    "ahrs Mahony": ahrs_mahony,
    "imufusion (Fusion AHRS, no mag)": imufusion_ahrs,
}
