"""The timeline, state intervals and state counts built as the engine hands ticks out, so an offline
analysis need not keep every tick of a long input.

A tick stays *pending* while a hindsight relabel may still reach it (the posture tracker says how far
back: :meth:`~sensorbridge.pipeline.states.PostureTracker.relabel_horizon`, a few seconds in practice);
relabels are applied to the pending ticks in the order they were made, which is what applying them all
to the whole record at the end does. Settled ticks are folded into the state counts and the intervals
at once, and kept either whole (per tick) or only as the timeline sampled at ``sample_hz``, exactly
as :meth:`Timeline.sample` would sample the whole per-tick timeline.

Memory when sampling: the pending ticks, the open state run's two angle columns (16 bytes a tick of
that run, to take its mean exactly as over the whole record), one :class:`StateInterval` per run, and
the sampled timeline (49 bytes a sample: 176 kB an hour at 1 Hz).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from sensorbridge.pipeline.engine import TickFrame
from sensorbridge.pipeline.states import STATES
from sensorbridge.pipeline.timeline import ANGLE_COLUMNS, Timeline, apply_relabels, interval_of
from sensorbridge.pipeline.values import Relabel
from sensorbridge.posture import FORWARD_HEAD_STATES, StateInterval

_COLUMNS = ("t", "state", *ANGLE_COLUMNS)


def _concat(frames: list[TickFrame]) -> TickFrame:
    if len(frames) == 1:
        return frames[0]
    return TickFrame(*(np.concatenate([getattr(f, c) for f in frames]) for c in _COLUMNS))


def _take(frame: TickFrame, sel: slice | np.ndarray) -> TickFrame:
    return TickFrame(*(getattr(frame, c)[sel] for c in _COLUMNS))


@dataclass
class _OpenRun:
    """The run of one state still going on: its first and last tick times, angle parts, forward ticks."""

    state: int
    first_t: float
    last_t: float = 0.0
    flexion: list[np.ndarray] = field(default_factory=list)
    neck: list[np.ndarray] = field(default_factory=list)
    forward: int = 0


class TimelineBuilder:
    """Feed :meth:`add` every frame (with its relabels) and :meth:`settle` as ticks become final;
    :meth:`finish` gives the timeline (per tick, or at ``sample_hz``), the intervals and the counts."""

    def __init__(self, tick_s: float, forward_head_deg: float, sample_hz: float | None = None) -> None:
        if not tick_s > 0:
            raise ValueError(f"tick_s must be > 0, got {tick_s}")
        if sample_hz is not None and not sample_hz > 0:
            raise ValueError(f"timeline rate must be positive, got {sample_hz}")
        self.tick_s = tick_s
        self.forward_head_deg = forward_head_deg
        self.sample_hz = sample_hz
        self.counts = np.zeros(len(STATES), np.int64)  # settled ticks per state code
        self.ticks = 0  # settled ticks
        self.intervals: list[StateInterval] = []
        self._pending: list[TickFrame] = []
        self._settled_t = -math.inf  # the latest settled tick's time (s): no relabel may reach it
        self._run: _OpenRun | None = None
        self._kept: list[TickFrame] = []  # settled ticks, or the timeline's samples at sample_hz
        self._t0: float | None = None  # the first tick's start: where the sampled grid begins
        self._next_sample = 0  # grid index of the next sample to take

    def add(self, frame: TickFrame, relabels: Sequence[Relabel]) -> None:
        """Ticks handed out (time order) and the relabels made with them (in the order made)."""
        if len(frame):
            # Relabels change states in place: a copy, so the engine's frames are left as handed out.
            self._pending.append(
                TickFrame(frame.t, frame.state.copy(), *(getattr(frame, c) for c in ANGLE_COLUMNS))
            )
        if not relabels:
            return
        for r in relabels:
            if r.start <= self._settled_t and r.end > r.start:
                raise RuntimeError(
                    f"a relabel from {r.start:.1f} s reaches ticks already settled "
                    f"(up to {self._settled_t:.1f} s)"
                )
        if self._pending:
            merged = _concat(self._pending)
            apply_relabels(merged.t, merged.state, list(relabels))
            self._pending = [merged]

    def settle(self, before: float) -> None:
        """Ticks whose time is before ``before`` (s) can no longer be relabelled: fold them in."""
        if not self._pending:
            return
        merged = _concat(self._pending)
        n = int(np.searchsorted(merged.t, before, side="left"))
        if n:
            self._fold(_take(merged, slice(0, n)))
        self._pending = [_take(merged, slice(n, None))] if n < len(merged) else []

    def finish(self) -> Timeline:
        """Settle every tick; return the timeline (per tick, or sampled). :attr:`intervals`,
        :attr:`counts` and :attr:`ticks` are then complete."""
        self.settle(math.inf)
        self._close_run()
        if not self._kept:
            z = np.zeros(0)
            return Timeline(z, z, z, z, z, z, np.zeros(0, np.int8), self.tick_s)
        whole = _concat(self._kept)
        self._kept = [whole]
        step = self.tick_s
        if self.sample_hz is not None:
            step = 1.0 / self.sample_hz
            assert self._t0 is not None
            # As np.arange(0.0, last - t0, step) counts its samples.
            whole = _take(whole, slice(0, max(0, math.ceil((self._settled_t - self._t0) / step))))
        return Timeline(
            whole.t,
            whole.thoracic_flexion,
            whole.thoracic_lateral,
            whole.neck_flexion,
            whole.neck_lateral,
            whole.neck_rotation,
            whole.state,
            step,
        )

    def _fold(self, f: TickFrame) -> None:
        self.counts += np.bincount(f.state.astype(np.int64), minlength=len(STATES))
        self.ticks += len(f)
        self._settled_t = float(f.t[-1])
        self._fold_runs(f)
        if self.sample_hz is None:
            self._kept.append(f)
        else:
            self._sample(f)

    def _fold_runs(self, f: TickFrame) -> None:
        edges = np.flatnonzero(np.diff(f.state)) + 1
        starts = [0, *edges.tolist()]
        ends = [*edges.tolist(), len(f)]
        with np.errstate(invalid="ignore"):
            fh = np.nan_to_num(f.neck_flexion, nan=-np.inf) > self.forward_head_deg
        for s, e in zip(starts, ends, strict=True):
            code = int(f.state[s])
            if self._run is None or self._run.state != code:
                self._close_run()
                self._run = _OpenRun(code, f.t[s])
            run = self._run
            run.last_t = f.t[e - 1]
            run.flexion.append(f.thoracic_flexion[s:e].copy())  # not a view keeping the whole block
            run.neck.append(f.neck_flexion[s:e].copy())
            if STATES[code] in FORWARD_HEAD_STATES:
                run.forward += int(np.count_nonzero(fh[s:e]))

    def _close_run(self) -> None:
        run, self._run = self._run, None
        if run is None:
            return
        flex = run.flexion[0] if len(run.flexion) == 1 else np.concatenate(run.flexion)
        neck = run.neck[0] if len(run.neck) == 1 else np.concatenate(run.neck)
        self.intervals.append(
            interval_of(run.first_t, run.last_t, run.state, flex, neck, run.forward, self.tick_s)
        )

    def _sample(self, f: TickFrame) -> None:
        """The samples of the grid ``t0 + i / sample_hz`` that fall before the end of ``f``'s last
        tick: each takes the tick it falls in (as :meth:`Timeline.sample`)."""
        assert self.sample_hz is not None
        half = 0.5 * self.tick_s
        if self._t0 is None:
            self._t0 = f.t[0] - half
        step = 1.0 / self.sample_hz
        ends = f.t + half
        limit = float(ends[-1])
        hi = max(self._next_sample, math.ceil((limit - self._t0) / step))
        while self._t0 + hi * step < limit:
            hi += 1
        while hi > self._next_sample and self._t0 + (hi - 1) * step >= limit:
            hi -= 1
        if hi == self._next_sample:
            return
        times = np.asarray(self._t0 + np.arange(self._next_sample, hi) * step, dtype=np.float64)
        self._next_sample = hi
        idx = np.searchsorted(ends, times, side="right")  # every earlier tick ends at or before them
        picked = _take(f, idx)
        self._kept.append(TickFrame(times, *(getattr(picked, c) for c in _COLUMNS[1:])))
