"""Two clocks: how far the head clip's timestamps are from the back clip's, estimated from the data.

Live, both clips are stamped on the host's clock and recordings keep that; two CSV files written
from each clip's own clock, though, can disagree by seconds. The head rides on the trunk, so every
trunk movement (standing up, walking, turning the chair, reaching) shows in both gyroscopes at
once: the lag that best lines up the two angular-rate magnitudes is the clock offset.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.signal import correlate

from sensorbridge.samples import ImuBatch

RATE_HZ = 20.0  # the rate magnitudes are compared at; finer than a tick, coarse enough to be quick
MAX_SPAN_S = 1800.0  # the first half hour is plenty to find trunk movements


@dataclass(frozen=True)
class ClockOffset:
    """``offset_s``: add it to the head's times to put them on the back's clock. ``score``: how far the
    best match stands above the typical one (a peak-to-spread ratio; above ~8 it is unambiguous)."""

    offset_s: float
    score: float

    @property
    def confident(self) -> bool:
        return self.score >= 8.0


def _rate_envelope(batch: ImuBatch, start: float, n: int) -> np.ndarray:
    grid = start + np.arange(n) / RATE_HZ
    mag = np.sqrt(np.einsum("ij,ij->i", batch.gyr, batch.gyr))
    env = np.interp(grid, batch.t, mag, left=0.0, right=0.0)
    return np.asarray(env - env.mean(), dtype=np.float64)


def estimate_head_offset(back: ImuBatch, head: ImuBatch, max_lag_s: float = 120.0) -> ClockOffset:
    """The clock offset of ``head`` relative to ``back`` (s), searched within ±``max_lag_s``."""
    if len(back) < 2 or len(head) < 2:
        return ClockOffset(0.0, 0.0)
    start = min(float(back.t[0]), float(head.t[0]))
    end = min(max(float(back.t[-1]), float(head.t[-1])), start + MAX_SPAN_S)
    n = int((end - start) * RATE_HZ) + 1
    if n < 4 * RATE_HZ:
        return ClockOffset(0.0, 0.0)
    b, h = _rate_envelope(back, start, n), _rate_envelope(head, start, n)
    corr = correlate(b, h, mode="full", method="fft")
    lags = np.arange(-(n - 1), n) / RATE_HZ
    window = np.abs(lags) <= max_lag_s
    corr, lags = corr[window], lags[window]
    best = int(np.argmax(corr))
    spread = float(np.median(np.abs(corr - np.median(corr)))) or 1e-12
    return ClockOffset(float(lags[best]), float((corr[best] - np.median(corr)) / spread))


def shifted(batch: ImuBatch, offset_s: float) -> ImuBatch:
    """``batch`` with ``offset_s`` added to its times."""
    return ImuBatch(batch.role, batch.t + offset_s, batch.acc, batch.gyr)
