"""The store: one SQLite file of wearers, clips, calibrations, sessions and what each session measured.

All times given to and returned by :class:`Store` are Unix seconds (UTC). Writers of input-clock times
(the pipeline's seconds) convert with the session's clock offset first (see
:class:`~sensorbridge.store.writer.LiveWriter` and :mod:`~sensorbridge.store.ingest`).
"""

from __future__ import annotations

import contextlib
import json
import math
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

from sensorbridge.conventions import Role
from sensorbridge.posture import PostureState, SlouchEpisode, StateInterval
from sensorbridge.protocol import LogRecord, LogRecordFlags
from sensorbridge.samples import Gap
from sensorbridge.store.db import connect, integrity_ok, transaction
from sensorbridge.store.errors import StoreError, wrapped
from sensorbridge.store.records import Alert, Calibration, Session, StretchSet

_STATES = frozenset(s.value for s in PostureState)

_UPSERT_INTERVAL = """
    INSERT INTO intervals (session_id, t_start, t_end, state, mean_thoracic_flexion,
                           max_thoracic_flexion, mean_neck_flexion, forward_head_s)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (session_id, t_start) DO UPDATE SET
        t_end = excluded.t_end, state = excluded.state,
        mean_thoracic_flexion = excluded.mean_thoracic_flexion,
        max_thoracic_flexion = excluded.max_thoracic_flexion,
        mean_neck_flexion = excluded.mean_neck_flexion, forward_head_s = excluded.forward_head_s
"""
_UPSERT_EPISODE = """
    INSERT INTO slouch_episodes (session_id, t_start, t_end, peak_flexion) VALUES (?, ?, ?, ?)
    ON CONFLICT (session_id, t_start) DO UPDATE SET
        t_end = excluded.t_end, peak_flexion = excluded.peak_flexion
"""


def _finite(name: str, *values: float | None) -> None:
    for v in values:
        if v is not None and not math.isfinite(v):
            raise StoreError(
                f"{name} has a non-finite time or angle ({v})", hint="this is a bug in the caller"
            )


def _check_span(name: str, start: float, end: float) -> None:
    _finite(name, start, end)
    if end < start:
        raise StoreError(
            f"{name} ends ({end}) before it starts ({start})", hint="this is a bug in the caller"
        )


class Store:
    """An open database. Use as a context manager, or call :meth:`close`.

    Safe to share between threads of one process: every write method is one transaction and
    :meth:`writing` / :meth:`reading` hold a lock for its length, so a writer thread's flush and the
    dashboard's summary never interleave on the connection. Other processes may open the same file
    at once (WAL: readers see the last commit; a second writer waits up to the busy timeout).
    """

    def __init__(self, conn: sqlite3.Connection, path: Path) -> None:
        self.conn = conn
        self.path = path
        self._lock = threading.RLock()

    @contextlib.contextmanager
    def writing(self, action: str) -> Iterator[sqlite3.Connection]:
        """One write transaction (``BEGIN IMMEDIATE``), alone on this connection."""
        with self._lock, transaction(self.conn, action) as c:
            yield c

    @contextlib.contextmanager
    def reading(self, action: str) -> Iterator[sqlite3.Connection]:
        """One read transaction: every query inside sees the same snapshot of the file."""
        with self._lock, transaction(self.conn, action, immediate=False) as c:
            yield c

    @classmethod
    def open(cls, path: Path | str) -> Store:
        p = Path(path).expanduser()
        return cls(connect(p), p)

    def close(self) -> None:
        with wrapped("close the database", self.path):
            self.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, err: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def integrity_ok(self) -> bool:
        return integrity_ok(self.conn)

    # --- who and what -------------------------------------------------------------------------------

    def ensure_wearer(self, name: str = "me") -> int:
        """The id of the wearer called ``name``, created on first use."""
        with self.writing("record the wearer") as c:
            c.execute("INSERT OR IGNORE INTO wearers (name, created_at) VALUES (?, ?)", (name, time.time()))
            return int(c.execute("SELECT id FROM wearers WHERE name = ?", (name,)).fetchone()[0])

    def upsert_clip(
        self,
        address: str,
        role: Role,
        *,
        firmware: str | None = None,
        bonded: bool = False,
        seen_at: float | None = None,
    ) -> int:
        """Record a clip by its BLE address (role, firmware and bond as last seen); returns its id."""
        with self.writing("record the clip") as c:
            c.execute(
                """INSERT INTO clips (address, role, firmware, bonded, last_seen) VALUES (?, ?, ?, ?, ?)
                   ON CONFLICT (address) DO UPDATE SET role = excluded.role,
                       firmware = COALESCE(excluded.firmware, firmware), bonded = excluded.bonded,
                       last_seen = COALESCE(excluded.last_seen, last_seen)""",
                (address, int(role), firmware, int(bonded), seen_at),
            )
            return int(c.execute("SELECT id FROM clips WHERE address = ?", (address,)).fetchone()[0])

    def add_calibration(
        self,
        wearer_id: int,
        role: Role,
        data: Mapping[str, Any],
        *,
        format_version: int,
        in_force_from: float,
        clip_id: int | None = None,
    ) -> int:
        """Store a calibration in force from ``in_force_from``; the one it replaces ends there."""
        _finite("calibration", in_force_from)
        try:
            blob = json.dumps(data, allow_nan=False, sort_keys=True)
        except (TypeError, ValueError) as e:
            raise StoreError(
                f"the calibration cannot be stored as JSON: {e}", hint="this is a bug in the caller"
            ) from e
        with self.writing("store the calibration") as c:
            c.execute(
                """UPDATE calibrations SET in_force_until = ?
                   WHERE wearer_id = ? AND role = ? AND in_force_until IS NULL AND in_force_from <= ?""",
                (in_force_from, wearer_id, int(role), in_force_from),
            )
            cur = c.execute(
                """INSERT INTO calibrations (wearer_id, clip_id, role, format_version, created_at,
                                             in_force_from, data) VALUES (?, ?, ?, ?, ?, ?, ?)""",
                (wearer_id, clip_id, int(role), format_version, time.time(), in_force_from, blob),
            )
            return int(cur.lastrowid or 0)

    def calibration_at(self, wearer_id: int, role: Role, t: float) -> Calibration | None:
        """The calibration in force for ``wearer_id``'s ``role`` clip at ``t``, if any."""
        with self.reading("read calibrations"):
            row = self.conn.execute(
                """SELECT id, wearer_id, role, format_version, in_force_from, in_force_until, data, clip_id
                   FROM calibrations WHERE wearer_id = ? AND role = ? AND in_force_from <= ?
                   AND (in_force_until IS NULL OR in_force_until > ?)
                   ORDER BY in_force_from DESC, id DESC LIMIT 1""",
                (wearer_id, int(role), t, t),
            ).fetchone()
        if row is None:
            return None
        return Calibration(row[0], row[1], Role(row[2]), row[3], row[4], row[5], json.loads(row[6]), row[7])

    # --- sessions -----------------------------------------------------------------------------------

    def start_session(
        self,
        wearer_id: int,
        start: float,
        *,
        recording_path: str | None = None,
        source: str = "live",
        clip_ids: Sequence[int] = (),
    ) -> int:
        _finite("session", start)
        with self.writing("start a session") as c:
            cur = c.execute(
                "INSERT INTO sessions (wearer_id, started_at, recording_path, source) VALUES (?, ?, ?, ?)",
                (wearer_id, start, recording_path, source),
            )
            sid = int(cur.lastrowid or 0)
            c.executemany(
                "INSERT INTO session_clips (session_id, clip_id) VALUES (?, ?)", [(sid, k) for k in clip_ids]
            )
            return sid

    def end_session(self, session_id: int, end: float) -> None:
        _finite("session", end)
        with self.writing("end the session") as c:
            if c.execute("UPDATE sessions SET ended_at = ? WHERE id = ?", (end, session_id)).rowcount != 1:
                raise StoreError(f"there is no session {session_id}", hint="start a session before ending it")

    def link_clip(self, session_id: int, clip_id: int) -> None:
        """Tie a clip to a running session (a clip that connected after the session began)."""
        with self.writing("tie the clip to the session") as c:
            c.execute(
                "INSERT OR IGNORE INTO session_clips (session_id, clip_id) VALUES (?, ?)",
                (session_id, clip_id),
            )

    def sessions(self, start: float, end: float) -> list[Session]:
        """Sessions overlapping ``[start, end)``, an open one counting as running until ``end``."""
        with self.reading("read sessions"):
            rows = self.conn.execute(
                """SELECT id, wearer_id, started_at, ended_at, recording_path, source FROM sessions
                   WHERE started_at < ? AND COALESCE(ended_at, ?) > ? ORDER BY started_at""",
                (end, end, start),
            ).fetchall()
        return [Session(*r) for r in rows]

    # --- what a session measured ---------------------------------------------------------------------

    def write(
        self,
        session_id: int,
        *,
        intervals: Iterable[StateInterval] = (),
        episodes: Iterable[SlouchEpisode] = (),
        alerts: Iterable[Alert] = (),
        stretch_sets: Iterable[StretchSet] = (),
        gaps: Iterable[Gap] = (),
        replace_intervals_from: float | None = None,
    ) -> None:
        """Write everything given in one transaction; all of it lands or none of it does.

        Times are Unix seconds. An interval or episode with the same session and start as a stored one
        replaces it (that is how a growing interval is kept current). ``replace_intervals_from`` first
        deletes the session's intervals starting at or after it (a hindsight relabel rewrote them).
        """
        rows = _Rows.check(intervals, episodes, alerts, stretch_sets, gaps)
        if replace_intervals_from is not None:
            _finite("replace_intervals_from", replace_intervals_from)
        with self.writing("write posture data") as c:
            if replace_intervals_from is not None:
                c.execute(
                    "DELETE FROM intervals WHERE session_id = ? AND t_start >= ?",
                    (session_id, replace_intervals_from),
                )
            rows.insert(c, session_id)

    def add_session(
        self,
        wearer_id: int,
        start: float,
        end: float,
        *,
        recording_path: str | None = None,
        source: str = "import",
        clip_ids: Sequence[int] = (),
        intervals: Iterable[StateInterval] = (),
        episodes: Iterable[SlouchEpisode] = (),
        alerts: Iterable[Alert] = (),
        stretch_sets: Iterable[StretchSet] = (),
        gaps: Iterable[Gap] = (),
    ) -> int:
        """A whole ended session and everything it measured, in one transaction (for imports)."""
        _check_span("a session", start, end)
        rows = _Rows.check(intervals, episodes, alerts, stretch_sets, gaps)
        with self.writing("store the session") as c:
            cur = c.execute(
                """INSERT INTO sessions (wearer_id, started_at, ended_at, recording_path, source)
                   VALUES (?, ?, ?, ?, ?)""",
                (wearer_id, start, end, recording_path, source),
            )
            sid = int(cur.lastrowid or 0)
            c.executemany(
                "INSERT INTO session_clips (session_id, clip_id) VALUES (?, ?)", [(sid, k) for k in clip_ids]
            )
            rows.insert(c, sid)
            return sid

    def add_device_log(
        self, clip_id: int, records: Iterable[LogRecord], *, read_at: float
    ) -> tuple[int, int]:
        """Store hours read back from a clip's on-device log; returns (new, already stored).

        Reading the log twice is harmless: an hour already stored for that clip is counted, not doubled.
        """
        rows = [
            (clip_id, r.hour_start, int(not r.flags & LogRecordFlags.CLOCK_UNSYNCED), r.upright_min,
             r.slouched_min, r.alerts, read_at)
            for r in records
        ]  # fmt: skip
        with self.writing("store the clip's log") as c:
            before = c.total_changes
            c.executemany(
                """INSERT OR IGNORE INTO device_log (clip_id, hour_start, clock_synced, upright_min,
                       slouched_min, alerts, read_at) VALUES (?, ?, ?, ?, ?, ?, ?)""",
                rows,
            )
            new = c.total_changes - before
        return new, len(rows) - new


@dataclass
class _Rows:
    """Rows checked before any transaction starts, so bad input never leaves half a write."""

    intervals: list[tuple[Any, ...]]
    episodes: list[tuple[Any, ...]]
    alerts: list[tuple[Any, ...]]
    gaps: list[tuple[Any, ...]]
    sets: list[StretchSet]

    @classmethod
    def check(
        cls,
        intervals: Iterable[StateInterval],
        episodes: Iterable[SlouchEpisode],
        alerts: Iterable[Alert],
        stretch_sets: Iterable[StretchSet],
        gaps: Iterable[Gap],
    ) -> _Rows:
        iv_rows = []
        for iv in intervals:
            _check_span("a posture interval", iv.start, iv.end)
            if iv.state not in _STATES:
                raise StoreError(f"unknown posture state {iv.state!r}", hint=f"use one of {sorted(_STATES)}")
            iv_rows.append(
                (iv.start, iv.end, str(iv.state), iv.mean_thoracic_flexion, iv.max_thoracic_flexion,
                 iv.mean_neck_flexion, iv.forward_head_s)
            )  # fmt: skip
        ep_rows = []
        for ep in episodes:
            _check_span("a slouch episode", ep.start, ep.end)
            ep_rows.append((ep.start, ep.end, ep.peak_flexion))
        al_rows = []
        for al in alerts:
            _finite("an alert", al.t)
            al_rows.append((al.t, al.kind, al.level, al.delivered))
        gap_rows = []
        for g in gaps:
            _check_span("a gap", g.start, g.end)
            gap_rows.append((int(g.role), g.start, g.end, g.samples_lost))
        sets = list(stretch_sets)
        for st in sets:
            _check_span("a stretch set", st.start, st.end)
            for h in st.holds:
                _check_span("a stretch hold", h.start, h.end)
        return cls(iv_rows, ep_rows, al_rows, gap_rows, sets)

    def insert(self, c: sqlite3.Connection, sid: int) -> None:
        c.executemany(_UPSERT_INTERVAL, [(sid, *r) for r in self.intervals])
        c.executemany(_UPSERT_EPISODE, [(sid, *r) for r in self.episodes])
        c.executemany(
            "INSERT INTO alerts (session_id, t, kind, level, delivered) VALUES (?, ?, ?, ?, ?)",
            [(sid, *r) for r in self.alerts],
        )
        c.executemany(
            "INSERT INTO gaps (session_id, role, t_start, t_end, samples_lost) VALUES (?, ?, ?, ?, ?)",
            [(sid, *r) for r in self.gaps],
        )
        for st in self.sets:
            cur = c.execute(
                """INSERT INTO stretch_sets (session_id, exercise, t_start, t_end, attempts, valid_reps,
                                             verifiable) VALUES (?, ?, ?, ?, ?, ?, ?)""",
                (sid, st.exercise, st.start, st.end, st.attempts, st.valid_reps, int(st.verifiable)),
            )
            for h in st.holds:
                hc = c.execute(
                    "INSERT INTO stretch_holds (set_id, t_start, t_end, valid) VALUES (?, ?, ?, ?)",
                    (cur.lastrowid, h.start, h.end, int(h.valid)),
                )
                c.executemany(
                    "INSERT OR IGNORE INTO hold_faults (hold_id, fault) VALUES (?, ?)",
                    [(hc.lastrowid, f) for f in h.faults],
                )
