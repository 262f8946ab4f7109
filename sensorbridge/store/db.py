"""Opening the database file: where, with which permissions and pragmas, migrated to the current schema.

WAL lets one writer (the dashboard's live writer) and readers (a ``sensorbridge summary`` run) work at
once; ``synchronous=NORMAL`` keeps every committed transaction through a killed process (only a power
cut can cost the last commits, never the file's integrity); ``busy_timeout`` makes a second writer wait
for the first instead of failing.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Final

from sensorbridge.store.errors import StoreError, wrapped
from sensorbridge.store.schema import migrate

BUSY_TIMEOUT_MS: Final = 10_000  # a month's summary or a big import may hold the write lock this long
FILE_MODE: Final = 0o600  # readable by the owner only: posture data is personal
_SIDE_FILES: Final = ("-wal", "-shm")


def _create_private(path: Path) -> None:
    """Create ``path`` (and its directory) owner-only before SQLite touches it: never readable by others."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(path, os.O_CREAT | os.O_RDWR, FILE_MODE)
        os.close(fd)
    except OSError as e:
        raise StoreError(
            f"cannot create the database {path}: {e.strerror}",
            hint="pass --db PATH (or set SENSORBRIDGE_DB) to a writable place",
        ) from e


def _restrict(path: Path) -> None:
    for p in (path, *(path.with_name(path.name + s) for s in _SIDE_FILES)):
        with contextlib.suppress(FileNotFoundError):
            if stat.S_IMODE(p.stat().st_mode) & 0o077:
                p.chmod(FILE_MODE)


def connect(path: Path, *, target_version: int | None = None) -> sqlite3.Connection:
    """Open (creating if needed) the database at ``path`` and migrate it; autocommit mode.

    Transactions are explicit (``BEGIN``/``COMMIT``, see :func:`transaction`). ``target_version`` is for
    tests that build old schemas; everything else gets the current one.
    """
    path = Path(path).expanduser()
    if not path.exists():
        _create_private(path)
    with wrapped(f"open the database {path}", path):
        conn = sqlite3.connect(
            path, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False
        )
    try:
        with wrapped(f"open the database {path}", path):
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                raise StoreError(
                    f"the database {path} cannot use write-ahead logging (journal mode {mode})",
                    hint="keep the database on a local disk, not a network share",
                )
            conn.execute("PRAGMA synchronous = NORMAL")
            conn.execute("PRAGMA foreign_keys = ON")
            if target_version is None:
                migrate(conn, where=str(path))
            else:
                migrate(conn, target_version, where=str(path))
        _restrict(path)
    except BaseException:
        conn.close()
        raise
    return conn


@contextlib.contextmanager
def transaction(
    conn: sqlite3.Connection, action: str, *, immediate: bool = True
) -> Iterator[sqlite3.Connection]:
    """One transaction: committed when the block ends, rolled back on any error (wrapped in StoreError).

    ``immediate`` takes the write lock at the start so a writer waits (busy timeout) rather than
    failing half-way when another process writes.
    """
    with wrapped(action):
        conn.execute("BEGIN IMMEDIATE" if immediate else "BEGIN")
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")


def integrity_ok(conn: sqlite3.Connection) -> bool:
    """``PRAGMA integrity_check`` says "ok"."""
    with wrapped("check the database"):
        rows = conn.execute("PRAGMA integrity_check").fetchall()
    return [tuple(r) for r in rows] == [("ok",)]
