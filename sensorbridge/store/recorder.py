"""From the live pipeline's output to stored rows: what ``monitor``, ``record`` and the dashboard call.

Usage, with a :class:`~sensorbridge.pipeline.live.LivePipeline` ``pipe`` and a session::

    recorder = PostureRecorder(LiveWriter(store, session_id, clock_offset_s=offset))
    recorder.samples(pipe.update(batch))      # every chunk
    recorder.events(pipe.drain())             # relabels, alerts, finished episodes, gaps
    recorder.close(end=last_t)                # at disconnect

Ticks become intervals exactly as offline ``analyze`` forms them (runs of one state; a run spans from
half a tick before its first tick to half a tick after its last; mean and max thoracic flexion, mean
neck flexion, forward-head seconds = ticks with neck flexion beyond ``forward_head_deg`` × tick), so a
day recorded live and the same day re-analysed give the same summary. The open run is handed to the
writer on every call as a growing interval, so a kill loses at most the writer's last second.

Hindsight relabels (a slouch confirmed only after its dwell, a clip known to be off only after a
while) rewrite ticks already recorded: the recorder keeps the last :data:`HORIZON_S` of ticks, applies
the relabel to them, and rewrites the intervals from the run before the first changed tick (so runs
that now have the same state merge). A relabel reaching back past the horizon changes what is kept
and is counted in :attr:`PostureRecorder.truncated_relabels`.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Final

from sensorbridge.posture import FORWARD_HEAD_STATES, PostureSample, PostureState, StateInterval
from sensorbridge.store.records import Alert, StretchHold, StretchSet
from sensorbridge.store.writer import LiveWriter

HORIZON_S: Final = 900.0  # longer than any hindsight the pipeline takes (dwell 30 s, not-worn minutes)


@dataclass
class _Tick:
    t: float
    state: PostureState
    thoracic_flexion: float  # nan when unknown
    neck_flexion: float
    run_start: float = math.nan  # the start of the interval it was written in


class _Run:
    """Running aggregates of one interval (one state)."""

    def __init__(self, tick: _Tick, half: float, forward_head_deg: float) -> None:
        self.state = tick.state
        self.start = tick.t - half
        self.last = tick.t
        self.half = half
        self.fh_deg = forward_head_deg
        self.n_tf = self.n_nf = self.fh = 0
        self.sum_tf = self.sum_nf = 0.0
        self.max_tf = -math.inf
        self.add(tick)

    def add(self, tick: _Tick) -> None:
        self.last = tick.t
        tick.run_start = self.start
        if not math.isnan(tick.thoracic_flexion):
            self.n_tf += 1
            self.sum_tf += tick.thoracic_flexion
            self.max_tf = max(self.max_tf, tick.thoracic_flexion)
        if not math.isnan(tick.neck_flexion):
            self.n_nf += 1
            self.sum_nf += tick.neck_flexion
            self.fh += tick.neck_flexion > self.fh_deg and self.state in FORWARD_HEAD_STATES

    def interval(self) -> StateInterval:
        return StateInterval(
            self.start,
            self.last + self.half,
            self.state,
            round(self.sum_tf / self.n_tf, 3) if self.n_tf else None,
            round(self.max_tf, 3) if self.n_tf else None,
            round(self.sum_nf / self.n_nf, 3) if self.n_nf else None,
            self.fh * 2 * self.half,
        )


def _nan(x: float | None) -> float:
    return math.nan if x is None else float(x)


class PostureRecorder:
    """Feeds a :class:`LiveWriter` from posture ticks and pipeline events; see the module docstring.

    ``tick_s`` is the pipeline's tick spacing (1 / ``PipelineSettings.stream.tick_hz``) and
    ``forward_head_deg`` its ``slouch.forward_head_deg``.
    """

    def __init__(
        self,
        writer: LiveWriter,
        *,
        tick_s: float = 0.1,
        forward_head_deg: float = 20.0,
        horizon_s: float = HORIZON_S,
    ) -> None:
        if tick_s <= 0 or horizon_s <= 0:
            raise ValueError(f"tick_s and horizon_s must be positive, got {tick_s}, {horizon_s}")
        self.writer = writer
        self.half = tick_s / 2
        self.fh_deg = forward_head_deg
        self.horizon_s = horizon_s
        self.ticks: deque[_Tick] = deque()
        self.run: _Run | None = None
        self.truncated_relabels = 0

    def samples(self, samples: Sequence[PostureSample]) -> None:
        """The pipeline's final ticks, in time order (``LivePipeline.update``'s return)."""
        for s in samples:
            tick = _Tick(s.t, s.state, _nan(s.angles.thoracic_flexion), _nan(s.angles.neck_flexion))
            self.ticks.append(tick)
            self._add(tick)
        if self.run is not None and samples:
            self.writer.interval(self.run.interval())
        self._trim()

    def _add(self, tick: _Tick) -> None:
        if self.run is not None and self.run.state == tick.state:
            self.run.add(tick)
            return
        if self.run is not None:
            self.writer.interval(self.run.interval())
        self.run = _Run(tick, self.half, self.fh_deg)

    def _trim(self) -> None:
        if not self.ticks:
            return
        cutoff = self.ticks[-1].t - self.horizon_s
        while self.ticks and self.ticks[0].t < cutoff:
            self.ticks.popleft()

    def relabel(
        self, start: float, end: float, to: PostureState, from_states: Iterable[PostureState]
    ) -> None:
        """Hindsight: kept ticks in ``[start, end)`` whose state is in ``from_states`` become ``to``."""
        allowed = frozenset(from_states)
        if self.ticks and start < self.ticks[0].t - self.half:
            self.truncated_relabels += 1
        first = None
        for i, tick in enumerate(self.ticks):
            if start <= tick.t < end and tick.state in allowed and tick.state != to:
                tick.state = to
                first = i if first is None else first
        if first is None:
            return
        # Rewrite from the run before the changed one, when it is kept whole, so equal runs merge.
        i = first
        while i > 0 and self.ticks[i - 1].run_start == self.ticks[first].run_start:
            i -= 1
        if i > 0:
            before = self.ticks[i - 1].run_start
            j = i - 1
            while j > 0 and self.ticks[j - 1].run_start == before:
                j -= 1
            if j > 0 or self.ticks[0].t - self.half <= before:
                i = j
        old_start = self.ticks[i].run_start
        self.writer.rewrite_intervals_from(old_start)
        self.run = None
        for k in range(i, len(self.ticks)):
            self._add(self.ticks[k])
            if k == i and self.run is not None and old_start < self.run.start:
                # The run began before the kept ticks: keep its stored start so no time goes missing.
                self.run.start = old_start
                self.ticks[k].run_start = old_start
        if self.run is not None:
            self.writer.interval(self.run.interval())

    def events(self, events: Any) -> None:
        """A :class:`~sensorbridge.pipeline.live.LiveEvents` (from ``LivePipeline.drain``): relabels,
        alerts, finished slouch episodes and gaps go to the store."""
        for r in events.relabels:
            self.relabel(r.start, r.end, r.to, r.from_states)
        for a in events.alerts:
            self.writer.alert(Alert(a.t, str(a.reason), int(a.level), "vibrate"))
        for e in events.episodes:
            self.writer.episode(e)
        for g in events.gaps:
            self.writer.gap(g)

    def exercise(self, report: Any) -> None:
        """A finished stretch set (``LivePipeline.stop_exercise``'s :class:`ExerciseReport`)."""
        holds = tuple(StretchHold(h.start, h.end, bool(h.valid), tuple(h.faults)) for h in report.holds)
        if holds:
            self.writer.stretch_set(
                StretchSet(
                    str(report.exercise),
                    holds[0].start,
                    holds[-1].end,
                    int(report.attempts),
                    int(report.valid_reps),
                    holds,
                    bool(report.verifiable),
                )
            )

    def close(self, *, end: float | None = None) -> None:
        """Write what is left and close the writer (ending the session at ``end`` if given)."""
        self.writer.close(end=end)
