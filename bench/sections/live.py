"""Live cost: two virtual clips at 104 Hz through the production client, the live engine and the
pipeline. Per-packet processing time (p50, p99) and CPU per second of streaming, with and without
the virtual BLE stack's share. Each measurement runs in its own child process.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from bench import live_tasks
from bench.attempts import Attempts
from bench.context import Context, Section
from bench.errors import BenchError, Unavailable
from bench.isolate import run_isolated
from bench.metrics import percentile
from bench.report import Figure

SCENARIO = "desk_day"  # the clips stream the simulated wearer's desk day, not a still stand-in


@dataclass(frozen=True)
class Plan:
    seconds: float  # of streaming (world time)
    speed: float  # world time per wall second


FULL = Plan(seconds=60.0, speed=2.0)
QUICK = Plan(seconds=16.0, speed=2.0)


def packet_figures(
    client: Mapping[str, Sequence[Sequence[float]]], engine: Mapping[str, Sequence[Sequence[float]]]
) -> list[Figure]:
    """p50 and p99 (ms) of the client's step, the engine's step, and both together per packet.

    ``client`` and ``engine`` map a node to ``(key, ns)`` per packet, the key being the host time of
    the packet's newest sample: a packet's total pairs the two steps with the same key. Packets
    timed by only one step (in flight when the measurement started or stopped) count in that step's
    percentiles but not in the total.
    """
    steps = {"client": client, "live engine + pipeline": engine}
    ms = {
        k: np.array([ns for rows in v.values() for _, ns in rows], dtype=np.float64) / 1e6
        for k, v in steps.items()
    }
    if any(arr.size == 0 for arr in ms.values()):
        raise BenchError("no packet was timed", hint="check that the virtual clips streamed")
    what = {
        "client": "decode, sequence and clock tracking",
        "live engine + pipeline": "LiveEngine.handle of the packet's batch",
    }
    figures = []
    for name, arr in ms.items():
        note = f"{what[name]}; {arr.size} packets"
        figures.append(Figure(f"per packet, {name}: p50", percentile(arr, 50), "ms", note))
        figures.append(Figure(f"per packet, {name}: p99", percentile(arr, 99), "ms", note))
    totals = []
    for role, rows in client.items():
        by_key = {key: ns for key, ns in engine.get(role, [])}
        totals += [ns + by_key[key] for key, ns in rows if key in by_key]
    total = np.asarray(totals, dtype=np.float64) / 1e6
    for q in (50, 99):
        name = f"per packet, total: p{q}"
        if total.size:
            note = f"client + engine for the same packet; {total.size} packets timed by both"
            figures.append(Figure(name, percentile(total, q), "ms", note))
        else:
            figures.append(Figure.unavailable(name, "no packet was timed by both steps", "ms"))
    return figures


def _cpu_figures(res: dict[str, Any]) -> list[Figure]:
    """The virtual package's CPU measurement: the total and the total without the virtual stack."""
    per_s = float(res["cpu_s_per_s"])
    shares = {k: float(v["per_s"]) for k, v in res["shares"].items()}
    without = per_s - shares.get("virtual_stack", 0.0)
    split = ", ".join(f"{k} {v * 1000:.1f} ms" for k, v in shares.items())
    note = (
        f"sensorbridge.virtual.measure_streaming_cost, {res['seconds']:g} s at {res['speed']:g}x, connecting "
        f"included; per second of streaming: {split} (its cProfile split)"
    )
    return [
        Figure(
            "CPU per second of streaming, with the virtual stack", per_s * 1000.0, "ms/s", note, details=res
        ),
        Figure(
            "CPU per second of streaming, without the virtual stack", without * 1000.0, "ms/s", "the same run"
        ),
    ]


def _stream_figures(r: dict[str, Any], plan: Plan) -> list[Figure]:
    figures = packet_figures(r["client"], r["engine"])
    timed_s = sum(ns for step in (r["client"], r["engine"]) for rows in step.values() for _, ns in rows) / 1e9
    counts = " + ".join(f"{n} {role}" for role, n in r["samples"].items())
    stream_note = f"{plan.seconds:g} s of streaming at {plan.speed:g}x, {counts} samples"
    return [
        *figures,
        Figure(
            "process CPU per second of streaming (whole process)",
            r["cpu_s"] / plan.seconds * 1000.0,
            "ms/s",
            f"virtual clips, bumble, bleak backend, client, engine, pipeline; {stream_note}",
        ),
        Figure(
            "client + engine + pipeline per second of streaming (timed steps)",
            timed_s / plan.seconds * 1000.0,
            "ms/s",
            "sum of the per-packet steps above, without the virtual stack and the event loop",
        ),
    ]


def run(ctx: Context) -> list[Figure]:
    try:
        from sensorbridge.virtual import rig  # noqa: F401 - is the virtual stack there at all?
    except ImportError as e:
        raise Unavailable(f"the virtual BLE stack cannot be imported: {e}") from e
    plan = QUICK if ctx.quick else FULL
    attempts = Attempts()
    figures: list[Figure] = []
    limit = 120 + 3 * plan.seconds / plan.speed
    res = attempts.run("per-packet timing", run_isolated, live_tasks.packet_costs, limit,
                       seconds=plan.seconds, speed=plan.speed, scenario=SCENARIO)  # fmt: skip
    if res is not None:
        figures += attempts.run("per-packet figures", _stream_figures, res.result, plan) or []
    try:
        from sensorbridge.virtual import measure_streaming_cost  # noqa: F401 - is it there at all?
    except ImportError as e:
        reason = f"sensorbridge.virtual has no measure_streaming_cost: {e}"
        figures.append(Figure.unavailable("CPU per second of streaming, split by share", reason, "ms/s"))
        return attempts.finish(figures)
    # It streams twice (plain, then under cProfile): half the seconds each, so the section's time holds.
    cpu_s = plan.seconds / 2
    limit = 90 + 4 * cpu_s / plan.speed
    cpu = attempts.run("measure_streaming_cost", run_isolated, live_tasks.streaming_cpu, limit,
                       seconds=cpu_s, speed=plan.speed, scenario=SCENARIO)  # fmt: skip
    if cpu is not None:
        figures += attempts.run("its CPU figures", _cpu_figures, cpu.result) or []
    return attempts.finish(figures)


SECTION = Section("live", "Live cost (two clips, 104 Hz)", run)
