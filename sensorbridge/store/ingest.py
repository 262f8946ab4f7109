"""Putting a whole analysis (a recording or CSV files re-analysed offline) into the store as one session.

The analysis' times are seconds on the input's own clock; ``start_unix`` is the wall-clock time of
the input time ``t0`` (by default the start of the first interval), so every row lands at the moment
it was lived. Everything is written in one transaction: an import is all there or not at all.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from sensorbridge.posture import SlouchEpisode, StateInterval
from sensorbridge.samples import Gap
from sensorbridge.store.errors import StoreError
from sensorbridge.store.records import Alert, StretchHold, StretchSet
from sensorbridge.store.store import Store


class AnalysisLike(Protocol):
    """What ingest needs of :class:`sensorbridge.pipeline.analysis.Analysis`."""

    @property
    def intervals(self) -> Sequence[StateInterval]: ...

    @property
    def slouch_episodes(self) -> Sequence[SlouchEpisode]: ...

    @property
    def exercises(self) -> Sequence[Any]: ...  # ExerciseReport-like: exercise, verifiable, attempts, holds


@dataclass(frozen=True)
class IngestReport:
    session_id: int
    intervals: int
    episodes: int
    alerts: int
    stretch_sets: int
    gaps: int
    start_unix: float
    end_unix: float


def _stretch_set(report: Any, o: float) -> StretchSet | None:
    holds = tuple(StretchHold(h.start + o, h.end + o, bool(h.valid), tuple(h.faults)) for h in report.holds)
    if not holds:
        return None  # nothing was attempted: there is no set to store
    return StretchSet(
        str(report.exercise),
        holds[0].start,
        holds[-1].end,
        int(report.attempts),
        int(report.valid_reps),
        holds,
        bool(report.verifiable),
    )


def ingest_analysis(
    store: Store,
    analysis: AnalysisLike,
    *,
    start_unix: float,
    t0: float | None = None,
    wearer: str = "me",
    source: str = "import",
    recording_path: str | None = None,
    clip_ids: Sequence[int] = (),
) -> IngestReport:
    """Store ``analysis`` as one ended session; returns what was written.

    Alerts and gaps are taken when the analysis has them (``alerts``: items with ``t``, ``level`` and
    ``reason``; ``gaps``: :class:`~sensorbridge.samples.Gap`).
    """
    intervals = list(analysis.intervals)
    if not intervals:
        raise StoreError(
            "the analysis holds no posture intervals: there is nothing to store",
            hint="check that the input has samples (and a calibration window inside it)",
        )
    first = min(iv.start for iv in intervals)
    last = max(iv.end for iv in intervals)
    o = start_unix - (first if t0 is None else t0)
    shifted = [dataclasses.replace(iv, start=iv.start + o, end=iv.end + o) for iv in intervals]
    episodes = [dataclasses.replace(e, start=e.start + o, end=e.end + o) for e in analysis.slouch_episodes]
    alerts = [
        Alert(a.t + o, str(getattr(a, "reason", "slouch")), int(getattr(a, "level", 1)), "")
        for a in getattr(analysis, "alerts", ())
    ]
    gaps: list[Gap] = [
        dataclasses.replace(g, start=g.start + o, end=g.end + o) for g in getattr(analysis, "gaps", ())
    ]
    sets = [s for s in (_stretch_set(r, o) for r in analysis.exercises) if s is not None]
    wearer_id = store.ensure_wearer(wearer)
    sid = store.add_session(
        wearer_id,
        first + o,
        last + o,
        recording_path=recording_path,
        source=source,
        clip_ids=clip_ids,
        intervals=shifted,
        episodes=episodes,
        alerts=alerts,
        stretch_sets=sets,
        gaps=gaps,
    )
    return IngestReport(
        sid, len(shifted), len(episodes), len(alerts), len(sets), len(gaps), first + o, last + o
    )
