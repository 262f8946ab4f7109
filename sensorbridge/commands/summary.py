"""``sensorbridge summary``: a day, a week or a month from the store, as a table, JSON or CSV."""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import json
import sys
from typing import TYPE_CHECKING, Any

from sensorbridge.config import Config
from sensorbridge.errors import SensorbridgeError

if TYPE_CHECKING:
    from sensorbridge.store.periods import PeriodSummary
    from sensorbridge.store.summary import DaySummary

HELP = "summarise a day (default: today), a week or a month from the store"

DAY_CSV_COLUMNS = (
    "upright_s", "slouched_s", "moving_s", "not_worn_s", "no_data_s", "calibrating_s",
    "standalone_upright_s", "standalone_slouched_s",
)  # fmt: skip
PERIOD_CSV_COLUMNS = (
    "date", "duration_s", "worn_s", "upright_pct", "upright_s", "slouched_s", "moving_s", "not_worn_s",
    "no_data_s", "calibrating_s", "unrecorded_s", "slouch_episodes", "longest_slouch_s", "forward_head_s",
    "alerts", "valid_holds", "standalone_upright_s", "standalone_slouched_s",
)  # fmt: skip


class UsageError(SensorbridgeError):
    """A flag's value is not usable."""


def parse_date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError as e:
        raise UsageError(f"{text!r} is not a date", hint="write dates as YYYY-MM-DD, e.g. 2026-03-29") from e


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--date", help="the day (YYYY-MM-DD, local time; default today), or a day in the week/month"
    )
    span = parser.add_mutually_exclusive_group()
    span.add_argument("--week", action="store_true", help="the week (Monday to Sunday) around the date")
    span.add_argument("--month", action="store_true", help="the calendar month around the date")
    fmt = parser.add_mutually_exclusive_group()
    fmt.add_argument("--json", action="store_true", help="print JSON")
    fmt.add_argument("--csv", action="store_true", help="print CSV (a day: one row per hour and a total)")
    parser.add_argument("--tz", help="IANA time zone for the days (default: $TZ or the system's)")


def _fmt_s(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    s = round(seconds)
    if s == 0:
        return "0"
    h, rest = divmod(s, 3600)
    return f"{h}h{rest // 60:02d}m" if h else f"{rest // 60}m{rest % 60:02d}s"


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.0f} %"


def day_csv(day: DaySummary) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(("start", *DAY_CSV_COLUMNS))
    for h in day.hours:
        w.writerow((h.start, *(round(getattr(h, c), 3) for c in DAY_CSV_COLUMNS)))
    total = {**day.to_json(), "standalone_upright_s": day.standalone.get("upright_s", 0.0),
             "standalone_slouched_s": day.standalone.get("slouched_s", 0.0)}  # fmt: skip
    w.writerow((f"total {day.date}", *(round(total[c], 3) for c in DAY_CSV_COLUMNS)))
    return buf.getvalue()


def period_csv(period: PeriodSummary) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(PERIOD_CSV_COLUMNS)
    for d in period.days:
        row = {**d.to_json(), "valid_holds": d.valid_holds,
               "standalone_upright_s": d.standalone.get("upright_s", 0.0),
               "standalone_slouched_s": d.standalone.get("slouched_s", 0.0)}  # fmt: skip
        w.writerow(["" if row[c] is None else row[c] for c in PERIOD_CSV_COLUMNS])
    return buf.getvalue()


def render_day(day: DaySummary) -> list[Any]:
    """Rich renderables for a day: totals, hours with data, episodes, stretches."""
    from rich.table import Table

    totals = Table(title=f"{day.date} ({day.tz})", show_header=True)
    totals.add_column("")
    totals.add_column("time", justify="right")
    for label in ("upright", "slouched", "moving", "calibrating", "not worn", "no data"):
        totals.add_row(label, _fmt_s(getattr(day, label.replace(" ", "_") + "_s")))
    if day.standalone.get("hours"):
        totals.add_row("clip alone: upright", _fmt_s(day.standalone["upright_s"]))
        totals.add_row("clip alone: slouched", _fmt_s(day.standalone["slouched_s"]))
    totals.add_row("nothing recorded", _fmt_s(day.unrecorded_s))
    totals.add_row("worn", _fmt_s(day.worn_s))
    totals.add_row("upright of worn", _pct(day.upright_pct))
    totals.add_row(
        "forward head", _fmt_s(day.forward_head_s) if day.forward_head_s is not None else "no head clip"
    )
    when = f" at {day.longest_slouch_start[11:16]}" if day.longest_slouch_start else ""
    totals.add_row("slouch episodes", f"{day.slouch_episodes} (longest {_fmt_s(day.longest_slouch_s)}{when})")
    totals.add_row("alerts", str(day.alerts))
    out: list[Any] = [totals]
    hours = Table(title="by hour", show_header=True)
    for col in ("hour", "upright", "slouched", "moving", "not worn", "no data", "clip alone"):
        hours.add_column(col, justify="right")
    for h in day.hours:
        standalone = h.standalone_upright_s + h.standalone_slouched_s
        if (
            h.upright_s
            + h.slouched_s
            + h.moving_s
            + h.not_worn_s
            + h.no_data_s
            + h.calibrating_s
            + standalone
            > 0
        ):
            hours.add_row(h.start[11:16], _fmt_s(h.upright_s), _fmt_s(h.slouched_s), _fmt_s(h.moving_s),
                          _fmt_s(h.not_worn_s), _fmt_s(h.no_data_s), _fmt_s(standalone))  # fmt: skip
    if hours.row_count:
        out.append(hours)
    if day.stretches:
        st = Table(title="stretches", show_header=True)
        for col in ("stretch", "sets", "valid holds", "faults"):
            st.add_column(col)
        for s in day.stretches:
            faults = ", ".join(f"{k} ×{v}" for k, v in s["faults"].items()) or "none"
            st.add_row(s["exercise"], str(s["sets"]), f"{s['valid_holds']}/{s['holds']}", faults)
        out.append(st)
    if day.duration_s == 0 and not day.standalone.get("hours"):
        out.append("Nothing recorded this day.")
    return out


def render_period(period: PeriodSummary) -> list[Any]:
    from rich.table import Table

    t = Table(title=f"{period.kind} {period.first} – {period.last} ({period.tz})", show_header=True)
    for col in ("day", "worn", "upright", "slouched", "episodes", "no data", "stretch holds"):
        t.add_column(col, justify="right")
    for d in period.days:
        t.add_row(d.date, _fmt_s(d.worn_s), _pct(d.upright_pct),
                  _fmt_s(d.slouched_s + d.standalone.get("slouched_s", 0.0)), str(d.slouch_episodes),
                  _fmt_s(d.no_data_s), str(d.valid_holds))  # fmt: skip
    lines = [t, f"worn days: {period.worn_days}; upright of worn time: {_pct(period.upright_pct)}"]
    if period.slouch_trend is None:
        lines.append("slouch trend: not enough worn days yet")
    else:
        tr = period.slouch_trend
        lines.append(
            f"slouch trend: {tr.direction} ({tr.slope_per_day:+.0f} s per worn hour per day, {tr.days} days)"
        )
    prev = period.previous
    if prev is not None and period.slouch_change_per_worn_hour_s is not None:
        change = period.slouch_change_per_worn_hour_s
        word = "less" if change < 0 else "more"
        lines.append(
            f"against {prev['first']} – {prev['last']}: "
            f"{abs(change) / 60:.1f} min {word} slouching per worn hour"
        )
    elif prev is not None:
        lines.append(f"against {prev['first']} – {prev['last']}: nothing to compare (no wear in one of them)")
    lines.append(
        f"good-posture streak: {period.good_day_streak} days (longest {period.longest_good_day_streak})"
    )
    lines.append(
        f"stretch streak: {period.stretch_day_streak} days (longest {period.longest_stretch_day_streak})"
    )
    return lines


def run(args: argparse.Namespace, config: Config) -> int:
    from sensorbridge.store.localtime import local_zone, today
    from sensorbridge.store.periods import summarise_period
    from sensorbridge.store.store import Store
    from sensorbridge.store.summary import summarise_day

    tz = local_zone(args.tz)
    day = parse_date(args.date) if args.date else today(tz)
    with Store.open(config.db_path) as store:
        if args.week or args.month:
            period = summarise_period(store, "week" if args.week else "month", day, tz, today=today(tz))
            if args.json:
                sys.stdout.write(json.dumps(period.to_json(), indent=2) + "\n")
            elif args.csv:
                sys.stdout.write(period_csv(period))
            else:
                _print(render_period(period))
            return 0
        summary = summarise_day(store, day, tz)
    if args.json:
        sys.stdout.write(json.dumps(summary.to_json(), indent=2) + "\n")
    elif args.csv:
        sys.stdout.write(day_csv(summary))
    else:
        _print(render_day(summary))
    return 0


def _print(items: list[Any]) -> None:
    from rich.console import Console

    console = Console()
    for item in items:
        console.print(item)
