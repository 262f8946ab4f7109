"""The figures' definitions, as small pure functions (tested in tests/test_bench_metrics.py)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from sensorbridge.conventions import FloatArray, quat_conj, quat_mul, quat_normalize


def inclination_errors(q_est: ArrayLike, q_true: ArrayLike) -> FloatArray:
    """Inclination error (rad) per sample between two (N, 4) [w, x, y, z] sensor-to-earth quaternions.

    As BROAD defines it for 6-axis filters: with ``e = q_est ⊗ q_true⁻¹`` (the error in the earth
    frame, z up) the error is ``2·arccos(clip(sqrt(e_w² + e_z²), 0, 1))``, so a heading difference
    (rotation about the earth's z) does not count.
    """
    est, true = np.asarray(q_est, dtype=np.float64), np.asarray(q_true, dtype=np.float64)
    if est.ndim != 2 or est.shape[1] != 4 or est.shape != true.shape:
        raise ValueError(f"need two (N, 4) quaternion arrays, got {est.shape} and {true.shape}")
    e = quat_mul(quat_normalize(est), quat_conj(quat_normalize(true)))
    return np.asarray(2.0 * np.arccos(np.clip(np.hypot(e[:, 0], e[:, 3]), 0.0, 1.0)), dtype=np.float64)


@dataclass(frozen=True)
class TrialError:
    """A trial's inclination RMSE (degrees) over ``used`` movement samples.

    ``no_truth`` counts movement samples left out because the optical truth is missing (NaN there).
    """

    rmse_deg: float
    used: int
    no_truth: int


def inclination_rmse(q_est: ArrayLike, q_true: ArrayLike, movement: ArrayLike) -> TrialError:
    """RMS of :func:`inclination_errors` over the movement samples, in degrees.

    ``q_est``, ``q_true`` (N, 4); ``movement`` (N,) or (N, 1), non-zero where the sample counts. Samples
    whose truth is NaN (the optical system lost the markers) are left out and counted.
    """
    est = np.asarray(q_est, dtype=np.float64)
    true = np.asarray(q_true, dtype=np.float64)
    move = np.asarray(movement).reshape(-1).astype(bool)
    if est.shape != true.shape or est.ndim != 2 or move.shape != (est.shape[0],):
        raise ValueError(
            f"need q_est (N, 4), q_true (N, 4), movement (N,); got {est.shape}, {true.shape}, {move.shape}"
        )
    if np.isnan(est).any():
        raise ValueError("the estimate holds NaN quaternions")
    has_truth = ~np.isnan(true).any(axis=1)
    used = move & has_truth
    if not used.any():
        raise ValueError("no movement sample with truth to compare")
    err = inclination_errors(est[used], true[used])
    rmse = float(np.degrees(np.sqrt(np.mean(err**2))))
    return TrialError(rmse, int(used.sum()), int((move & ~has_truth).sum()))


def percentile(values: ArrayLike, q: float) -> float:
    """The ``q``-th percentile (0-100) of a non-empty 1-D sample."""
    arr = np.asarray(values, dtype=np.float64)
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError(f"need a non-empty 1-D sample, got shape {arr.shape}")
    if not 0.0 <= q <= 100.0:
        raise ValueError(f"percentile {q} outside 0..100")
    return float(np.percentile(arr, q))


def rate(count: float, seconds: float) -> float:
    """Items per second; refuses a zero or negative time rather than dividing by it."""
    if seconds <= 0.0:
        raise ValueError(f"cannot compute a rate over {seconds} s")
    return count / seconds
