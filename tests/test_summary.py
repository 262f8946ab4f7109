"""Day summaries: totals that add up, no-data never upright, local days across DST, standalone minutes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from sensorbridge.conventions import Role
from sensorbridge.posture import PostureState, SlouchEpisode, StateInterval
from sensorbridge.protocol import LogRecord, LogRecordFlags
from sensorbridge.store.localtime import day_bounds, local_zone
from sensorbridge.store.records import Alert, StretchHold, StretchSet
from sensorbridge.store.store import Store
from sensorbridge.store.summary import STATE_KEYS, summarise_day

BERLIN = ZoneInfo("Europe/Berlin")
U, S, M, N, X = (PostureState.UPRIGHT, PostureState.SLOUCHED, PostureState.MOVING, PostureState.NOT_WORN,
                 PostureState.NO_DATA)  # fmt: skip


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store.open(tmp_path / "s.db") as s:
        yield s


def at(day: dt.date, hh: int, mm: int = 0, tz: dt.tzinfo = BERLIN) -> float:
    return dt.datetime.combine(day, dt.time(hh, mm), tzinfo=tz).timestamp()


def session(store: Store, start: float, end: float, states: list[tuple[float, float, PostureState]]) -> int:
    sid = store.start_session(store.ensure_wearer(), start)
    store.write(sid, intervals=[StateInterval(a, b, s) for a, b, s in states])
    store.end_session(sid, end)
    return sid


def test_a_plain_day_adds_up_and_holes_are_no_data(store: Store) -> None:
    d = dt.date(2026, 6, 10)
    t9 = at(d, 9)
    # 09:00-11:00 session; intervals leave 10:00-10:10 uncovered (a radio drop-out).
    session(store, t9, t9 + 7200, [(t9, t9 + 1800, U), (t9 + 1800, t9 + 3600, S), (t9 + 4200, t9 + 7200, M)])
    s = summarise_day(store, d, BERLIN)
    assert (s.upright_s, s.slouched_s, s.moving_s, s.no_data_s) == (1800, 1800, 3000, 600)
    assert s.duration_s == 7200 == sum(getattr(s, k) for k in STATE_KEYS)
    assert s.unrecorded_s == 86400 - 7200
    assert s.upright_pct == pytest.approx(100 * 1800 / 6600)
    assert s.forward_head_s is None
    hour9, hour10 = s.hours[9], s.hours[10]
    assert hour9.start == "2026-06-10T09:00:00+02:00"
    assert (hour9.upright_s, hour9.slouched_s) == (1800, 1800)
    assert (hour10.no_data_s, hour10.moving_s) == (600, 3000)
    assert sum(h.no_data_s for h in s.hours) == 600


def test_no_data_time_never_raises_upright_percent(store: Store) -> None:
    d = dt.date(2026, 6, 11)
    t = at(d, 8)
    session(store, t, t + 3600, [(t, t + 600, U), (t + 600, t + 3600, X)])
    s = summarise_day(store, d, BERLIN)
    assert (s.upright_s, s.no_data_s, s.worn_s, s.upright_pct) == (600, 3000, 600, 100.0)
    session(store, t + 3600, t + 4200, [(t + 3600, t + 4200, S)])
    s = summarise_day(store, d, BERLIN)
    assert s.upright_pct == pytest.approx(50.0)


@pytest.mark.parametrize(("day", "hours"), [(dt.date(2026, 3, 29), 23), (dt.date(2026, 10, 25), 25)])
def test_dst_days_are_cut_at_local_midnight(store: Store, day: dt.date, hours: int) -> None:
    lo, hi = day_bounds(day, BERLIN)
    assert hi - lo == hours * 3600
    # One interval from 22:00 the evening before to 02:00 the day after: each day gets its own part.
    start, end = lo - 2 * 3600, hi + 2 * 3600
    session(store, start, end, [(start, end, U)])
    s = summarise_day(store, day, BERLIN)
    assert s.upright_s == hours * 3600
    assert s.unrecorded_s == 0
    assert len(s.hours) == hours
    assert all(h.upright_s == 3600 for h in s.hours)
    before = summarise_day(store, day - dt.timedelta(days=1), BERLIN)
    after = summarise_day(store, day + dt.timedelta(days=1), BERLIN)
    assert before.upright_s == 7200
    assert after.upright_s == 7200
    if hours == 25:  # the repeated 02:00 hour appears twice, told apart by its offset
        assert [h.start[11:] for h in s.hours[2:4]] == ["02:00:00+02:00", "02:00:00+01:00"]
    else:  # 02:00 does not exist: 01:00 CET is followed by 03:00 CEST
        assert [h.start[11:] for h in s.hours[1:3]] == ["01:00:00+01:00", "03:00:00+02:00"]


def test_the_same_instant_can_be_a_different_day_in_another_zone(store: Store) -> None:
    d = dt.date(2026, 6, 10)
    t = at(d, 23)  # 23:00 in Berlin is 21:00 UTC the same day and 07:00 in Tokyo the next
    session(store, t, t + 600, [(t, t + 600, S)])
    assert summarise_day(store, d, BERLIN).slouched_s == 600
    assert summarise_day(store, d + dt.timedelta(days=1), ZoneInfo("Asia/Tokyo")).slouched_s == 600
    assert summarise_day(store, d, ZoneInfo("Asia/Tokyo")).slouched_s == 0


def test_overlapping_sessions_are_not_counted_twice(store: Store) -> None:
    d = dt.date(2026, 6, 12)
    t = at(d, 10)
    session(store, t, t + 3600, [(t, t + 3600, U)])
    session(store, t + 1800, t + 5400, [(t + 1800, t + 5400, S)])
    s = summarise_day(store, d, BERLIN)
    assert (s.upright_s, s.slouched_s, s.overlap_dropped_s, s.duration_s) == (3600, 1800, 1800, 5400)


def test_episodes_alerts_stretches_and_forward_head(store: Store) -> None:
    d = dt.date(2026, 6, 13)
    t = at(d, 14)
    sid = store.start_session(store.ensure_wearer(), t)
    store.write(
        sid,
        intervals=[
            StateInterval(t, t + 100, U, 1.0, 3.0, 2.0, 0.0),
            StateInterval(t + 100, t + 400, S, 18.0, 24.0, 20.0, 120.0),
        ],
        episodes=[SlouchEpisode(t + 100, t + 160, 20.0), SlouchEpisode(t + 200, t + 400, 24.0)],
        alerts=[Alert(t + 140), Alert(t + 300), Alert(t + 350, "stretch_reminder")],
        stretch_sets=[
            StretchSet("chin_tuck", t + 500, t + 600, 3, 2, (
                StretchHold(t + 500, t + 505, True), StretchHold(t + 520, t + 525, True),
                StretchHold(t + 540, t + 542, False, ("too_short", "head_turn")))),
            StretchSet("cervical_flexion", t + 700, t + 710, 0, 0, (), verifiable=False),
        ],
    )  # fmt: skip
    s = summarise_day(store, d, BERLIN)
    assert (s.slouch_episodes, s.longest_slouch_s, s.longest_slouch_start) == (
        2,
        200,
        "2026-06-13T14:03:20+02:00",
    )
    assert s.forward_head_s == 120.0
    assert (s.alerts, s.alerts_by_kind) == (3, {"slouch": 2, "stretch_reminder": 1})
    chin, neck = s.stretches
    assert (chin["sets"], chin["holds"], chin["valid_holds"], chin["faults"]) == (
        1, 3, 2, {"head_turn": 1, "too_short": 1})  # fmt: skip
    assert neck["not_verifiable_sets"] == 1
    assert s.valid_holds == 2


def test_standalone_minutes_count_in_their_own_day_and_hour(store: Store) -> None:
    d = dt.date(2026, 6, 14)
    clip = store.upsert_clip("AA:00:00:00:00:01", Role.BACK)
    h7 = int(at(d, 7))
    recs = [LogRecord(h7, 45, 15, 3), LogRecord(h7 + 3600, 20, 0), LogRecord(int(at(d, 23, 0)) + 3600, 60, 0),
            LogRecord(1234, 60, 0, 0, LogRecordFlags.CLOCK_UNSYNCED)]  # fmt: skip
    store.add_device_log(clip, recs, read_at=h7 + 86400)
    s = summarise_day(store, d, BERLIN)
    assert s.standalone == {"upright_s": 3900.0, "slouched_s": 900.0, "alerts": 3.0, "hours": 2.0}
    assert s.upright_s == 0
    assert s.duration_s == 0
    assert s.worn_s == 4800
    assert s.upright_pct == pytest.approx(100 * 3900 / 4800)
    assert (s.hours[7].standalone_upright_s, s.hours[8].standalone_upright_s) == (2700, 1200)
    assert summarise_day(store, d + dt.timedelta(days=1), BERLIN).standalone["upright_s"] == 3600


def test_local_zone_follows_tz_and_rejects_nonsense(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "Europe/Berlin")
    assert local_zone() == BERLIN
    assert local_zone("Asia/Tokyo") == ZoneInfo("Asia/Tokyo")
    from sensorbridge.store.errors import StoreError

    with pytest.raises(StoreError, match="unknown time zone"):
        local_zone("Mars/Olympus_Mons")
