"""A week or a month: the day summaries side by side, with trends and streaks.

- A week is Monday to Sunday (ISO) around the given date; a month is the calendar month.
- Trends are least-squares slopes over the *worn* days of the period (a day worn at least
  :data:`MIN_WORN_S`): slouched seconds per worn hour, and upright percent, per day. A slope counts as
  "down"/"up" only past :data:`FLAT_SLOUCH_S_PER_HOUR_PER_DAY`; else "flat". With fewer than two worn days
  there is no trend (``None``).
- ``previous`` compares with the period before (the week or month ending the day before the first):
  slouched seconds per worn hour then and now.
- Streaks count consecutive days ending at the period's last day that has started (the current
  streak) and the longest anywhere in the period: a *good day* is worn and at least
  :data:`GOOD_DAY_UPRIGHT_PCT` upright; a *stretch day* has at least one valid hold.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from sensorbridge.store.store import Store
from sensorbridge.store.summary import DaySummary, summarise_day

MIN_WORN_S: Final = 3600.0  # an hour of wear before a day counts toward trends and streaks
GOOD_DAY_UPRIGHT_PCT: Final = 80.0  # a day at least this upright is a good day
FLAT_SLOUCH_S_PER_HOUR_PER_DAY: Final = 10.0  # smaller slopes are noise, not a trend


@dataclass
class Trend:
    slope_per_day: float
    direction: str  # "down", "up" or "flat"
    days: int


@dataclass
class PeriodSummary:
    kind: str  # "week" or "month"
    first: str
    last: str
    tz: str
    days: list[DaySummary] = field(default_factory=list)
    worn_days: int = 0
    worn_s: float = 0.0
    upright_s: float = 0.0
    slouched_s: float = 0.0
    upright_pct: float | None = None
    slouch_episodes: int = 0
    valid_holds: int = 0
    slouch_trend: Trend | None = None  # slouched seconds per worn hour, per day
    upright_trend: Trend | None = None  # upright percent, per day
    good_day_streak: int = 0
    longest_good_day_streak: int = 0
    stretch_day_streak: int = 0
    longest_stretch_day_streak: int = 0
    slouched_per_worn_hour_s: float | None = None
    previous: dict[str, Any] | None = None  # the period before: first, last, worn_days, upright_pct, ...
    slouch_change_per_worn_hour_s: float | None = None  # this period minus the previous one

    def to_json(self) -> dict[str, Any]:
        out = {k: v for k, v in self.__dict__.items() if k not in {"days", "slouch_trend", "upright_trend"}}
        out["slouch_trend"] = None if self.slouch_trend is None else self.slouch_trend.__dict__
        out["upright_trend"] = None if self.upright_trend is None else self.upright_trend.__dict__
        out["days"] = [d.to_json() for d in self.days]
        return out


def week_of(day: dt.date) -> tuple[dt.date, dt.date]:
    first = day - dt.timedelta(days=day.weekday())
    return first, first + dt.timedelta(days=6)


def month_of(day: dt.date) -> tuple[dt.date, dt.date]:
    first = day.replace(day=1)
    nxt = (first + dt.timedelta(days=32)).replace(day=1)
    return first, nxt - dt.timedelta(days=1)


def _slope(xs: Sequence[float], ys: Sequence[float]) -> float:
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sxx if sxx > 0 else 0.0


def _trend(points: list[tuple[float, float]], flat: float) -> Trend | None:
    if len(points) < 2:
        return None
    slope = _slope([p[0] for p in points], [p[1] for p in points])
    direction = "flat" if abs(slope) < flat else ("down" if slope < 0 else "up")
    return Trend(slope, direction, len(points))


def _streaks(flags: Sequence[bool]) -> tuple[int, int]:
    """(current streak ending at the last flag, longest streak)."""
    longest = run = 0
    for f in flags:
        run = run + 1 if f else 0
        longest = max(longest, run)
    return run, longest


def summarise_period(
    store: Store,
    kind: str,
    day: dt.date,
    tz: dt.tzinfo,
    *,
    today: dt.date | None = None,
    compare: bool = True,
    summarise: Callable[[Store, dt.date, dt.tzinfo], DaySummary] = summarise_day,
) -> PeriodSummary:
    """The ``kind`` ("week" or "month") around ``day``; days after ``today`` are listed but not judged.

    ``compare`` also summarises the period before (totals only, in :attr:`PeriodSummary.previous`).
    """
    if kind not in ("week", "month"):
        raise ValueError(f"kind must be 'week' or 'month', not {kind!r}")
    first, last = week_of(day) if kind == "week" else month_of(day)
    days = [summarise(store, first + dt.timedelta(days=i), tz) for i in range((last - first).days + 1)]
    out = PeriodSummary(kind, first.isoformat(), last.isoformat(), days[0].tz, days)
    cutoff = (today or dt.date.max).isoformat()
    judged = [d for d in days if d.date <= cutoff]
    worn = [d for d in judged if d.worn_s >= MIN_WORN_S]
    out.worn_days = len(worn)
    out.worn_s = sum(d.worn_s for d in days)
    out.upright_s = sum(d.upright_s + d.standalone.get("upright_s", 0.0) for d in days)
    out.slouched_s = sum(d.slouched_s + d.standalone.get("slouched_s", 0.0) for d in days)
    out.upright_pct = 100.0 * out.upright_s / out.worn_s if out.worn_s > 0 else None
    out.slouch_episodes = sum(d.slouch_episodes for d in days)
    out.valid_holds = sum(d.valid_holds for d in days)
    index = {d.date: i for i, d in enumerate(days)}
    out.slouch_trend = _trend(
        [
            (index[d.date], 3600.0 * (d.slouched_s + d.standalone.get("slouched_s", 0.0)) / d.worn_s)
            for d in worn
        ],
        FLAT_SLOUCH_S_PER_HOUR_PER_DAY,
    )
    out.upright_trend = _trend([(index[d.date], d.upright_pct or 0.0) for d in worn], 0.5)
    good = [d.worn_s >= MIN_WORN_S and (d.upright_pct or 0.0) >= GOOD_DAY_UPRIGHT_PCT for d in judged]
    out.good_day_streak, out.longest_good_day_streak = _streaks(good)
    out.stretch_day_streak, out.longest_stretch_day_streak = _streaks([d.valid_holds > 0 for d in judged])
    out.slouched_per_worn_hour_s = 3600.0 * out.slouched_s / out.worn_s if out.worn_s > 0 else None
    if compare:
        before = summarise_period(
            store, kind, first - dt.timedelta(days=1), tz, compare=False, summarise=summarise
        )
        out.previous = {
            "first": before.first,
            "last": before.last,
            "worn_days": before.worn_days,
            "upright_pct": before.upright_pct,
            "slouched_per_worn_hour_s": before.slouched_per_worn_hour_s,
        }
        if out.slouched_per_worn_hour_s is not None and before.slouched_per_worn_hour_s is not None:
            out.slouch_change_per_worn_hour_s = out.slouched_per_worn_hour_s - before.slouched_per_worn_hour_s
    return out
