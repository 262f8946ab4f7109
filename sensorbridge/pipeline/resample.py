"""Streaming regulariser: possibly irregular sample times in, a near-uniform stream out, chunk by chunk.

Every rule looks only at a sample and the one before it in the whole stream, so the output does not
depend on how the stream was cut into chunks (live packets or offline blocks give the same samples):

- a spacing within ``[0.25, 1.5)`` periods passes through unchanged: clock jitter and a clip's rate
  error of a few hundred ppm are left to the filter, which integrates at the nominal period (the error
  is a fraction of a degree for a moment, and does not accumulate);
- a hole of ``1.5`` periods up to ``max_gap_s`` is filled with linearly interpolated samples evenly
  spaced across it (``round(spacing / period) - 1`` of them), so the filter sees a uniform grid;
- a longer hole is not bridged: it is reported as a gap (start, end, samples lost);
- a sample closer than ``0.25`` periods to the previous one is a duplicate and is dropped (counted).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sensorbridge.conventions import FloatArray
from sensorbridge.errors import SensorbridgeError


class StreamOrderError(SensorbridgeError):
    """Sample times went backwards or were not finite."""


@dataclass(frozen=True)
class Regular:
    """``t`` (N,) s, ``acc`` and ``gyr`` (N, 3); ``gaps`` as (start, end, lost); ``dropped`` duplicates."""

    t: FloatArray
    acc: FloatArray
    gyr: FloatArray
    gaps: list[tuple[float, float, int]]
    dropped: int
    filled: int


class Resampler:
    def __init__(self, rate_hz: float, max_gap_s: float) -> None:
        if rate_hz <= 0 or max_gap_s <= 0:
            raise ValueError("rate_hz and max_gap_s must be positive")
        self.period = 1.0 / rate_hz
        self.max_gap_s = max(max_gap_s, 1.5 * self.period)
        self.reset()

    def reset(self) -> None:
        self.last: tuple[float, FloatArray, FloatArray] | None = None  # the last sample passed on
        self.dropped = 0
        self.filled = 0

    def push(self, t: FloatArray, acc: FloatArray, gyr: FloatArray) -> Regular:
        """Regularise one chunk: ``t`` (N,) s increasing, ``acc`` (N, 3) m/s², ``gyr`` (N, 3) rad/s."""
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
        if t.size == 0:
            return Regular(t, acc, gyr, [], 0, 0)
        p = self.period
        if self.last is None:
            prev_t = np.concatenate([[t[0] - p], t[:-1]])
        else:
            prev_t = np.concatenate([[self.last[0]], t[:-1]])
        dt = t - prev_t
        keep = dt >= 0.25 * p
        dropped = int(keep.size - np.count_nonzero(keep))
        if dropped:
            # Spacing is measured from the previous kept sample; a run of duplicates is rare, so
            # re-measure once after dropping.
            t, acc, gyr = t[keep], acc[keep], gyr[keep]
            prev_t = np.concatenate([[prev_t[0]], t[:-1]]) if t.size else t
            dt = t - prev_t
            self.dropped += dropped
        if t.size == 0:
            return Regular(t, acc, gyr, [], dropped, 0)
        hole = (dt >= 1.5 * p) & (dt <= self.max_gap_s) & (self.last is not None or np.arange(t.size) > 0)
        gap = dt > self.max_gap_s
        gaps = [
            (float(a + p), float(b), max(0, round((b - a) / p) - 1))
            for a, b in zip(prev_t[gap].tolist(), t[gap].tolist(), strict=True)
        ]
        if not np.any(hole):
            self.last = (float(t[-1]), acc[-1].copy(), gyr[-1].copy())
            return Regular(t, acc, gyr, gaps, dropped, 0)
        prev_acc = np.concatenate([self.last[1][None] if self.last else acc[:1], acc[:-1]])
        prev_gyr = np.concatenate([self.last[2][None] if self.last else gyr[:1], gyr[:-1]])
        m = np.where(hole, np.rint(dt / p).astype(np.int64), 1)  # output samples per input sample
        owner = np.repeat(np.arange(t.size), m)
        j = np.arange(owner.size) - np.repeat(np.cumsum(m) - m, m) + 1  # 1..m within each owner
        w = (j / m[owner])[:, None]
        own = j == m[owner]  # the input sample itself, passed on exactly
        out_t = np.where(own, t[owner], prev_t[owner] + w[:, 0] * dt[owner])
        out_acc = prev_acc[owner] * (1 - w) + acc[owner] * w
        out_gyr = prev_gyr[owner] * (1 - w) + gyr[owner] * w
        filled = int(owner.size - t.size)
        self.filled += filled
        self.last = (float(t[-1]), acc[-1].copy(), gyr[-1].copy())
        return Regular(out_t, out_acc, out_gyr, gaps, dropped, filled)
