"""Where a virtual clip's samples come from.

A :class:`MotionSource` hands out consecutive chunks of what the IMU measures at the clip, in the
sensor frame: specific force (m/s²) and angular rate (rad/s). The wearer simulator
(:mod:`sensorbridge.sim`) is the real source; :class:`SteadyWearer` is a small stand-in used when
no scenario is given or the simulator is not available.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import numpy as np

from sensorbridge.conventions import STANDARD_GRAVITY, FloatArray, Role


@runtime_checkable
class MotionSource(Protocol):
    """Consecutive IMU readings of one clip at ``rate_hz``: ``next_chunk(n)`` returns acc (n, 3)
    m/s² and gyr (n, 3) rad/s in the sensor frame."""

    def next_chunk(self, n: int) -> tuple[FloatArray, FloatArray]: ...


class SteadyWearer:
    """A seated wearer who sways gently and slouches slowly now and then (sensor x up the spine,
    z out of the back, as :mod:`sensorbridge.conventions` draws it). Seeded; noise about 2 mg and
    0.1 °/s per sample."""

    def __init__(self, role: Role = Role.BACK, rate_hz: float = 104.0, seed: int = 0) -> None:
        self.role = role
        self.rate_hz = rate_hz
        self._rng = np.random.default_rng(seed)
        self._k = 0

    def next_chunk(self, n: int) -> tuple[FloatArray, FloatArray]:
        if n < 1:
            raise ValueError(f"chunk size must be ≥ 1, got {n}")
        t = (self._k + np.arange(n)) / self.rate_hz
        self._k += n
        # Forward flexion (rad): a slow 120 s cycle between upright and a 20° slouch, plus sway.
        period = 120.0 if self.role == Role.BACK else 90.0
        pitch = np.radians(10.0) * (1.0 - np.cos(2 * np.pi * t / period)) + np.radians(1.0) * np.sin(
            2 * np.pi * t / 7.0
        )
        pitch_rate = np.radians(10.0) * (2 * np.pi / period) * np.sin(2 * np.pi * t / period) + np.radians(
            1.0
        ) * (2 * np.pi / 7.0) * np.cos(2 * np.pi * t / 7.0)
        # Flexion θ is a rotation about segment +y (= sensor y); the earth's up direction seen from
        # the sensor is then (cos θ, 0, sin θ), which is what the accelerometer reads at rest.
        acc = np.stack([np.cos(pitch), np.zeros(n), np.sin(pitch)], axis=1) * STANDARD_GRAVITY
        gyr = np.stack([np.zeros(n), pitch_rate, np.zeros(n)], axis=1)
        acc += self._rng.normal(0.0, 0.02, acc.shape)
        gyr += self._rng.normal(0.0, 0.002, gyr.shape)
        return acc, gyr


class SimMotion:
    """A node of the wearer simulator (:class:`sensorbridge.sim.NodeStream`) as a motion source: its
    raw counts turned back into SI units with the simulated clip's own full-scale (the virtual clip
    quantizes them again at its configured ranges, which is lossless when they agree)."""

    def __init__(self, node: NodeStreamLike) -> None:
        self._node = node
        self._lsb = np.asarray(node.settings.lsb(), dtype=np.float64)
        if self._lsb.shape != (6,):
            raise ValueError(f"the simulator's lsb() must have shape (6,), got {self._lsb.shape}")

    def next_chunk(self, n: int) -> tuple[FloatArray, FloatArray]:
        chunk = self._node.next_chunk(n)
        values = np.asarray(chunk.raw, dtype=np.float64) * self._lsb
        return values[:, :3], values[:, 3:]


class _Settings(Protocol):
    def lsb(self) -> FloatArray: ...


class _Chunk(Protocol):
    @property
    def raw(self) -> np.ndarray: ...


class NodeStreamLike(Protocol):
    @property
    def settings(self) -> _Settings: ...

    def next_chunk(self, n: int) -> _Chunk: ...
