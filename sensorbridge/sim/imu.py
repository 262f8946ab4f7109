"""What an LSM6DS3TR-C makes of the ideal readings: errors, quantization, saturation, and its clocks.

Measurement model per axis (sensor frame, SI units before quantization)::

    measured = (1 + scale_error) · ideal + bias + drift(t) + white noise
    raw      = clip(round(measured / lsb), -32768, 32767)          (int16 counts)

* white noise: the datasheet's noise density (accel 90 µg/√Hz, gyro 4 mdps/√Hz in normal mode)
  times √(ODR/2), the bandwidth of the output;
* bias: fixed per clip, drawn once (typical turn-on offsets after factory trim, not the datasheet's
  worst case); drift: a random walk, so it wanders slowly over hours;
* the LSB at the configured full scale (``protocol.accel_scale``/``gyro_scale``); a value beyond the
  int16 range saturates and is flagged.

Clocks: the IMU's own oscillator sets the true sample period, ``1 / ODR · (1 + odr_ppm·1e-6)``; the
clip's microcontroller stamps samples with its µs clock, which runs ``clock_ppm`` fast and started
at boot, a while before the first sample.

All randomness of one clip comes from one generator drawn in whole rows, so cutting a stream into
chunks of any size gives the same numbers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from sensorbridge.conventions import STANDARD_GRAVITY, FloatArray
from sensorbridge.protocol import (
    DEFAULT_ACCEL_RANGE,
    DEFAULT_GYRO_RANGE,
    DEFAULT_RATE_HZ,
    AccelRange,
    GyroRange,
    accel_scale,
    gyro_scale,
)

INT16_MIN = -32768
INT16_MAX = 32767


@dataclass(frozen=True)
class ImuSettings:
    """Error magnitudes (1-σ where random) and configuration of one simulated clip."""

    rate_hz: int = DEFAULT_RATE_HZ
    accel_range: AccelRange = DEFAULT_ACCEL_RANGE
    gyro_range: GyroRange = DEFAULT_GYRO_RANGE
    accel_noise_ug_rthz: float = 90.0  # datasheet, normal mode
    gyro_noise_mdps_rthz: float = 4.0  # datasheet, normal mode
    accel_bias_mg: float = 10.0
    gyro_bias_dps: float = 0.5
    accel_drift_mg_rts: float = 0.03  # random walk: ~2 mg after an hour
    gyro_drift_dps_rts: float = 0.005  # random walk: ~0.3 dps after an hour
    scale_error: float = 0.005  # 0.5 % per axis
    odr_ppm: float = 300.0  # the IMU oscillator's frequency error
    clock_ppm: float = 20.0  # the microcontroller crystal's error
    noiseless: bool = False  # ideal readings (quantization and saturation still apply)

    def noise_sigma(self) -> FloatArray:
        """White-noise σ per axis (6,): m/s² ×3 then rad/s ×3."""
        bw = math.sqrt(self.rate_hz / 2.0)
        acc = self.accel_noise_ug_rthz * 1e-6 * STANDARD_GRAVITY * bw
        gyr = math.radians(self.gyro_noise_mdps_rthz * 1e-3) * bw
        return np.array([acc] * 3 + [gyr] * 3)

    def lsb(self) -> FloatArray:
        """Physical value per count (6,): m/s² ×3 then rad/s ×3."""
        return np.array([accel_scale(self.accel_range)] * 3 + [gyro_scale(self.gyro_range)] * 3)


@dataclass(frozen=True)
class ClipErrors:
    """The errors one clip was born with, drawn once from :class:`ImuSettings`."""

    bias: FloatArray  # (6,) m/s², rad/s
    scale: FloatArray  # (6,) multiplicative, around 1
    odr_ppm: float
    clock_ppm: float
    boot_s: float  # the clip booted this long before its first sample

    @classmethod
    def draw(cls, settings: ImuSettings, rng: np.random.Generator) -> ClipErrors:
        if settings.noiseless:
            return cls(np.zeros(6), np.ones(6), 0.0, 0.0, 5.0)
        z = rng.standard_normal(10)
        acc_b = z[0:3] * settings.accel_bias_mg * 1e-3 * STANDARD_GRAVITY
        gyr_b = z[3:6] * math.radians(settings.gyro_bias_dps)
        scale = 1.0 + rng.standard_normal(6) * settings.scale_error
        return cls(
            np.concatenate([acc_b, gyr_b]),
            scale,
            float(z[6] * settings.odr_ppm),
            float(z[7] * settings.clock_ppm),
            float(2.0 + 60.0 * rng.random()),
        )

    def to_dict(self) -> dict[str, object]:
        return {
            "accel_bias_m_s2": self.bias[:3].tolist(),
            "gyro_bias_rad_s": self.bias[3:].tolist(),
            "scale": self.scale.tolist(),
            "odr_ppm": self.odr_ppm,
            "clock_ppm": self.clock_ppm,
            "boot_s": self.boot_s,
        }


class ImuModel:
    """Turns ideal readings into raw counts, chunk by chunk, carrying the drift between chunks."""

    def __init__(self, settings: ImuSettings, errors: ClipErrors, rng: np.random.Generator) -> None:
        self.settings = settings
        self.errors = errors
        self._rng = rng
        self._sigma = settings.noise_sigma()
        dt = 1.0 / settings.rate_hz
        self._drift_step = np.array(
            [settings.accel_drift_mg_rts * 1e-3 * STANDARD_GRAVITY] * 3
            + [math.radians(settings.gyro_drift_dps_rts)] * 3
        ) * math.sqrt(dt)
        self._lsb = settings.lsb()
        self.drift = np.zeros(6)

    def measure(self, force: FloatArray, rate: FloatArray) -> tuple[NDArray[np.int16], NDArray[np.bool_]]:
        """Raw counts (N, 6) int16 ``ax, ay, az, gx, gy, gz`` and a saturation mask (N,) from the ideal
        specific force (N, 3) m/s² and angular rate (N, 3) rad/s, sensor frame."""
        n = force.shape[0]
        if force.shape != (n, 3) or rate.shape != (n, 3):
            raise ValueError(f"force and rate must be (N, 3), got {force.shape} and {rate.shape}")
        ideal = np.concatenate([force, rate], axis=1)
        if self.settings.noiseless:
            measured = ideal
        else:
            z = self._rng.standard_normal((n, 12))
            drift = self.drift + np.cumsum(z[:, 6:] * self._drift_step, axis=0)
            if n:
                self.drift = drift[-1].copy()
            measured = ideal * self.errors.scale + self.errors.bias + drift + z[:, :6] * self._sigma
        counts = np.rint(measured / self._lsb)
        saturated = np.any((counts <= INT16_MIN) | (counts >= INT16_MAX), axis=1)
        raw = np.clip(counts, INT16_MIN, INT16_MAX).astype(np.int16)
        return raw, saturated


@dataclass(frozen=True)
class ClipClock:
    """When a clip samples (true seconds) and what its µs clock says then."""

    rate_hz: int
    errors: ClipErrors
    start_s: float = 0.0  # true time of sample 0
    boot_at_s: float | None = None  # true time the clip booted (default: errors.boot_s before start)

    @property
    def boot_true_s(self) -> float:
        return self.start_s - self.errors.boot_s if self.boot_at_s is None else self.boot_at_s

    @property
    def period_s(self) -> float:
        return (1.0 / self.rate_hz) * (1.0 + self.errors.odr_ppm * 1e-6)

    def true_times(self, first: int, n: int) -> FloatArray:
        """True times (n,) s of samples ``first .. first + n - 1``."""
        return self.start_s + (first + np.arange(n, dtype=np.float64)) * self.period_s

    def device_us(self, true_s: FloatArray) -> NDArray[np.int64]:
        """The clip's clock (µs since boot) at true times (N,) s."""
        since_boot = true_s - self.boot_true_s
        return np.rint(since_boot * (1.0 + self.errors.clock_ppm * 1e-6) * 1e6).astype(np.int64)

    def to_seconds_from_first(self, device_us: NDArray[np.int64]) -> FloatArray:
        """Device µs to seconds since this clip's first sample, on its own clock."""
        first = self.device_us(np.array([self.start_s]))[0]
        return np.asarray((device_us - first) * 1e-6, dtype=np.float64)
