"""Every earlier schema migrates to the current one with its data, and the result equals a fresh database.

The fixtures ``test_store_fixtures/v<N>.sql`` are databases built by the migration code stopped at
version N, with a few rows, dumped as SQL. Regenerate them only when adding a migration (old ones
must never change)::

    .venv/bin/python tests/test_store_migrations.py --regenerate
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import sys
from pathlib import Path

import pytest

from sensorbridge.store import schema
from sensorbridge.store.db import connect
from sensorbridge.store.errors import StoreError
from sensorbridge.store.store import Store
from sensorbridge.store.summary import summarise_day

FIXTURES = Path(__file__).parent / "test_store_fixtures"
T0 = 1_780_000_000.0  # 2026-05-28 20:26:40 UTC

# Rows each old version can hold (SQL valid at that version and every later one).
_ROWS = {
    1: [
        "INSERT INTO wearers (id, name, created_at) VALUES (1, 'me', 1780000000.0)",
        "INSERT INTO clips (id, address, role, firmware, bonded) "
        "VALUES (1, 'AA:BB:CC:DD:EE:FF', 0, '1.0.0', 1)",
        "INSERT INTO calibrations (wearer_id, clip_id, role, format_version, created_at, in_force_from, "
        "data) VALUES (1, 1, 0, 1, 1780000000.0, 1780000000.0, '{\"neutral\": [1, 0, 0, 0]}')",
        "INSERT INTO sessions (id, wearer_id, started_at, ended_at, recording_path) "
        "VALUES (1, 1, 1780000000.0, 1780003600.0, 'recordings/a.sbr')",
        "INSERT INTO intervals (session_id, t_start, t_end, state, mean_thoracic_flexion) "
        "VALUES (1, 1780000000.0, 1780002000.0, 'upright', 2.5)",
        "INSERT INTO intervals (session_id, t_start, t_end, state, mean_thoracic_flexion) "
        "VALUES (1, 1780002000.0, 1780003600.0, 'slouched', 19.0)",
        "INSERT INTO slouch_episodes (session_id, t_start, t_end, peak_flexion) "
        "VALUES (1, 1780002000.0, 1780003600.0, 24.0)",
        "INSERT INTO gaps (session_id, role, t_start, t_end, samples_lost) "
        "VALUES (1, 0, 1780001000.0, 1780001001.0, 104)",
    ],
    2: [
        "INSERT INTO alerts (session_id, t, kind, delivered) VALUES (1, 1780002030.0, 'slouch', 'vibrate')",
        "INSERT INTO stretch_sets (id, session_id, exercise, t_start, t_end, attempts, valid_reps) "
        "VALUES (1, 1, 'chin_tuck', 1780003000.0, 1780003100.0, 2, 1)",
        "INSERT INTO stretch_holds (id, set_id, t_start, t_end, valid) "
        "VALUES (1, 1, 1780003000.0, 1780003005.0, 1), (2, 1, 1780003010.0, 1780003012.0, 0)",
        "INSERT INTO hold_faults (hold_id, fault) VALUES (2, 'too_short')",
    ],
}


def _build(path: Path, version: int) -> None:
    conn = connect(path, target_version=version)
    conn.execute("BEGIN")
    for v in range(1, version + 1):
        for sql in _ROWS.get(v, []):
            conn.execute(sql)
    conn.execute("COMMIT")
    conn.close()


def _dump(path: Path, version: int) -> str:
    conn = sqlite3.connect(path)
    body = "\n".join(conn.iterdump())
    conn.close()
    return (
        f"-- sensorbridge store at schema version {version}, built by the migration code of that version\n"
        + (f"PRAGMA user_version = {version};\n{body}\n")
    )


def regenerate(tmp: Path) -> None:
    FIXTURES.mkdir(exist_ok=True)
    for v in range(1, schema.SCHEMA_VERSION):
        target = FIXTURES / f"v{v}.sql"
        if target.exists():
            continue  # released fixtures never change
        db = tmp / f"v{v}.db"
        _build(db, v)
        target.write_text(_dump(db, v), encoding="utf-8")
        print(f"wrote {target}")


def _load(sql: str, path: Path) -> None:
    conn = sqlite3.connect(path)
    conn.executescript(sql)
    conn.close()


def _schema(conn: sqlite3.Connection) -> list[tuple[str, str, str]]:
    return sorted(conn.execute("SELECT type, name, COALESCE(sql, '') FROM sqlite_master").fetchall())


def test_there_is_a_fixture_for_every_earlier_version() -> None:
    assert sorted(p.name for p in FIXTURES.glob("v*.sql")) == [
        f"v{v}.sql" for v in range(1, schema.SCHEMA_VERSION)
    ]


@pytest.mark.parametrize("version", range(1, schema.SCHEMA_VERSION))
def test_an_old_database_migrates_with_its_data(tmp_path: Path, version: int) -> None:
    path = tmp_path / f"old{version}.db"
    _load((FIXTURES / f"v{version}.sql").read_text(encoding="utf-8"), path)
    with Store.open(path) as store:
        assert store.conn.execute("PRAGMA user_version").fetchone()[0] == schema.SCHEMA_VERSION
        assert store.integrity_ok()
        assert store.conn.execute("PRAGMA foreign_key_check").fetchall() == []
        migrated = _schema(store.conn)
        (session,) = store.sessions(T0, T0 + 3600)
        assert (session.recording_path, session.source) == ("recordings/a.sbr", "live")
        day = summarise_day(store, dt.date(2026, 5, 28), dt.UTC)
        assert (day.upright_s, day.slouched_s, day.slouch_episodes) == (2000, 1600, 1)
        if version >= 2:
            assert day.alerts == 1
            assert day.stretches[0]["faults"] == {"too_short": 1}
    with Store.open(tmp_path / "fresh.db") as fresh:
        assert migrated == _schema(fresh.conn)


def test_a_failing_migration_leaves_the_previous_version(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "half.db"
    _load((FIXTURES / "v1.sql").read_text(encoding="utf-8"), path)
    broken = (
        *schema.MIGRATIONS[:1],
        (*schema.MIGRATIONS[1], "CREATE TABLE alerts (oops)"),
        *schema.MIGRATIONS[2:],
    )
    monkeypatch.setattr(schema, "MIGRATIONS", broken)
    with pytest.raises(StoreError, match="already exists"):
        Store.open(path)
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 1
    assert conn.execute("SELECT COUNT(*) FROM sqlite_master WHERE name = 'stretch_sets'").fetchone() == (0,)
    assert conn.execute("SELECT COUNT(*) FROM intervals").fetchone() == (2,)
    conn.close()


if __name__ == "__main__":
    if sys.argv[1:] == ["--regenerate"]:
        import tempfile

        with tempfile.TemporaryDirectory() as d:
            regenerate(Path(d))
