"""Per-node 6-axis orientation: VQF behind the project's own small interface.

Settings are frozen (:class:`~sensorbridge.pipeline.settings.OrientationSettings`); the state is VQF's
own and resettable; ``update_batch`` takes any chunk of uniformly sampled data and gives exactly the
result of one call on the concatenation, because VQF's batch update is its sample update in a loop
with the state carried over. Quaternions are ``[w, x, y, z]``, sensor to a z-up earth frame with an
arbitrary, drifting heading.

A gap: shorter than ``reset_after_gap_s`` the filter simply continues (its accelerometer correction
pulls the inclination back within a few ``tau_acc``); longer, the state is reset but the gyroscope
bias estimate is kept, since the clip may have been taken off and put back on.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from vqf import VQF, offlineVQF

from sensorbridge.conventions import FloatArray
from sensorbridge.pipeline.settings import OrientationSettings


@dataclass(frozen=True)
class OrientationOutput:
    """``quat`` (N, 4) [w, x, y, z]; ``bias`` (N, 3) rad/s; ``rest`` (N,) bool."""

    quat: FloatArray
    bias: FloatArray
    rest: np.ndarray

    def take(self, sel: slice) -> OrientationOutput:
        return OrientationOutput(self.quat[sel], self.bias[sel], self.rest[sel])

    @staticmethod
    def concat(parts: list[OrientationOutput]) -> OrientationOutput:
        return OrientationOutput(
            *(np.concatenate([getattr(p, f) for p in parts]) for f in ("quat", "bias", "rest"))
        )


def _params(settings: OrientationSettings) -> dict[str, object]:
    return {
        "tauAcc": settings.tau_acc_s,
        "restBiasEstEnabled": settings.rest_bias_estimation,
        "motionBiasEstEnabled": settings.motion_bias_estimation,
        "restThGyr": settings.rest_gyro_dps,
        "restThAcc": settings.rest_acc,
        "restFilterTau": settings.rest_filter_tau_s,
        "biasSigmaRest": settings.bias_sigma_rest_dps,
    }


def _check(gyr: FloatArray, acc: FloatArray) -> None:
    if gyr.ndim != 2 or gyr.shape[1] != 3 or acc.shape != gyr.shape:
        raise ValueError(f"gyr and acc must both be (N, 3), got {gyr.shape} and {acc.shape}")


class OrientationFilter:
    """One node's causal orientation filter at a fixed sample period ``1 / rate_hz``."""

    def __init__(self, settings: OrientationSettings, rate_hz: float) -> None:
        self.settings = settings
        self.rate_hz = rate_hz
        self._vqf = VQF(1.0 / rate_hz, **_params(settings))

    def reset(self, keep_bias: bool = True) -> None:
        """Forget the orientation (and, unless ``keep_bias``, the gyroscope bias estimate)."""
        bias, sigma = self._vqf.getBiasEstimate()
        self._vqf.resetState()
        if keep_bias:
            self._vqf.setBiasEstimate(np.asarray(bias, dtype=np.float64), float(sigma))

    def set_bias(self, bias: FloatArray, sigma: float = 0.005) -> None:
        """Seed the bias estimate (3,) rad/s, e.g. from a calibration's still hold."""
        self._vqf.setBiasEstimate(np.ascontiguousarray(bias, dtype=np.float64), sigma)

    def update_batch(self, gyr: FloatArray, acc: FloatArray) -> OrientationOutput:
        """Filter a chunk of uniformly sampled ``gyr`` (N, 3) rad/s and ``acc`` (N, 3) m/s²."""
        _check(gyr, acc)
        if gyr.shape[0] == 0:
            return OrientationOutput(np.zeros((0, 4)), np.zeros((0, 3)), np.zeros(0, bool))
        out = self._vqf.updateBatch(
            np.ascontiguousarray(gyr, dtype=np.float64), np.ascontiguousarray(acc, dtype=np.float64)
        )
        return OrientationOutput(out["quat6D"], out["bias"], out["restDetected"])

    def update(self, gyr: FloatArray, acc: FloatArray) -> FloatArray:
        """One sample: ``gyr`` (3,), ``acc`` (3,); returns the quaternion (4,)."""
        return np.asarray(self.update_batch(gyr.reshape(1, 3), acc.reshape(1, 3)).quat[0], np.float64)

    @property
    def quat(self) -> FloatArray:
        return np.asarray(self._vqf.getQuat6D(), dtype=np.float64)


def offline_orientation(
    gyr: FloatArray, acc: FloatArray, rate_hz: float, settings: OrientationSettings | None = None
) -> OrientationOutput:
    """VQF's acausal offline variant over a whole uniformly sampled recording (more accurate, not live)."""
    _check(gyr, acc)
    settings = settings or OrientationSettings()
    out = offlineVQF(
        np.ascontiguousarray(gyr, dtype=np.float64),
        np.ascontiguousarray(acc, dtype=np.float64),
        None,
        1.0 / rate_hz,
        _params(settings),
    )
    return OrientationOutput(out["quat6D"], out["bias"], out["restDetected"])
