"""Errors of the store. Every ``sqlite3.Error`` leaves the store wrapped in a :class:`StoreError`."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sensorbridge.errors import SensorbridgeError


class StoreError(SensorbridgeError):
    """The database could not be opened, read or written."""


class SchemaTooNewError(StoreError):
    """The database was written by a newer sensorbridge than this one."""


def _hint_for(err: sqlite3.Error, path: Path | None) -> str:
    text = str(err).lower()
    where = f" ({path})" if path else ""
    if "locked" in text or "busy" in text:
        return "another sensorbridge process holds the database; close it or retry in a moment"
    if "not a database" in text or "malformed" in text or "corrupt" in text:
        return f"the file{where} is damaged or not a sensorbridge database; use another --db or a backup"
    if "readonly" in text or "unable to open" in text or "permission" in text:
        return f"check that the directory{where} exists and is writable by you, or pass --db PATH"
    if "disk" in text or "full" in text:
        return "free some disk space and try again"
    return f"check the database file{where}, or pass another --db PATH"


@contextmanager
def wrapped(action: str, path: Path | None = None) -> Iterator[None]:
    """Turn any ``sqlite3.Error`` raised inside into a :class:`StoreError` saying what we were doing."""
    try:
        yield
    except sqlite3.Error as e:
        raise StoreError(f"could not {action}: {e}", hint=_hint_for(e, path)) from e
