"""A day's summary, as the wearer lived it: local midnight to local midnight.

What counts where:

- ``duration_s``: time the host knew about (posture intervals, plus holes inside a session, which are
  ``no_data``). ``upright_s + slouched_s + moving_s + not_worn_s + no_data_s + calibrating_s ==
  duration_s``, the same keys and meaning as ``analyze``'s summary. ``unrecorded_s`` is the rest of
  the day (no session at all). No-data time is never counted as upright.
- Minutes the clip logged on its own (standalone mode) count in the day and hour they happened, in
  ``standalone`` and in ``worn_s`` / ``upright_pct``, never inside ``upright_s``; a log hour whose clock
  was not synced cannot be placed in a day and is left out (the store keeps it).
- ``upright_pct`` = upright / worn, worn = upright + slouched + moving + calibrating (+ standalone minutes).
- Slouch episodes, alerts and stretch sets belong to the day they started in.
- When two sessions cover the same time, the earlier-starting interval keeps it; the rest is counted
  in ``overlap_dropped_s``.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from typing import Any

from sensorbridge.posture import PostureState
from sensorbridge.store.coverage import Segment, clip_and_resolve, holes, split_at, union
from sensorbridge.store.localtime import day_bounds, hour_starts, iso_local
from sensorbridge.store.store import Store

STATE_KEYS = tuple(f"{s.value}_s" for s in PostureState)
_WORN = (PostureState.UPRIGHT, PostureState.SLOUCHED, PostureState.MOVING, PostureState.CALIBRATING)


@dataclass(frozen=True)
class _Piece:
    state: PostureState
    forward_head_s: float
    head: bool


@dataclass
class HourSummary:
    start: str  # local ISO time with offset
    upright_s: float = 0.0
    slouched_s: float = 0.0
    moving_s: float = 0.0
    not_worn_s: float = 0.0
    no_data_s: float = 0.0
    calibrating_s: float = 0.0
    standalone_upright_s: float = 0.0
    standalone_slouched_s: float = 0.0


@dataclass
class DaySummary:
    date: str
    tz: str
    day_length_s: float
    duration_s: float = 0.0
    upright_s: float = 0.0
    slouched_s: float = 0.0
    moving_s: float = 0.0
    not_worn_s: float = 0.0
    no_data_s: float = 0.0
    calibrating_s: float = 0.0
    unrecorded_s: float = 0.0
    worn_s: float = 0.0
    upright_pct: float | None = None
    slouch_episodes: int = 0
    longest_slouch_s: float = 0.0
    longest_slouch_start: str | None = None
    episodes: list[dict[str, Any]] = field(default_factory=list)
    forward_head_s: float | None = None  # None: the head clip was not worn that day
    alerts: int = 0
    alerts_by_kind: dict[str, int] = field(default_factory=dict)
    stretches: list[dict[str, Any]] = field(default_factory=list)
    standalone: dict[str, float] = field(default_factory=dict)
    hours: list[HourSummary] = field(default_factory=list)
    overlap_dropped_s: float = 0.0

    @property
    def valid_holds(self) -> int:
        return sum(int(s["valid_holds"]) for s in self.stretches)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def _zone_name(tz: dt.tzinfo) -> str:
    return str(getattr(tz, "key", None) or tz)


def summarise_day(store: Store, day: dt.date, tz: dt.tzinfo) -> DaySummary:
    """Summarise local ``day`` in zone ``tz`` from everything in ``store``."""
    lo, hi = day_bounds(day, tz)
    out = DaySummary(date=day.isoformat(), tz=_zone_name(tz), day_length_s=hi - lo)
    with store.reading(f"summarise {day}") as c:
        rows = c.execute(
            """SELECT t_start, t_end, state, forward_head_s, mean_neck_flexion IS NOT NULL FROM intervals
               WHERE t_end > ? AND t_start < ?""",
            (lo, hi),
        ).fetchall()
        sessions = c.execute(
            """SELECT started_at, COALESCE(ended_at, started_at) FROM sessions
               WHERE started_at < ? AND COALESCE(ended_at, started_at) > ?""",
            (hi, lo),
        ).fetchall()
        episodes = c.execute(
            "SELECT t_start, t_end, peak_flexion FROM slouch_episodes WHERE t_start >= ? AND t_start < ? "
            "ORDER BY t_start",
            (lo, hi),
        ).fetchall()
        alerts = c.execute(
            "SELECT kind, COUNT(*) FROM alerts WHERE t >= ? AND t < ? GROUP BY kind", (lo, hi)
        ).fetchall()
        sets = c.execute(
            """SELECT s.id, s.exercise, s.attempts, s.valid_reps, s.verifiable,
                      (SELECT COUNT(*) FROM stretch_holds h WHERE h.set_id = s.id),
                      (SELECT COUNT(*) FROM stretch_holds h WHERE h.set_id = s.id AND h.valid = 1)
               FROM stretch_sets s WHERE s.t_start >= ? AND s.t_start < ? ORDER BY s.t_start""",
            (lo, hi),
        ).fetchall()
        faults = c.execute(
            """SELECT s.exercise, f.fault, COUNT(*) FROM stretch_sets s
               JOIN stretch_holds h ON h.set_id = s.id JOIN hold_faults f ON f.hold_id = h.id
               WHERE s.t_start >= ? AND s.t_start < ? GROUP BY s.exercise, f.fault""",
            (lo, hi),
        ).fetchall()
        log = c.execute(
            """SELECT hour_start, SUM(upright_min), SUM(slouched_min), SUM(alerts) FROM device_log
               WHERE clock_synced = 1 AND hour_start >= ? AND hour_start < ? GROUP BY hour_start""",
            (lo, hi),
        ).fetchall()

    cuts = hour_starts(lo, hi)
    hours = [HourSummary(iso_local(t, tz)) for t in cuts]
    segs = [Segment(a, b, _Piece(PostureState(s), fh, bool(head))) for a, b, s, fh, head in rows]
    pieces, out.overlap_dropped_s = clip_and_resolve(segs, lo, hi)
    spans = union((max(a, lo), min(b, hi)) for a, b in sessions)
    for a, b in holes(spans, pieces):
        pieces.append(Segment(a, b, _Piece(PostureState.NO_DATA, 0.0, False)))
    head_seen = False
    forward_head = 0.0
    for p in pieces:
        key = f"{p.label.state.value}_s"
        setattr(out, key, getattr(out, key) + (p.end - p.start))
        head_seen = head_seen or p.label.head
        forward_head += p.label.forward_head_s * p.weight
        for i, part in split_at(p, cuts):
            h = hours[i]
            setattr(h, key, getattr(h, key) + (part.end - part.start))
    out.duration_s = sum(getattr(out, k) for k in STATE_KEYS)
    out.unrecorded_s = out.day_length_s - out.duration_s
    out.forward_head_s = forward_head if head_seen else None

    st_up = st_sl = st_alerts = 0.0
    for hour_start, up, sl, n in log:
        st_up, st_sl, st_alerts = st_up + 60.0 * up, st_sl + 60.0 * sl, st_alerts + n
        i = int((hour_start - lo) // 3600)
        if 0 <= i < len(hours):
            hours[i].standalone_upright_s += 60.0 * up
            hours[i].standalone_slouched_s += 60.0 * sl
    out.standalone = {"upright_s": st_up, "slouched_s": st_sl, "alerts": st_alerts, "hours": float(len(log))}
    out.worn_s = sum(getattr(out, f"{s.value}_s") for s in _WORN) + st_up + st_sl
    out.upright_pct = 100.0 * (out.upright_s + st_up) / out.worn_s if out.worn_s > 0 else None
    out.hours = hours
    _round_ms(out)

    out.slouch_episodes = len(episodes)
    out.episodes = [
        {"start": iso_local(a, tz), "end": iso_local(b, tz), "seconds": b - a, "peak_flexion": peak}
        for a, b, peak in episodes
    ]
    if episodes:
        a, b, _ = max(episodes, key=lambda e: e[1] - e[0])
        out.longest_slouch_s, out.longest_slouch_start = b - a, iso_local(a, tz)
    out.alerts_by_kind = {kind: n for kind, n in alerts}
    out.alerts = sum(out.alerts_by_kind.values())
    out.stretches = _stretches(sets, faults)
    return out


def _stretches(sets: list[Any], faults: list[Any]) -> list[dict[str, Any]]:
    per: dict[str, dict[str, Any]] = {}
    for _id, exercise, attempts, valid_reps, verifiable, n_holds, n_valid in sets:
        e = per.setdefault(
            exercise,
            {"exercise": exercise, "sets": 0, "attempts": 0, "valid_reps": 0, "holds": 0, "valid_holds": 0,
             "not_verifiable_sets": 0, "faults": {}},
        )  # fmt: skip
        e["sets"] += 1
        e["attempts"] += attempts
        e["valid_reps"] += valid_reps
        e["holds"] += n_holds
        e["valid_holds"] += n_valid
        e["not_verifiable_sets"] += 0 if verifiable else 1
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for exercise, fault, n in faults:
        counts[exercise][fault] += n
    for exercise, c in counts.items():
        if exercise in per:
            per[exercise]["faults"] = dict(sorted(c.items()))
    return list(per.values())


def _round_ms(day: DaySummary) -> None:
    """Seconds to the millisecond, as ``analyze`` reports them: Unix-time arithmetic leaves ~1e-7 s dust."""
    for key in (*STATE_KEYS, "duration_s", "unrecorded_s", "worn_s", "overlap_dropped_s"):
        setattr(day, key, round(getattr(day, key), 3))
    for h in day.hours:
        for key in STATE_KEYS:
            setattr(h, key, round(getattr(h, key), 3))
    if day.forward_head_s is not None:
        day.forward_head_s = round(day.forward_head_s, 3)
