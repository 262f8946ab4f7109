"""Synthetic days for the benchmark and the tests: a month of wear written into a store, and its truth.

For ``make bench`` (see ``bench/``)::

    from sensorbridge.store.benchdata import build_month, measure_month_summary
    truth = build_month(path)                 # 30 days, 8 worn hours each, seeded
    figures = measure_month_summary(path)     # seconds, peak bytes, DB bytes per worn day

Each day: a session from 09:00 local with alternating upright, slouched and moving stretches (lengths
drawn from a seeded generator, about 50 intervals per worn hour), a slouch episode for every slouch
of at least 30 s with an alert, one chin-tuck set, and one hour the clip logged on its own in the
evening. The truth per day is exact, so
tests compare the summary against it.
"""

from __future__ import annotations

import datetime as dt
import random
import time
import tracemalloc
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sensorbridge.conventions import Role
from sensorbridge.posture import PostureState, SlouchEpisode, StateInterval
from sensorbridge.protocol import LogRecord
from sensorbridge.store.localtime import day_bounds
from sensorbridge.store.periods import summarise_period
from sensorbridge.store.records import Alert, StretchHold, StretchSet
from sensorbridge.store.store import Store

BENCH_ZONE = "Europe/Berlin"
BENCH_MONTH = dt.date(2026, 3, 1)  # March: 31 days and the spring DST change; 30 of them are worn


@dataclass
class DayTruth:
    date: str
    upright_s: float = 0.0
    slouched_s: float = 0.0
    moving_s: float = 0.0
    episodes: int = 0
    alerts: int = 0
    intervals: int = 0
    standalone_upright_s: float = 0.0


@dataclass
class MonthTruth:
    days: list[DayTruth] = field(default_factory=list)
    seconds_to_build: float = 0.0


# Interval lengths (s): about 50 intervals per worn hour, more than analyze finds on the simulator's
# desk day (about 40 per hour), so the benchmark does not flatter the store.
_SECONDS = {PostureState.UPRIGHT: (20, 180), PostureState.SLOUCHED: (10, 120), PostureState.MOVING: (1, 20)}


def _draw(rng: random.Random, state: PostureState) -> float:
    lo, hi = _SECONDS[state]
    return float(rng.randint(lo, hi))


def build_day(
    store: Store, wearer: int, clip: int, day: dt.date, tz: dt.tzinfo, rng: random.Random, worn_hours: float
) -> DayTruth:
    """Write one synthetic day starting 09:00 local; returns its exact truth."""
    truth = DayTruth(day.isoformat())
    lo, _ = day_bounds(day, tz)
    start = dt.datetime.combine(day, dt.time(9), tzinfo=tz).timestamp()
    end = start + worn_hours * 3600.0
    sid = store.start_session(
        wearer, start, recording_path=f"recordings/{day.isoformat()}.sbr", clip_ids=[clip]
    )
    intervals, episodes, alerts = [], [], []
    t = start
    order = (PostureState.UPRIGHT, PostureState.SLOUCHED, PostureState.UPRIGHT, PostureState.MOVING)
    k = 0
    while t < end:
        state = order[k % len(order)]
        k += 1
        b = min(end, t + _draw(rng, state))
        flex = {PostureState.SLOUCHED: 20.0}.get(state, 3.0) + rng.uniform(-2, 2)
        intervals.append(StateInterval(t, b, state, flex, flex + 4.0, None, 0.0))
        setattr(truth, f"{state.value}_s", getattr(truth, f"{state.value}_s") + (b - t))
        if state is PostureState.SLOUCHED and b - t >= 30.0:
            episodes.append(SlouchEpisode(t, b, flex + 4.0))
            alerts.append(Alert(t + 30.0, "slouch", 1, "vibrate"))
        t = b
    holds = tuple(StretchHold(end - 300 + 20 * i, end - 295 + 20 * i, True) for i in range(5))
    chin = StretchSet("chin_tuck", end - 300, end - 200, 5, 5, holds)
    store.write(sid, intervals=intervals, episodes=episodes, alerts=alerts, stretch_sets=[chin])
    store.end_session(sid, end)
    evening = int(lo + 20 * 3600)  # 20:00 local except on a DST day (then 19:00 or 21:00): still that day
    store.add_device_log(clip, [LogRecord(evening, 40, 10, 1)], read_at=end)
    truth.standalone_upright_s = 2400.0
    truth.intervals, truth.episodes, truth.alerts = len(intervals), len(episodes), len(alerts)
    return truth


def build_month(
    path: Path,
    *,
    month: dt.date = BENCH_MONTH,
    worn_days: int = 30,
    worn_hours: float = 8.0,
    seed: int = 0,
    zone: str = BENCH_ZONE,
) -> MonthTruth:
    """Write ``worn_days`` synthetic days from the first of ``month`` into the store at ``path``."""
    tz = ZoneInfo(zone)
    rng = random.Random(seed)
    out = MonthTruth()
    t0 = time.perf_counter()
    with Store.open(path) as store:
        wearer = store.ensure_wearer("bench")
        clip = store.upsert_clip("BE:NC:H0:00:00:01", Role.BACK, firmware="bench")
        first = month.replace(day=1)
        for i in range(worn_days):
            out.days.append(build_day(store, wearer, clip, first + dt.timedelta(days=i), tz, rng, worn_hours))
        store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    out.seconds_to_build = time.perf_counter() - t0
    return out


def measure_month_summary(
    path: Path, *, month: dt.date = BENCH_MONTH, zone: str = BENCH_ZONE, repeats: int = 3
) -> dict[str, Any]:
    """Time summarising ``month`` from the store at ``path`` (opening included), then its peak memory.

    Returns ``seconds`` (best of ``repeats`` untraced runs), ``seconds_runs``, ``peak_bytes`` (one more
    run under tracemalloc, which slows it, so it is not timed: Python allocations only; for the whole
    process read ``ru_maxrss`` in a fresh process), ``db_bytes``, ``worn_days``, ``db_bytes_per_worn_day``
    and ``intervals`` (rows in the month).
    """
    tz = ZoneInfo(zone)

    def once() -> tuple[float, int, int]:
        t0 = time.perf_counter()
        with Store.open(path) as store:
            summary = summarise_period(store, "month", month, tz)
            lo, hi = (
                day_bounds(month.replace(day=1), tz)[0],
                day_bounds(dt.date.fromisoformat(summary.last), tz)[1],
            )
            rows = store.conn.execute(
                "SELECT COUNT(*) FROM intervals WHERE t_end > ? AND t_start < ?", (lo, hi)
            )
            intervals = int(rows.fetchone()[0])
        return time.perf_counter() - t0, sum(1 for d in summary.days if d.worn_s > 0), intervals

    runs = [once() for _ in range(max(1, repeats))]
    tracemalloc.start()
    try:
        once()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    db_bytes = sum(p.stat().st_size for p in (path, path.with_name(path.name + "-wal")) if p.exists())
    worn = runs[0][1]
    return {
        "seconds": min(r[0] for r in runs),
        "seconds_runs": [r[0] for r in runs],
        "peak_bytes": peak,
        "db_bytes": db_bytes,
        "worn_days": worn,
        "db_bytes_per_worn_day": db_bytes / worn if worn else None,
        "intervals": runs[0][2],
    }
