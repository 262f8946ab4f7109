"""Weeks and months: per-day figures equal the synthetic truth, trends and streaks, the bench helpers."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from sensorbridge.posture import PostureState, StateInterval
from sensorbridge.store.benchdata import BENCH_ZONE, build_month, measure_month_summary
from sensorbridge.store.periods import month_of, summarise_period, week_of
from sensorbridge.store.records import StretchHold, StretchSet
from sensorbridge.store.store import Store

BERLIN = ZoneInfo(BENCH_ZONE)


def test_a_synthetic_month_summarises_to_its_truth(tmp_path: Path) -> None:
    path = tmp_path / "month.db"
    truth = build_month(path, worn_days=30, worn_hours=8.0, seed=3)
    with Store.open(path) as store:
        month = summarise_period(store, "month", dt.date(2026, 3, 15), BERLIN)
    assert (month.first, month.last, len(month.days)) == ("2026-03-01", "2026-03-31", 31)
    for day, want in zip(month.days, truth.days, strict=False):
        assert day.date == want.date
        assert day.upright_s == pytest.approx(want.upright_s, abs=1e-6)
        assert day.slouched_s == pytest.approx(want.slouched_s, abs=1e-6)
        assert day.moving_s == pytest.approx(want.moving_s, abs=1e-6)
        assert day.duration_s == pytest.approx(8 * 3600, abs=1e-6)
        assert (day.slouch_episodes, day.alerts, day.valid_holds) == (want.episodes, want.alerts, 5)
        assert day.standalone["upright_s"] == want.standalone_upright_s
    dst_day = month.days[28]  # 29 March 2026: 23 hours
    assert (dst_day.day_length_s, len(dst_day.hours)) == (23 * 3600, 23)
    assert month.days[30].worn_s == 0  # the 31st was not worn
    assert month.worn_days == 30
    assert month.stretch_day_streak == 0  # broken by the unworn last day
    assert month.longest_stretch_day_streak == 30
    assert month.slouch_trend is not None
    assert month.slouch_trend.days == 30


def test_bench_figures_are_reported(tmp_path: Path) -> None:
    path = tmp_path / "bench.db"
    build_month(path, worn_days=3, worn_hours=1.0)
    figures = measure_month_summary(path)
    assert figures["worn_days"] == 3
    assert figures["intervals"] > 3 * 40
    assert len(figures["seconds_runs"]) == 3
    assert figures["seconds"] > 0
    assert figures["peak_bytes"] > 0
    assert figures["db_bytes_per_worn_day"] == pytest.approx(figures["db_bytes"] / 3)


def _worn_day(store: Store, day: dt.date, slouched_min: float, stretch: bool) -> None:
    t = dt.datetime.combine(day, dt.time(9), tzinfo=BERLIN).timestamp()
    sid = store.start_session(store.ensure_wearer(), t)
    mid = t + 7200 - slouched_min * 60
    sets = [StretchSet("chin_tuck", t, t + 60, 1, 1, (StretchHold(t, t + 5, True),))] if stretch else []
    store.write(
        sid,
        intervals=[
            StateInterval(t, mid, PostureState.UPRIGHT),
            StateInterval(mid, t + 7200, PostureState.SLOUCHED),
        ],
        stretch_sets=sets,
    )
    store.end_session(sid, t + 7200)


def test_trend_and_streaks_of_a_week(tmp_path: Path) -> None:
    monday = dt.date(2026, 6, 8)
    with Store.open(tmp_path / "w.db") as store:
        # Slouching less each day; stretches every day but Wednesday; Sunday not yet lived.
        for i, minutes in enumerate([40, 35, 30, 20, 15, 10]):
            _worn_day(store, monday + dt.timedelta(days=i), minutes, stretch=i != 2)
        week = summarise_period(
            store, "week", monday + dt.timedelta(days=3), BERLIN, today=monday + dt.timedelta(5)
        )
    assert (week.first, week.last, len(week.days), week.worn_days) == ("2026-06-08", "2026-06-14", 7, 6)
    assert week.slouch_trend is not None
    assert week.slouch_trend.direction == "down"
    # Slouched seconds per worn hour: 30 × minutes = 1200, 1050, 900, 600, 450, 300 on days 0..5.
    assert week.slouch_trend.slope_per_day == pytest.approx(-3300 / 17.5)
    assert week.upright_trend is not None
    assert week.upright_trend.direction == "up"
    assert (week.stretch_day_streak, week.longest_stretch_day_streak) == (3, 3)
    # Good days need 80 % upright: 40 and 35 of 120 minutes slouched are not, the rest are.
    assert (week.good_day_streak, week.longest_good_day_streak) == (3, 3)


def test_a_flat_week_is_flat_and_one_day_has_no_trend(tmp_path: Path) -> None:
    monday = dt.date(2026, 6, 15)
    rng = random.Random(7)
    with Store.open(tmp_path / "f.db") as store:
        for i in range(7):
            _worn_day(store, monday + dt.timedelta(days=i), 20 + rng.uniform(-0.05, 0.05), stretch=False)
        flat = summarise_period(store, "week", monday, BERLIN)
        _worn_day(store, dt.date(2026, 7, 1), 10, stretch=False)
        single = summarise_period(store, "month", dt.date(2026, 7, 20), BERLIN)
    assert flat.slouch_trend is not None
    assert flat.slouch_trend.direction == "flat"
    assert single.slouch_trend is None
    assert single.worn_days == 1


def test_week_and_month_bounds() -> None:
    assert week_of(dt.date(2026, 6, 14)) == (dt.date(2026, 6, 8), dt.date(2026, 6, 14))
    assert month_of(dt.date(2026, 2, 10)) == (dt.date(2026, 2, 1), dt.date(2026, 2, 28))
    assert month_of(dt.date(2026, 12, 31)) == (dt.date(2026, 12, 1), dt.date(2026, 12, 31))


def test_a_week_is_compared_with_the_week_before(tmp_path: Path) -> None:
    monday = dt.date(2026, 6, 8)
    with Store.open(tmp_path / "c.db") as store:
        for i in range(5):
            _worn_day(store, monday - dt.timedelta(days=7 - i), 30, stretch=False)  # the week before
            _worn_day(store, monday + dt.timedelta(days=i), 20, stretch=False)
        week = summarise_period(store, "week", monday, BERLIN)
        alone = summarise_period(store, "week", monday, BERLIN, compare=False)
    assert week.previous is not None
    assert (week.previous["first"], week.previous["last"]) == ("2026-06-01", "2026-06-07")
    assert week.slouched_per_worn_hour_s == pytest.approx(20 * 60 / 2)  # 20 min in 2 h, per hour
    assert week.slouch_change_per_worn_hour_s == pytest.approx(-10 * 60 / 2)
    assert alone.previous is None
