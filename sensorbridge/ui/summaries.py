"""Summary sources for the dashboard: the real store, and a fixed set of days for tests and demos."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sensorbridge.posture import PostureState
from sensorbridge.store.store import Store
from sensorbridge.store.summary import DaySummary, summarise_day
from sensorbridge.ui.model import DayView, Totals

_SLOT_STATES = (
    PostureState.UPRIGHT,
    PostureState.SLOUCHED,
    PostureState.MOVING,
    PostureState.NOT_WORN,
    PostureState.CALIBRATING,
)


def day_view(summary: DaySummary) -> DayView:
    """The store's day summary as the Summary screen shows it: one timeline slot per local hour,
    coloured by the state that filled most of that hour (no data when nothing was recorded)."""
    timeline: list[PostureState] = []
    per_hour: list[float] = []
    for hour in summary.hours:
        seconds = {s: getattr(hour, f"{s.value}_s") for s in _SLOT_STATES}
        best = max(seconds, key=lambda s: seconds[s])
        timeline.append(best if seconds[best] > 0 else PostureState.NO_DATA)
        per_hour.append(hour.slouched_s / 60.0)
    episodes = tuple(
        (dt.datetime.fromisoformat(str(e["start"])), float(e["seconds"])) for e in summary.episodes
    )
    return DayView(
        date=dt.date.fromisoformat(summary.date),
        upright_s=summary.upright_s,
        slouched_s=summary.slouched_s,
        moving_s=summary.moving_s,
        not_worn_s=summary.not_worn_s,
        no_data_s=summary.no_data_s,
        episodes=episodes,
        stretch_sets=sum(int(s["sets"]) for s in summary.stretches),
        slouch_min_per_hour=tuple(per_hour),
        timeline=tuple(timeline),
    )


class StoreSummaries:
    """A :class:`~sensorbridge.ui.engine.SummarySource` reading the SQLite store in zone ``tz``."""

    def __init__(self, store: Store, tz: dt.tzinfo) -> None:
        self._store = store
        self._tz = tz

    def day(self, date: dt.date) -> DayView:
        return day_view(summarise_day(self._store, date, self._tz))

    def days(self, last: dt.date, count: int) -> tuple[DayView, ...]:
        if count < 1:
            raise ValueError(f"count must be >= 1, got {count}")
        return tuple(self.day(last - dt.timedelta(days=i)) for i in reversed(range(count)))


class FixedSummaries:
    """Days given up front; any other day is empty. For tests and snapshots."""

    def __init__(self, days: Iterable[DayView]) -> None:
        self._days = {d.date: d for d in days}

    def day(self, date: dt.date) -> DayView:
        return self._days.get(date, DayView(date))

    def days(self, last: dt.date, count: int) -> tuple[DayView, ...]:
        if count < 1:
            raise ValueError(f"count must be >= 1, got {count}")
        return tuple(self.day(last - dt.timedelta(days=i)) for i in reversed(range(count)))


def totals_of(day: DayView) -> Totals:
    """A stored day as the Live screen's starting totals, so they cover the whole day, not only
    this session."""
    return Totals(
        worn_s=day.worn_s, upright_s=day.upright_s, slouched_s=day.slouched_s, episodes=len(day.episodes)
    )
