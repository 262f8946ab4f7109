"""Sensor intrinsics: gyroscope bias from still windows, and the accelerometer six-position fit.

The accelerometer model is ``calibrated = scale * (raw - offset)`` per axis. Resting in six (or more)
orientations, a perfect sensor reads ``|calibrated| = g`` in each, so the offsets and scales are the
least-squares solution of ``|scale * (mean_k - offset)| - g = 0`` over the positions (an axis-aligned
ellipsoid fit, solved with scipy's ``least_squares``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import least_squares

from calibration.errors import CalibrationError, RejectReason
from sensorbridge.conventions import STANDARD_GRAVITY, FloatArray


def still_mask(gyr: FloatArray, fs: float, window_s: float = 0.5, max_rate: float = 0.02) -> FloatArray:
    """Boolean (N,) true where, over each ``window_s`` block, the mean rate and the spread of the
    gyroscope are both below ``max_rate`` rad/s (a slow smooth movement has a small spread only)."""
    if gyr.ndim != 2 or gyr.shape[1] != 3:
        raise ValueError(f"gyr must be (N, 3), got {gyr.shape}")
    n = gyr.shape[0]
    w = max(2, round(window_s * fs))
    blocks = n // w
    mask = np.zeros(n, dtype=bool)
    if blocks == 0:
        return mask
    g = gyr[: blocks * w].reshape(blocks, w, 3)
    spread = g.std(axis=1).max(axis=1)
    rate = np.linalg.norm(g.mean(axis=1), axis=1)
    mask[: blocks * w] = np.repeat((spread < max_rate) & (rate < max_rate), w)
    return mask


def gyro_bias_from_still(gyr: FloatArray, still: FloatArray, min_samples: int = 50) -> FloatArray:
    """Mean gyroscope reading (3,) rad/s over the samples where ``still`` (N,) bool is true."""
    if gyr.ndim != 2 or gyr.shape[1] != 3 or still.shape != gyr.shape[:1]:
        raise ValueError(f"need gyr (N, 3) and still (N,), got {gyr.shape} and {still.shape}")
    count = int(np.count_nonzero(still))
    if count < min_samples:
        raise CalibrationError(
            RejectReason.MOVED,
            f"only {count} still samples; the gyroscope bias needs {min_samples}",
            hint="leave the clip untouched on a table for a few seconds",
        )
    return np.asarray(gyr[still].mean(axis=0), dtype=np.float64)


@dataclass(frozen=True)
class AccelFit:
    offset: FloatArray  # (3,) m/s²
    scale: FloatArray  # (3,)
    rms_residual: float  # m/s², |calibrated| - g over the positions


def fit_accelerometer(means: FloatArray, g: float = STANDARD_GRAVITY) -> AccelFit:
    """Offsets and scales from the mean readings ``means`` (K, 3) m/s² of K >= 6 still positions.

    The positions must point each axis both up and down (about 0.5 g at least); otherwise the offset
    of that axis cannot be told from its scale and the fit is refused.
    """
    m = np.asarray(means, dtype=np.float64)
    if m.ndim != 2 or m.shape[1] != 3 or m.shape[0] < 6:
        raise CalibrationError(
            RejectReason.BAD_INPUT,
            f"the six-position fit needs at least 6 positions of (3,) readings, got {m.shape}",
            hint="rest the clip on each of its six faces in turn",
        )
    if np.any(m.max(axis=0) < 0.5 * g) or np.any(m.min(axis=0) > -0.5 * g):
        raise CalibrationError(
            RejectReason.BAD_INPUT,
            "the positions do not point every axis both up and down",
            hint="rest the clip on each of its six faces in turn",
        )

    def residual(p: FloatArray) -> FloatArray:
        return np.asarray(np.linalg.norm(p[3:] * (m - p[:3]), axis=1) - g, dtype=np.float64)

    sol = least_squares(residual, np.concatenate([np.zeros(3), np.ones(3)]))
    res = residual(sol.x)
    return AccelFit(sol.x[:3].copy(), sol.x[3:].copy(), float(np.sqrt(np.mean(res**2))))


def still_positions(
    acc: FloatArray, gyr: FloatArray, fs: float, min_s: float = 2.0, min_separation_deg: float = 30.0
) -> FloatArray:
    """Mean accelerometer readings (K, 3) m/s² of the distinct still positions in a recording.

    A position is a still run (see :func:`still_mask`) lasting at least ``min_s``; runs pointing within
    ``min_separation_deg`` of an earlier position are merged into it (a sample-weighted mean).
    """
    if acc.shape != gyr.shape or acc.ndim != 2 or acc.shape[1] != 3:
        raise ValueError(f"acc and gyr must both be (N, 3), got {acc.shape} and {gyr.shape}")
    still = still_mask(gyr, fs, max_rate=0.03)
    padded = np.concatenate([[False], still, [False]]).astype(np.int8)
    edges = np.flatnonzero(np.diff(padded))
    sums: list[FloatArray] = []
    counts: list[int] = []
    cos_min = np.cos(np.radians(min_separation_deg))
    for s, e in zip(edges[::2].tolist(), edges[1::2].tolist(), strict=True):
        if e - s < min_s * fs:
            continue
        mean = acc[s:e].mean(axis=0)
        for k, total in enumerate(sums):
            ref = total / counts[k]
            if np.dot(ref, mean) / (np.linalg.norm(ref) * np.linalg.norm(mean)) > cos_min:
                sums[k] = total + mean * (e - s)
                counts[k] += e - s
                break
        else:
            sums.append(mean * (e - s))
            counts.append(e - s)
    return np.array([total / c for total, c in zip(sums, counts, strict=True)]).reshape(-1, 3)


def calibrate_accelerometer(acc: FloatArray, gyr: FloatArray, fs: float) -> AccelFit:
    """The bench procedure: rest the clip on each of its faces for a few seconds while recording;
    the still positions found in ``acc``/``gyr`` (N, 3) at ``fs`` Hz are fitted
    (:func:`fit_accelerometer`); store it as the clip's :class:`~calibration.model.SensorIntrinsics`."""
    return fit_accelerometer(still_positions(acc, gyr, fs))
