"""The store against a real SQLite file: creation, permissions, schema version, writes and reads."""

from __future__ import annotations

import sqlite3
import stat
from pathlib import Path

import pytest

from sensorbridge.conventions import Role
from sensorbridge.posture import PostureState, SlouchEpisode, StateInterval
from sensorbridge.protocol import LogRecord, LogRecordFlags
from sensorbridge.samples import Gap
from sensorbridge.store.errors import SchemaTooNewError, StoreError
from sensorbridge.store.records import Alert, StretchHold, StretchSet
from sensorbridge.store.schema import SCHEMA_VERSION
from sensorbridge.store.store import Store

T0 = 1_780_000_000.0


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = Store.open(tmp_path / "sub" / "s.db")
    yield s  # type: ignore[misc]
    s.close()


def test_new_database_is_private_wal_and_current(tmp_path: Path) -> None:
    path = tmp_path / "dir" / "new.db"
    with Store.open(path) as s:
        assert s.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert s.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        s.ensure_wearer()
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        wal = path.with_name(path.name + "-wal")
        assert not wal.exists() or stat.S_IMODE(wal.stat().st_mode) & 0o077 == 0
        assert s.integrity_ok()


def test_newer_schema_is_refused_with_a_hint(tmp_path: Path) -> None:
    path = tmp_path / "future.db"
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(SchemaTooNewError, match="schema version") as info:
        Store.open(path)
    assert info.value.hint
    assert "upgrade" in info.value.hint


def test_a_file_that_is_not_a_database_is_a_store_error(tmp_path: Path) -> None:
    path = tmp_path / "junk.db"
    path.write_bytes(b"this is not sqlite at all, not even close" * 50)
    with pytest.raises(StoreError) as info:
        Store.open(path)
    assert isinstance(info.value.__cause__, sqlite3.Error)
    assert info.value.hint
    assert "--db" in info.value.hint


def test_an_unwritable_place_is_a_store_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(StoreError, match="cannot create"):
        Store.open(blocker / "s.db")


def test_everything_a_session_measured_round_trips(store: Store) -> None:
    w = store.ensure_wearer("ana")
    assert store.ensure_wearer("ana") == w
    back = store.upsert_clip("AA:BB:CC:DD:EE:01", Role.BACK, firmware="1.0.0", bonded=True)
    assert store.upsert_clip("AA:BB:CC:DD:EE:01", Role.BACK, bonded=True) == back
    sid = store.start_session(w, T0, recording_path="/r/1.sbr", clip_ids=[back])
    store.write(
        sid,
        intervals=[
            StateInterval(T0, T0 + 60, PostureState.UPRIGHT, 2.0, 5.0, None, 0.0),
            StateInterval(T0 + 60, T0 + 100, PostureState.SLOUCHED, 20.0, 25.0, 12.0, 10.0),
        ],
        episodes=[SlouchEpisode(T0 + 60, T0 + 100, 25.0)],
        alerts=[Alert(T0 + 90, "slouch", 1, "vibrate")],
        stretch_sets=[
            StretchSet(
                "chin_tuck",
                T0 + 200,
                T0 + 260,
                2,
                1,
                (
                    StretchHold(T0 + 200, T0 + 205, True),
                    StretchHold(T0 + 210, T0 + 212, False, ("too_short",)),
                ),
            )
        ],
        gaps=[Gap(Role.BACK, T0 + 30, T0 + 30.5, 52)],
    )
    store.end_session(sid, T0 + 300)
    (sess,) = store.sessions(T0, T0 + 1000)
    assert (sess.start, sess.end, sess.recording_path, sess.source) == (T0, T0 + 300, "/r/1.sbr", "live")
    c = store.conn
    assert c.execute("SELECT COUNT(*), SUM(t_end - t_start) FROM intervals").fetchone() == (2, 100.0)
    assert c.execute("SELECT fault FROM hold_faults").fetchall() == [("too_short",)]
    assert c.execute("SELECT samples_lost FROM gaps").fetchone() == (52,)
    assert c.execute("SELECT firmware, bonded FROM clips").fetchone() == ("1.0.0", 1)


def test_a_growing_interval_replaces_its_row(store: Store) -> None:
    sid = store.start_session(store.ensure_wearer(), T0)
    for end in (T0 + 1, T0 + 2, T0 + 3):
        store.write(sid, intervals=[StateInterval(T0, end, PostureState.UPRIGHT)])
    assert store.conn.execute("SELECT COUNT(*), MAX(t_end) FROM intervals").fetchone() == (1, T0 + 3)


@pytest.mark.parametrize(
    ("interval", "match"),
    [
        (StateInterval(T0 + 5, T0, PostureState.UPRIGHT), "before it starts"),
        (StateInterval(T0, float("nan"), PostureState.UPRIGHT), "non-finite"),
        (StateInterval(T0, T0 + 1, "sleeping"), "unknown posture state"),  # type: ignore[arg-type]
    ],
)
def test_bad_rows_are_refused_and_nothing_is_written(
    store: Store, interval: StateInterval, match: str
) -> None:
    sid = store.start_session(store.ensure_wearer(), T0)
    good = StateInterval(T0 - 10, T0 - 5, PostureState.UPRIGHT)
    with pytest.raises(StoreError, match=match):
        store.write(sid, intervals=[good, interval])
    assert store.conn.execute("SELECT COUNT(*) FROM intervals").fetchone() == (0,)


def test_ending_an_unknown_session_is_an_error(store: Store) -> None:
    with pytest.raises(StoreError, match="no session 42"):
        store.end_session(42, T0)


def test_device_log_read_twice_is_not_doubled(store: Store) -> None:
    clip = store.upsert_clip("AA:BB:CC:DD:EE:02", Role.BACK)
    recs = [
        LogRecord(1_780_000_000 // 3600 * 3600, 40, 10, 2),
        LogRecord(5000, 30, 0, 0, LogRecordFlags.CLOCK_UNSYNCED),
    ]
    assert store.add_device_log(clip, recs, read_at=T0) == (2, 0)
    assert store.add_device_log(clip, recs, read_at=T0 + 1) == (0, 2)
    assert store.conn.execute("SELECT clock_synced FROM device_log ORDER BY hour_start").fetchall() == [
        (0,),
        (1,),
    ]


def test_the_calibration_in_force_at_a_time(store: Store) -> None:
    w = store.ensure_wearer()
    first = store.add_calibration(w, Role.BACK, {"neutral": [1, 0, 0, 0]}, format_version=1, in_force_from=T0)
    second = store.add_calibration(
        w, Role.BACK, {"neutral": [0, 1, 0, 0]}, format_version=1, in_force_from=T0 + 100
    )
    assert store.calibration_at(w, Role.BACK, T0 - 1) is None
    at_50 = store.calibration_at(w, Role.BACK, T0 + 50)
    assert at_50 is not None
    assert at_50.id == first
    assert at_50.in_force_until == T0 + 100
    at_150 = store.calibration_at(w, Role.BACK, T0 + 150)
    assert at_150 is not None
    assert at_150.id == second
    assert at_150.data == {"neutral": [0, 1, 0, 0]}
    assert store.calibration_at(w, Role.HEAD, T0 + 150) is None
    with pytest.raises(StoreError, match="JSON"):
        store.add_calibration(w, Role.BACK, {"x": float("nan")}, format_version=1, in_force_from=T0)
