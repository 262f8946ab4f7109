"""Everything stored in a range of local days, as JSON-ready tables or one CSV.

Tables: clips, calibrations in force in the range (their JSON as ``data``), sessions, intervals, slouch
episodes, alerts, stretch sets (with their holds), gaps and the clips' own log hours. Rows carry Unix
seconds (``start``, ``end``, ``t``) and the same instants as local ISO times (``*_local``). A session is
exported when it overlaps the range; its rows are exported whole, so each session comes out
as a whole. Device-log hours go by their hour's start; hours whose clock was not synced cannot be
placed and are exported only when the range is everything (``include_unplaced``).

CSV is one file with a ``table`` column naming the table each row comes from and the union of the
tables' columns (empty where a table has no such column), so a spreadsheet can filter by table.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from typing import Any, Final

from sensorbridge.store.localtime import day_bounds, iso_local
from sensorbridge.store.store import Store

TABLES: Final = (
    "clips", "calibrations", "sessions", "intervals", "slouch_episodes", "alerts", "stretch_sets", "gaps",
    "device_log",
)  # fmt: skip


def _rows(store: Store, sql: str, params: tuple[Any, ...]) -> list[dict[str, Any]]:
    cur = store.conn.execute(sql, params)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def export_range(
    store: Store, first: dt.date, last: dt.date, tz: dt.tzinfo, *, include_unplaced: bool = False
) -> dict[str, Any]:
    """Tables of everything in local days ``first`` .. ``last`` (inclusive)."""
    if last < first:
        raise ValueError(f"the range ends ({last}) before it starts ({first})")
    lo, _ = day_bounds(first, tz)
    _, hi = day_bounds(last, tz)
    in_sessions = "session_id IN (SELECT id FROM sessions WHERE started_at < ? AND COALESCE(ended_at, ?) > ?)"
    sp = (hi, hi, lo)
    with store.reading("export"):
        tables: dict[str, list[dict[str, Any]]] = {
            "clips": _rows(
                store, "SELECT address, role, firmware, bonded, last_seen FROM clips ORDER BY id", ()
            ),
            "calibrations": _rows(
                store,
                """SELECT w.name AS wearer, c.role, c.format_version, c.in_force_from AS start,
                          c.in_force_until AS end, c.data
                   FROM calibrations c JOIN wearers w ON w.id = c.wearer_id
                   WHERE c.in_force_from < ? AND COALESCE(c.in_force_until, ?) > ?
                   ORDER BY c.in_force_from""",
                sp,
            ),
            "sessions": _rows(
                store,
                """SELECT s.id AS session_id, w.name AS wearer, s.started_at AS start, s.ended_at AS end,
                          s.source, s.recording_path FROM sessions s JOIN wearers w ON w.id = s.wearer_id
                   WHERE s.started_at < ? AND COALESCE(s.ended_at, ?) > ? ORDER BY s.started_at""",
                sp,
            ),
            "intervals": _rows(
                store,
                f"""SELECT session_id, t_start AS start, t_end AS end, state, mean_thoracic_flexion,
                           max_thoracic_flexion, mean_neck_flexion, forward_head_s
                    FROM intervals WHERE {in_sessions} ORDER BY t_start""",
                sp,
            ),
            "slouch_episodes": _rows(
                store,
                f"""SELECT session_id, t_start AS start, t_end AS end, peak_flexion FROM slouch_episodes
                    WHERE {in_sessions} ORDER BY t_start""",
                sp,
            ),
            "alerts": _rows(
                store,
                f"SELECT session_id, t, kind, level, delivered FROM alerts WHERE {in_sessions} ORDER BY t",
                sp,
            ),
            "stretch_sets": _rows(
                store,
                f"""SELECT id AS set_id, session_id, exercise, t_start AS start, t_end AS end, attempts,
                           valid_reps, verifiable FROM stretch_sets WHERE {in_sessions} ORDER BY t_start""",
                sp,
            ),
            "gaps": _rows(
                store,
                f"""SELECT session_id, role, t_start AS start, t_end AS end, samples_lost FROM gaps
                    WHERE {in_sessions} ORDER BY t_start""",
                sp,
            ),
            "device_log": _rows(
                store,
                """SELECT c.address AS clip, d.hour_start AS start, d.clock_synced, d.upright_min,
                          d.slouched_min, d.alerts FROM device_log d JOIN clips c ON c.id = d.clip_id
                   WHERE (d.clock_synced = 1 AND d.hour_start >= ? AND d.hour_start < ?) OR
                         (d.clock_synced = 0 AND ?) ORDER BY d.clock_synced DESC, d.hour_start""",
                (lo, hi, int(include_unplaced)),
            ),
        }
        for s in tables["stretch_sets"]:
            s["holds"] = _rows(
                store,
                """SELECT h.t_start AS start, h.t_end AS end, h.valid,
                          COALESCE((SELECT group_concat(fault, ';') FROM (SELECT fault FROM hold_faults f
                                    WHERE f.hold_id = h.id ORDER BY fault)), '') AS faults
                   FROM stretch_holds h WHERE h.set_id = ? ORDER BY h.t_start""",
                (s["set_id"],),
            )
    for cal in tables["calibrations"]:
        cal["data"] = json.loads(cal["data"])
    for name, rows in tables.items():
        for r in rows:
            _add_local(r, tz, placed=name != "device_log" or bool(r.get("clock_synced")))
            for h in r.get("holds", []):
                _add_local(h, tz)
                h["faults"] = [f for f in h["faults"].split(";") if f]
    return {"first": first.isoformat(), "last": last.isoformat(), "tz": str(getattr(tz, "key", tz)), **tables}


def _add_local(row: dict[str, Any], tz: dt.tzinfo, *, placed: bool = True) -> None:
    for key in ("start", "end", "t"):
        if key in row:
            value = row[key]
            row[f"{key}_local"] = iso_local(value, tz) if placed and value is not None else None


def to_json(export: dict[str, Any]) -> str:
    return json.dumps(export, indent=2, allow_nan=False)


def to_csv(export: dict[str, Any]) -> str:
    """One CSV of every table (holds flattened into ``stretch_holds`` rows)."""
    rows: list[dict[str, Any]] = []
    for name in TABLES:
        for r in export[name]:
            flat = {k: (json.dumps(v) if k == "data" else v) for k, v in r.items() if k != "holds"}
            rows.append({"table": name, **flat})
            for h in r.get("holds", []):
                rows.append(
                    {"table": "stretch_holds", "set_id": r["set_id"], **h, "faults": ";".join(h["faults"])}
                )
    columns: dict[str, None] = {"table": None}
    for r in rows:
        columns.update(dict.fromkeys(r))
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(columns), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue()
