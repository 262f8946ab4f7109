"""The database schema, owned here alone: numbered migrations and the schema version.

The version lives in ``PRAGMA user_version``. Migration ``n`` takes a database at version ``n - 1`` to
version ``n``; opening a database runs the missing ones in order, each in its own transaction, so a
process killed mid-migration leaves the previous version intact. A database newer than
:data:`SCHEMA_VERSION` is refused: this build cannot know what the newer tables mean.

Times are Unix seconds (UTC, REAL); days are cut in the wearer's local zone only when summarising.
Angles are degrees, as :mod:`sensorbridge.posture` gives them. Roles are
:class:`~sensorbridge.conventions.Role` values (0 back, 1 head).
Never edit a released migration: add the next one.
"""

from __future__ import annotations

import sqlite3
from typing import Final

from sensorbridge.store.errors import SchemaTooNewError

# Version 1: who, which clips, calibrations, sessions and what they measured.
_V1: Final = (
    """CREATE TABLE wearers (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        created_at REAL NOT NULL
    )""",
    """CREATE TABLE clips (
        id INTEGER PRIMARY KEY,
        address TEXT NOT NULL UNIQUE,
        role INTEGER NOT NULL CHECK (role IN (0, 1)),
        firmware TEXT,
        bonded INTEGER NOT NULL DEFAULT 0 CHECK (bonded IN (0, 1)),
        last_seen REAL
    )""",
    # A calibration is in force from in_force_from until the next one for the same wearer and role.
    """CREATE TABLE calibrations (
        id INTEGER PRIMARY KEY,
        wearer_id INTEGER NOT NULL REFERENCES wearers(id),
        clip_id INTEGER REFERENCES clips(id),
        role INTEGER NOT NULL CHECK (role IN (0, 1)),
        format_version INTEGER NOT NULL,
        created_at REAL NOT NULL,
        in_force_from REAL NOT NULL,
        in_force_until REAL,
        data TEXT NOT NULL
    )""",
    "CREATE INDEX calibrations_by_wearer ON calibrations(wearer_id, role, in_force_from)",
    # Connect to disconnect; the raw packets stay in the recording file so a day can be re-analysed.
    """CREATE TABLE sessions (
        id INTEGER PRIMARY KEY,
        wearer_id INTEGER NOT NULL REFERENCES wearers(id),
        started_at REAL NOT NULL,
        ended_at REAL,
        recording_path TEXT
    )""",
    """CREATE TABLE session_clips (
        session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
        clip_id INTEGER NOT NULL REFERENCES clips(id),
        PRIMARY KEY (session_id, clip_id)
    )""",
    # One row per stretch of one state; the live writer rewrites the open one as it grows.
    """CREATE TABLE intervals (
        id INTEGER PRIMARY KEY,
        session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
        t_start REAL NOT NULL,
        t_end REAL NOT NULL CHECK (t_end >= t_start),
        state TEXT NOT NULL,
        mean_thoracic_flexion REAL,
        max_thoracic_flexion REAL,
        mean_neck_flexion REAL,
        forward_head_s REAL NOT NULL DEFAULT 0,
        UNIQUE (session_id, t_start)
    )""",
    "CREATE INDEX intervals_by_end ON intervals(t_end)",
    """CREATE TABLE slouch_episodes (
        id INTEGER PRIMARY KEY,
        session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
        t_start REAL NOT NULL,
        t_end REAL NOT NULL CHECK (t_end >= t_start),
        peak_flexion REAL NOT NULL,
        UNIQUE (session_id, t_start)
    )""",
    """CREATE TABLE gaps (
        id INTEGER PRIMARY KEY,
        session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
        role INTEGER NOT NULL CHECK (role IN (0, 1)),
        t_start REAL NOT NULL,
        t_end REAL NOT NULL CHECK (t_end >= t_start),
        samples_lost INTEGER NOT NULL CHECK (samples_lost >= 0)
    )""",
)

# Version 2: alerts sent and stretch sets with each hold and its faults.
_V2: Final = (
    """CREATE TABLE alerts (
        id INTEGER PRIMARY KEY,
        session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
        t REAL NOT NULL,
        kind TEXT NOT NULL,
        level INTEGER NOT NULL DEFAULT 1,
        delivered TEXT NOT NULL DEFAULT ''
    )""",
    "CREATE INDEX alerts_by_t ON alerts(t)",
    """CREATE TABLE stretch_sets (
        id INTEGER PRIMARY KEY,
        session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
        exercise TEXT NOT NULL,
        t_start REAL NOT NULL,
        t_end REAL NOT NULL CHECK (t_end >= t_start),
        attempts INTEGER NOT NULL,
        valid_reps INTEGER NOT NULL,
        verifiable INTEGER NOT NULL DEFAULT 1 CHECK (verifiable IN (0, 1))
    )""",
    "CREATE INDEX stretch_sets_by_start ON stretch_sets(t_start)",
    """CREATE TABLE stretch_holds (
        id INTEGER PRIMARY KEY,
        set_id INTEGER NOT NULL REFERENCES stretch_sets(id) ON DELETE CASCADE,
        t_start REAL NOT NULL,
        t_end REAL NOT NULL CHECK (t_end >= t_start),
        valid INTEGER NOT NULL CHECK (valid IN (0, 1))
    )""",
    """CREATE TABLE hold_faults (
        hold_id INTEGER NOT NULL REFERENCES stretch_holds(id) ON DELETE CASCADE,
        fault TEXT NOT NULL,
        PRIMARY KEY (hold_id, fault)
    )""",
)

# Version 3: minutes a clip logged on its own (standalone mode), and where a session came from.
_V3: Final = (
    # hour_start is Unix seconds when clock_synced, else the clip's seconds since boot (not placeable).
    """CREATE TABLE device_log (
        id INTEGER PRIMARY KEY,
        clip_id INTEGER NOT NULL REFERENCES clips(id),
        hour_start INTEGER NOT NULL,
        clock_synced INTEGER NOT NULL CHECK (clock_synced IN (0, 1)),
        upright_min INTEGER NOT NULL CHECK (upright_min BETWEEN 0 AND 60),
        slouched_min INTEGER NOT NULL CHECK (slouched_min BETWEEN 0 AND 60),
        alerts INTEGER NOT NULL DEFAULT 0,
        read_at REAL NOT NULL,
        UNIQUE (clip_id, clock_synced, hour_start)
    )""",
    "CREATE INDEX device_log_by_hour ON device_log(hour_start)",
    "ALTER TABLE sessions ADD COLUMN source TEXT NOT NULL DEFAULT 'live'",
    "CREATE INDEX sessions_by_start ON sessions(started_at)",
    "CREATE INDEX slouch_episodes_by_start ON slouch_episodes(t_start)",
)

MIGRATIONS: Final[tuple[tuple[str, ...], ...]] = (_V1, _V2, _V3)
SCHEMA_VERSION: Final = len(MIGRATIONS)


def schema_version(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def check_not_newer(version: int, where: str) -> None:
    if version > SCHEMA_VERSION:
        raise SchemaTooNewError(
            f"the database {where} has schema version {version}; "
            f"this sensorbridge knows versions up to {SCHEMA_VERSION}",
            hint="upgrade sensorbridge (pip install -U sensorbridge), or pass --db to use another database",
        )


def migrate(conn: sqlite3.Connection, target: int = SCHEMA_VERSION, where: str = "") -> int:
    """Bring ``conn`` (autocommit mode) to schema ``target``; returns the version it started at.

    Each step runs under ``BEGIN IMMEDIATE`` and re-reads the version inside it, so two processes
    opening an old database at once migrate it exactly once.
    """
    if not 0 <= target <= SCHEMA_VERSION:
        raise ValueError(f"target schema {target} is outside 0..{SCHEMA_VERSION}")
    start = schema_version(conn)
    check_not_newer(start, where)
    while True:
        conn.execute("BEGIN IMMEDIATE")
        try:
            current = schema_version(conn)
            check_not_newer(current, where)
            if current >= target:
                conn.execute("COMMIT")
                return start
            for statement in MIGRATIONS[current]:
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {current + 1}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
