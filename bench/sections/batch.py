"""Batch throughput: a simulated two-clip day re-analysed end to end, beside VQF alone and a Python loop.

Each measurement runs in its own child process (peak memory does not mix between them). Memory must
not grow with the length of a recording: the project's analysis runs on a short and a long day and
the growth of its peak resident memory above the interpreter's baseline is reported.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

from bench import batch_tasks, project
from bench.context import Context, Section
from bench.isolate import ChildResult, run_isolated
from bench.metrics import rate
from bench.report import Figure

SEED = 8
REPEATS = 2  # the project and VQF on the long day: the fastest of this many runs counts


@dataclass(frozen=True)
class Plan:
    long_h: float  # the throughput day (the 8 hours)
    short_h: float  # the day the memory growth is compared against
    madgwick_slice: int  # samples the per-sample Python loop is timed over


FULL = Plan(long_h=8.0, short_h=1.0, madgwick_slice=40_000)
QUICK = Plan(long_h=0.5, short_h=0.125, madgwick_slice=5_000)


def _mib(kib: int) -> float:
    return kib / 1024.0


def _log(text: str) -> None:
    print(f"bench:   batch: {text}", file=sys.stderr, flush=True)


def fastest(runs: list[ChildResult]) -> ChildResult:
    """The run with the shortest timed part (``result["seconds"]``): the one least slowed by others."""
    if not runs:
        raise ValueError("no run to choose from")
    return min(runs, key=lambda r: float(r.result["seconds"]))


def _above_baseline(res: ChildResult) -> float:
    return max(res.peak_rss_kib - res.baseline_rss_kib, 0) * 1024.0


def run(ctx: Context) -> list[Figure]:
    project.require_day_tools()  # Unavailable, with the reason, until the simulator and analysis land
    plan = QUICK if ctx.quick else FULL
    long_path, short_path = ctx.scratch / "day_long", ctx.scratch / "day_short"
    _log(f"simulating a {plan.long_h} h day")
    day = run_isolated(batch_tasks.make_day, 1200, path=str(long_path), hours=plan.long_h, seed=SEED)
    samples = int(day.result["samples"])
    _log(f"simulating a {plan.short_h} h day")
    short = run_isolated(batch_tasks.make_day, 600, path=str(short_path), hours=plan.short_h, seed=SEED)
    ours_runs, vqf_runs = [], []
    for i in range(REPEATS):  # interleaved, so both meet the same load from whatever else runs
        _log(f"project analysis of the long day ({i + 1}/{REPEATS})")
        ours_runs.append(run_isolated(batch_tasks.analyze_day, 1200, path=str(long_path)))
        _log(f"VQF batch alone ({i + 1}/{REPEATS})")
        vqf_runs.append(run_isolated(batch_tasks.vqf_floor, 600, path=str(long_path)))
    ours, vqf = fastest(ours_runs), fastest(vqf_runs)
    _log("project analysis of the short day")
    ours_short = run_isolated(batch_tasks.analyze_day, 600, path=str(short_path))
    _log("ahrs Madgwick per-sample loop (slice)")
    loop = run_isolated(
        batch_tasks.madgwick_slice, 600, path=str(long_path), slice_samples=plan.madgwick_slice
    )

    ours_rate = rate(samples, ours.result["seconds"])
    vqf_rate = rate(int(vqf.result["samples"]), vqf.result["seconds"])
    loop_rate = rate(int(loop.result["samples"]), loop.result["seconds"])
    day_note = f"{plan.long_h:g} h, two clips, 104 Hz, {samples} samples"
    growth_long, growth_short = _above_baseline(ours), _above_baseline(ours_short)
    return [
        Figure(
            "simulated day", samples, "samples", day_note, details={"generate_seconds": day.result["seconds"]}
        ),
        Figure(
            "sensorbridge analyze: throughput",
            ours_rate,
            "samples/s",
            "read, decode, orientation, angles, states, episodes, summary; imports and a 30 s warm-up "
            f"excluded; fastest of {REPEATS} runs interleaved with VQF's",
            details=ours.result,
        ),
        Figure(
            "sensorbridge analyze: wall time",
            ours.result["seconds"],
            "s",
            f"{day_note}; of which reading and decoding the file "
            f"{ours.result['read_decode_seconds']:.2f} s, analyze() {ours.result['analyze_seconds']:.2f} s",
        ),
        Figure("sensorbridge analyze: peak RSS", ours.peak_rss_kib * 1024.0, "B", "whole child process"),
        Figure(
            "VQF batch alone (floor): throughput",
            vqf_rate,
            "samples/s",
            f"updateBatch per node, arrays in memory; fastest of {REPEATS} runs",
        ),
        Figure("VQF batch alone: wall time", vqf.result["seconds"], "s", day_note),
        Figure("VQF batch alone: peak RSS", vqf.peak_rss_kib * 1024.0, "B", "whole day's arrays in memory"),
        Figure(
            "ahrs Madgwick Python loop: throughput",
            loop_rate,
            "samples/s",
            f"timed over {int(loop.result['samples'])} samples",
        ),
        Figure(
            "ahrs Madgwick Python loop: wall time (extrapolated)",
            samples / loop_rate,
            "s",
            f"extrapolated from a {int(loop.result['samples'])}-sample slice to the {plan.long_h:g} h day",
        ),
        Figure("throughput ratio sensorbridge / VQF", ours_rate / vqf_rate, "", "target >= 0.5"),
        Figure(
            f"analysis memory above baseline: {plan.short_h:g} h day",
            growth_short,
            "B",
            f"{int(short.result['samples'])} samples",
        ),
        Figure(
            f"analysis memory above baseline: {plan.long_h:g} h day", growth_long, "B", f"{samples} samples"
        ),
        Figure(
            "memory growth long / short day",
            growth_long / growth_short if growth_short > 0 else 1.0,
            "",
            f"{plan.long_h / plan.short_h:g}x the samples; flat memory means a ratio near 1",
        ),
    ]


SECTION = Section("batch", "Batch throughput (simulated day)", run)
