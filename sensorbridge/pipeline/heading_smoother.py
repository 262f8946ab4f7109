"""Hindsight for the neck's axial rotation: a backward pass of the heading tracker, offline only.

Between the moments that show it (the calibration, a slouch seen through the neck's lateral flexion),
the relative heading ``δ`` of the two 6-axis filters wanders like a random walk, and the causal
:class:`~sensorbridge.pipeline.angles.HeadingTracker` can only carry its last estimate forward. A
recording's later moments bound the earlier ticks too. So a first pass logs, for every tick with both
clips, what the tracker saw (:class:`HeadingLog`); :func:`smooth` runs a fresh tracker backward in
time over the same ticks, starting from where the forward pass ended, and averages the two passes: their
errors come from different observations, so the average wanders less than either. The second pass of
the analysis replays the result (:class:`HeadingPlan`), so every output (states, stretches, the
timeline) uses the same ``δ``.

This is not what the wearer saw live; ``analyze(acausal=True)`` (``sensorbridge analyze --acausal``)
uses it together with VQF's offline filter, and says so in its report.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from sensorbridge.conventions import FloatArray
from sensorbridge.pipeline.angles import HeadingTracker


@dataclass
class HeadingLog:
    """Every tick the forward tracker saw: tick index ``k``, the segment quaternions, its flags,
    ``yaw_rel``, the two clips' rates and the ``δ`` it returned (the arguments of
    ``HeadingTracker.track``)."""

    parts: list[tuple[np.ndarray, ...]] = field(default_factory=list)

    def add(
        self,
        k: np.ndarray,
        q_thorax: FloatArray,
        q_head: FloatArray,
        still: np.ndarray,
        calibrating: np.ndarray,
        trunk_moving: np.ndarray,
        yaw_rel: FloatArray,
        rate_thorax: FloatArray,
        rate_head: FloatArray,
        delta: FloatArray,
    ) -> None:
        self.parts.append(
            (k, q_thorax, q_head, still, calibrating, trunk_moving, yaw_rel, rate_thorax, rate_head, delta)
        )

    def columns(self) -> tuple[np.ndarray, ...]:
        if not self.parts:
            return tuple(np.zeros(0) for _ in range(10))
        return tuple(np.concatenate(c) for c in zip(*self.parts, strict=True))


@dataclass(frozen=True)
class HeadingPlan:
    """The relative heading ``delta`` (rad) to use at each tick index ``k`` (both (N,), ``k`` rising)."""

    k: np.ndarray
    delta: FloatArray

    @property
    def max_correction(self) -> float:
        """rad, the largest change of ``δ`` from its first value (``HeadingTracker.max_correction``)."""
        if self.delta.size == 0:
            return 0.0
        change = (self.delta - self.delta[0] + np.pi) % (2 * np.pi) - np.pi
        return float(np.max(np.abs(change)))

    def at(self, k: np.ndarray) -> FloatArray:
        i = np.searchsorted(self.k, k)
        if np.any(i >= self.k.size) or np.any(self.k[np.minimum(i, self.k.size - 1)] != k):
            raise RuntimeError("the second pass met ticks the first pass did not log (the input changed?)")
        return np.asarray(self.delta[i], dtype=np.float64)


def smooth(log: HeadingLog, new_tracker: Callable[[], HeadingTracker], max_gap_ticks: int) -> HeadingPlan:
    """The forward ``δ`` averaged with a backward pass. A run of ticks without both clips longer than
    ``max_gap_ticks`` may have reset the filters (new, unrelated headings), so each stretch between such
    gaps gets its own backward pass, started from the forward pass's last ``δ`` in it."""
    k, qt, qh, still, cal, trunk, yaw_rel, rate_t, rate_h, forward = log.columns()
    out = np.asarray(forward, dtype=np.float64).copy()
    if k.size == 0:
        return HeadingPlan(k.astype(np.int64), out)
    edges = np.flatnonzero(np.diff(k) > max_gap_ticks) + 1
    for lo, hi in zip(np.r_[0, edges], np.r_[edges, k.size], strict=True):
        rev = slice(hi - 1, lo - 1 if lo else None, -1)
        tracker = new_tracker()
        tracker.start_at(float(forward[hi - 1]))
        # Backward in time every turn (the relative yaw, the rates) is the forward one reversed.
        flags = still[rev], cal[rev], trunk[rev]
        backward = tracker.track(qt[rev], qh[rev], *flags, -yaw_rel[rev], -rate_t[rev], -rate_h[rev])[::-1]
        # The two passes' δ differ by far less than a turn, but wrap the difference to be sure.
        diff = (backward - forward[lo:hi] + np.pi) % (2 * np.pi) - np.pi
        out[lo:hi] = forward[lo:hi] + 0.5 * diff
    return HeadingPlan(k.astype(np.int64), out)
