"""Writes what the dashboard's live session measures into the store, as it happens.

Posture ticks become :class:`~sensorbridge.posture.StateInterval` rows (one per run of a state, the
open one rewritten as it grows), and finished slouch episodes, alerts, gaps, stretch sets and
calibrations go in as they arrive, through the store's :class:`~sensorbridge.store.writer.LiveWriter`
(batched, at least once a second). The session starts at the first posture tick, which also fixes
the offset from the samples' host clock to Unix time.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping

from calibration.model import ClipCalibration
from sensorbridge.conventions import Role
from sensorbridge.pipeline.values import Alert as PipelineAlert
from sensorbridge.pipeline.values import ExerciseReport
from sensorbridge.posture import PostureSample, SlouchEpisode, StateInterval
from sensorbridge.samples import Gap
from sensorbridge.store.records import Alert, StretchHold, StretchSet
from sensorbridge.store.store import Store
from sensorbridge.store.writer import LiveWriter

REWRITE_OPEN_S = 1.0  # the growing interval is handed to the writer about once a second


class _Run:
    """The current run of one state, with its angles summarised."""

    def __init__(self, s: PostureSample) -> None:
        self.start = self.end = s.t
        self.state = s.state
        self.n_flex = self.n_neck = 0
        self.sum_flex = self.sum_neck = 0.0
        self.max_flex: float | None = None
        self.forward_head_s = 0.0
        self.add(s, 0.0, 20.0)

    def add(self, s: PostureSample, dt: float, forward_head_deg: float) -> None:
        self.end = s.t
        a = s.angles
        if a.thoracic_flexion is not None:
            self.n_flex += 1
            self.sum_flex += a.thoracic_flexion
            self.max_flex = (
                a.thoracic_flexion if self.max_flex is None else max(self.max_flex, a.thoracic_flexion)
            )
        if a.neck_flexion is not None:
            self.n_neck += 1
            self.sum_neck += a.neck_flexion
            if a.neck_flexion > forward_head_deg:
                self.forward_head_s += dt

    def interval(self) -> StateInterval:
        return StateInterval(
            self.start,
            self.end,
            self.state,
            self.sum_flex / self.n_flex if self.n_flex else None,
            self.max_flex,
            self.sum_neck / self.n_neck if self.n_neck else None,
            self.forward_head_s,
        )


class SessionLog:
    """One dashboard session in ``store``; times given are the samples' host seconds."""

    def __init__(self, store: Store, *, forward_head_deg: float = 20.0, wearer: str = "me") -> None:
        self.store = store
        self.forward_head_deg = forward_head_deg
        self._wearer = wearer
        self._writer: LiveWriter | None = None
        self._wearer_id = 0
        self._run: _Run | None = None
        self._last_t: float | None = None
        self._written_at = float("-inf")

    @property
    def offset_s(self) -> float:
        return 0.0 if self._writer is None else self._writer.offset

    def _open(self, t: float) -> LiveWriter:
        if self._writer is None:
            offset = time.time() - t
            self._wearer_id = self.store.ensure_wearer(self._wearer)
            session = self.store.start_session(self._wearer_id, t + offset, source="dashboard")
            self._writer = LiveWriter(self.store, session, clock_offset_s=offset)
        return self._writer

    def posture(self, samples: Iterable[PostureSample]) -> None:
        for s in samples:
            writer = self._open(s.t)
            dt = 0.0 if self._last_t is None else min(1.0, max(0.0, s.t - self._last_t))
            self._last_t = s.t
            run = self._run
            if run is None or run.state is not s.state:
                if run is not None:
                    run.end = s.t  # runs meet: no hole between consecutive states
                    writer.interval(run.interval())
                self._run = run = _Run(s)
                self._written_at = s.t
                writer.interval(run.interval())
                continue
            run.add(s, dt, self.forward_head_deg)
            if s.t - self._written_at >= REWRITE_OPEN_S:
                self._written_at = s.t
                writer.interval(run.interval())

    def episodes(self, episodes: Iterable[SlouchEpisode]) -> None:
        for ep in episodes:
            self._open(ep.start).episode(ep)

    def alerts(self, alerts: Iterable[PipelineAlert], delivered: str) -> None:
        for al in alerts:
            self._open(al.t).alert(Alert(al.t, al.reason, al.level, delivered))

    def gaps(self, gaps: Iterable[Gap]) -> None:
        for g in gaps:
            self._open(g.start).gap(g)

    def stretch(self, report: ExerciseReport) -> None:
        if not report.holds:
            return
        holds = tuple(StretchHold(h.start, h.end, h.valid, h.faults) for h in report.holds)
        start, end = holds[0].start, holds[-1].end
        self._open(start).stretch_set(
            StretchSet(
                report.exercise, start, end, report.attempts, report.valid_reps, holds, report.verifiable
            )
        )

    def calibrations(self, cals: Mapping[Role, ClipCalibration], t: float) -> None:
        """Store each clip's calibration, in force from ``t`` (host seconds)."""
        self._open(t)
        for role, cal in cals.items():
            self.store.add_calibration(
                self._wearer_id,
                role,
                cal.to_dict(),
                format_version=cal.version,
                in_force_from=t + self.offset_s,
            )

    def close(self) -> None:
        if self._writer is None:
            return
        if self._run is not None:
            self._writer.interval(self._run.interval())
        self._writer.close(end=self._last_t)
        self._writer = None
