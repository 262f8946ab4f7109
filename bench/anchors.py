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


def _check(gyr: FloatArray, acc: FloatArray, rate_hz: float) -> tuple[FloatArray, FloatArray]:
    g = np.ascontiguousarray(gyr, dtype=np.float64)
    a = np.ascontiguousarray(acc, dtype=np.float64)
    if g.ndim != 2 or g.shape[1] != 3 or a.shape != g.shape or g.shape[0] == 0:
        raise ValueError(f"need gyr and acc of the same shape (N, 3), got {g.shape} and {a.shape}")
    if not rate_hz > 0:
        raise ValueError(f"sample rate must be positive, got {rate_hz}")
    return g, a


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


def ahrs_madgwick(gyr: FloatArray, acc: FloatArray, rate_hz: float) -> FloatArray:
    """ahrs' Madgwick, IMU update, gain 0.033 (a per-sample Python loop inside ahrs)."""
    from ahrs.filters import Madgwick

    g, a = _check(gyr, acc, rate_hz)
    return np.asarray(Madgwick(gyr=g, acc=a, frequency=rate_hz, gain=MADGWICK_GAIN).Q, dtype=np.float64)


def ahrs_mahony(gyr: FloatArray, acc: FloatArray, rate_hz: float) -> FloatArray:
    """ahrs' Mahony with its default gains (k_P 1, k_I 0.3)."""
    from ahrs.filters import Mahony

    g, a = _check(gyr, acc, rate_hz)
    return np.asarray(Mahony(gyr=g, acc=a, frequency=rate_hz).Q, dtype=np.float64)


def imufusion_ahrs(gyr: FloatArray, acc: FloatArray, rate_hz: float) -> FloatArray:
    """x-io Fusion's AHRS without magnetometer, default settings in the ENU convention.

    Fusion takes deg/s and g; a Python loop calls its C update once per sample.
    """
    import imufusion

    g, a = _check(gyr, acc, rate_hz)
    fusion = imufusion.Ahrs()
    fusion.set_settings(imufusion.AhrsSettings(sample_rate=rate_hz, convention=imufusion.CONVENTION_ENU))
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
