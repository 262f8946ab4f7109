"""Streaming resampler: irregular sample times onto a uniform grid, chunk by chunk.

The grid is ``t0 + n / rate`` with ``t0`` the stream's first sample time, so it does not depend on how
the stream was cut into chunks. Samples already on the grid (within a quarter period) pass through
untouched (the fast path for a clip's own timestamps); otherwise each grid point is linearly
interpolated between its neighbours. A hole longer than ``max_gap_s`` is not bridged: its grid points
are skipped and reported as a gap, and the next sample starts the grid afresh at the next grid point.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sensorbridge.conventions import FloatArray
from sensorbridge.errors import SensorbridgeError


class StreamOrderError(SensorbridgeError):
    """Sample times went backwards or were not finite."""


@dataclass(frozen=True)
class Resampled:
    """``n`` grid indices (N,) int64, ``t`` (N,) s, ``acc`` and ``gyr`` (N, 3); gaps as (start, end, lost)."""

    n: np.ndarray
    t: FloatArray
    acc: FloatArray
    gyr: FloatArray
    gaps: list[tuple[float, float, int]]


class Resampler:
    def __init__(self, rate_hz: float, max_gap_s: float) -> None:
        if rate_hz <= 0 or max_gap_s <= 0:
            raise ValueError("rate_hz and max_gap_s must be positive")
        self.rate = rate_hz
        self.period = 1.0 / rate_hz
        self.max_gap_s = max(max_gap_s, 1.5 * self.period)
        self.reset()

    def reset(self) -> None:
        self.t0: float | None = None
        self.next_n = 0  # the first grid index not yet produced
        self.last: tuple[float, FloatArray, FloatArray] | None = None  # the last input sample

    def grid_time(self, n: np.ndarray) -> FloatArray:
        assert self.t0 is not None
        return np.asarray(self.t0 + n * self.period, dtype=np.float64)

    def push(self, t: FloatArray, acc: FloatArray, gyr: FloatArray) -> Resampled:
        """Resample one chunk: ``t`` (N,) s increasing, ``acc`` (N, 3), ``gyr`` (N, 3)."""
        if t.size and (not np.all(np.isfinite(t)) or np.any(np.diff(t) <= 0)):
            raise StreamOrderError(
                "sample times must be finite and strictly increasing",
                hint="sort the input by time and drop duplicate rows",
            )
        if self.last is not None and t.size and t[0] <= self.last[0]:
            raise StreamOrderError(
                f"a chunk starts at {t[0]:.6f} s, not after the previous sample at {self.last[0]:.6f} s",
                hint="feed each node's samples in time order",
            )
        empty = Resampled(np.zeros(0, np.int64), np.zeros(0), np.zeros((0, 3)), np.zeros((0, 3)), [])
        if t.size == 0:
            return empty
        if self.t0 is None:
            self.t0 = float(t[0])
        fast = self._fast_path(t, acc, gyr)
        if fast is not None:
            return fast
        return self._interpolate(t, acc, gyr)

    def _fast_path(self, t: FloatArray, acc: FloatArray, gyr: FloatArray) -> Resampled | None:
        assert self.t0 is not None
        pos = (t - self.t0) * self.rate
        n = np.rint(pos).astype(np.int64)
        if n[0] != self.next_n or np.any(np.abs(pos - n) > 0.25) or np.any(np.diff(n) != 1):
            return None
        self.next_n = int(n[-1]) + 1
        self.last = (float(t[-1]), acc[-1].copy(), gyr[-1].copy())
        return Resampled(n, self.grid_time(n), acc, gyr, [])

    def _interpolate(self, t: FloatArray, acc: FloatArray, gyr: FloatArray) -> Resampled:
        assert self.t0 is not None
        if self.last is not None:
            t = np.concatenate([[self.last[0]], t])
            acc = np.concatenate([self.last[1][None], acc])
            gyr = np.concatenate([self.last[2][None], gyr])
        last_n = int(np.floor((t[-1] - self.t0) * self.rate + 1e-9))
        n = np.arange(self.next_n, last_n + 1, dtype=np.int64)
        tg = self.grid_time(n)
        # Interval j is [t[j], t[j+1]]; a grid point before t[0] has no left neighbour (first chunk).
        j = np.searchsorted(t, tg, side="right") - 1
        span = np.diff(t)
        ok = (j >= 0) & (j < t.size - 1)
        ok[ok] &= span[j[ok]] <= self.max_gap_s
        exact = np.isclose(tg, t[-1], rtol=0.0, atol=1e-9)
        ok |= exact
        gaps: list[tuple[float, float, int]] = []
        for s, e in zip(*_runs(~ok), strict=True):
            lost = int(e - s)
            gaps.append((float(tg[s]), float(tg[e - 1] + self.period), lost))
        n, tg, j = n[ok], tg[ok], j[ok]
        j = np.minimum(j, t.size - 2) if t.size > 1 else np.zeros_like(j)
        if t.size > 1:
            w = ((tg - t[j]) / (t[j + 1] - t[j]))[:, None]
            a = acc[j] * (1 - w) + acc[j + 1] * w
            g = gyr[j] * (1 - w) + gyr[j + 1] * w
        else:
            a, g = acc[j], gyr[j]
        self.next_n = last_n + 1
        self.last = (float(t[-1]), acc[-1].copy(), gyr[-1].copy())
        return Resampled(n, tg, np.asarray(a, np.float64), np.asarray(g, np.float64), gaps)


def _runs(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Start and end indices (end exclusive) of the runs of ``True`` in a boolean (N,) array."""
    padded = np.concatenate([[False], mask, [False]]).astype(np.int8)
    edges = np.flatnonzero(np.diff(padded))
    return edges[::2], edges[1::2]
