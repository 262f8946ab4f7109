"""Store: how long a month's summary takes and how big the database grows per worn day.

The month is the store's own synthetic one (``sensorbridge.store.benchdata``: 30 days of 8 worn
hours, about 50 posture intervals per worn hour, episodes, alerts, a stretch set, standalone minutes).
Building it and summarising it run in separate child processes, so the summary's peak memory is its own.
"""

from __future__ import annotations

from bench import store_tasks
from bench.context import Context, Section
from bench.errors import Unavailable
from bench.isolate import run_isolated
from bench.report import Figure

FULL_DAYS = 30
QUICK_DAYS = 30  # building the month takes seconds, so the quick run measures the same month


def run(ctx: Context) -> list[Figure]:
    try:
        from sensorbridge.store import benchdata  # noqa: F401 - is it there at all?
    except ImportError as e:
        raise Unavailable(f"sensorbridge.store.benchdata cannot be imported: {e}") from e
    days = QUICK_DAYS if ctx.quick else FULL_DAYS
    db = ctx.scratch / "bench-month.db"
    built = run_isolated(store_tasks.build_month, 600, path=str(db), worn_days=days)
    res = run_isolated(store_tasks.summarise_month, 600, path=str(db))
    m = res.result
    runs = ", ".join(f"{s * 1000:.0f}" for s in m["seconds_runs"])
    per_day = m["db_bytes_per_worn_day"]
    return [
        Figure(
            "month summary time",
            m["seconds"] * 1000.0,
            "ms",
            f"best of {len(m['seconds_runs'])} ({runs} ms), opening the database included; "
            f"{m['worn_days']} worn days, {m['intervals']} intervals",
        ),
        Figure(
            "month summary: peak Python allocations",
            m["peak_bytes"],
            "B",
            "tracemalloc, one more untimed run",
        ),
        Figure(
            "month summary: peak RSS of the process",
            res.peak_rss_kib * 1024.0,
            "B",
            "VmHWM, fresh process",
        ),
        (
            Figure(
                "database size per worn day", per_day, "B", f"{m['db_bytes']} bytes for {m['worn_days']} days"
            )
            if per_day is not None
            else Figure.unavailable("database size per worn day", "the month has no worn day", "B")
        ),
        Figure("building the month", built.result["seconds"], "s", f"{built.result['days']} days written"),
    ]


SECTION = Section("store", "Store", run)
