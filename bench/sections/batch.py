"""Batch throughput: a simulated two-clip day re-analysed end to end, beside VQF alone and a Python loop.

Each measurement runs in its own child process (peak memory does not mix between them). Memory must
not grow with the length of a recording: the project's analysis runs on a short and a long day and
the growth of its peak resident memory above the interpreter's baseline is reported.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from bench import batch_tasks, project
from bench.attempts import Attempts
from bench.context import Context, Section
from bench.isolate import ChildResult, Task, run_isolated
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
    """Bytes the day itself added to the peak: peak RSS while it was read and analysed less the RSS once
    imports and warm-up were done (the task resets the kernel's high-water mark there when it can)."""
    ready = int(res.result.get("rss_ready_kib", res.baseline_rss_kib))
    peak = int(res.result.get("rss_peak_kib") or res.peak_rss_kib)
    return max(peak - ready, 0) * 1024.0


def _runs(attempts: Attempts, what: str, task: Task, timeout_s: float, path: Path) -> list[ChildResult]:
    res = attempts.run(what, run_isolated, task, timeout_s, path=str(path))
    return [res] if res is not None else []


def _project(res: ChildResult, samples: int, day_note: str) -> list[Figure]:
    r = res.result
    return [
        Figure(
            "sensorbridge analyze: throughput",
            rate(samples, r["seconds"]),
            "samples/s",
            "read, decode, orientation, angles, states, episodes, summary; imports and a 30 s warm-up "
            f"excluded; fastest of {REPEATS} runs interleaved with VQF's",
            details=r,
        ),
        Figure(
            "sensorbridge analyze: wall time",
            r["seconds"],
            "s",
            f"{day_note}; the file read and decoded chunk by chunk, interleaved with the analysis",
        ),
        Figure("sensorbridge analyze: peak RSS", res.peak_rss_kib * 1024.0, "B", "whole child process"),
    ]


def _vqf(res: ChildResult, day_note: str) -> list[Figure]:
    r = res.result
    return [
        Figure(
            "VQF batch alone (floor): throughput",
            rate(int(r["samples"]), r["seconds"]),
            "samples/s",
            f"updateBatch per node, arrays in memory; fastest of {REPEATS} runs",
        ),
        Figure("VQF batch alone: wall time", r["seconds"], "s", day_note),
        Figure("VQF batch alone: peak RSS", res.peak_rss_kib * 1024.0, "B", "whole day's arrays in memory"),
    ]


def _loop(res: ChildResult, samples: int, hours: float) -> list[Figure]:
    timed = int(res.result["samples"])
    loop_rate = rate(timed, res.result["seconds"])
    return [
        Figure(
            "ahrs Madgwick Python loop: throughput", loop_rate, "samples/s", f"timed over {timed} samples"
        ),
        Figure(
            "ahrs Madgwick Python loop: wall time (extrapolated)",
            samples / loop_rate,
            "s",
            f"extrapolated from a {timed}-sample slice to the {hours:g} h day",
        ),
    ]


_MEMORY_NOTE = (
    "peak RSS while reading and analysing the day (VmHWM, reset after imports and the warm-up) less the "
    "RSS then: what the day added"
)


def _memory_note(res: ChildResult) -> str:
    """The note, with the share of the result's timeline (kept at the JSON's rate: output, not working
    memory)."""
    tl = res.result.get("timeline_bytes")
    hz = res.result.get("timeline_hz")
    rate_note = f" at {hz:g} Hz" if hz is not None else ""
    return (
        _MEMORY_NOTE
        if tl is None
        else f"{_MEMORY_NOTE}; of it the result's timeline{rate_note} {tl / 2**20:.2f} MiB"
    )


def _memory(long: ChildResult, short: ChildResult, plan: Plan) -> list[Figure]:
    grow_long, grow_short = _above_baseline(long), _above_baseline(short)
    return [
        Figure(
            f"analysis memory for the day: {plan.short_h:g} h",
            grow_short,
            "B",
            _memory_note(short),
        ),
        Figure(f"analysis memory for the day: {plan.long_h:g} h", grow_long, "B", _memory_note(long)),
        Figure(
            "memory growth long / short day",
            grow_long / grow_short if grow_short > 0 else 1.0,
            "",
            f"{plan.long_h / plan.short_h:g}x the samples; flat memory means a ratio near 1",
        ),
    ]


def _opening(res: ChildResult, hours: float) -> Figure:
    return Figure(
        f"of the analysis memory, opening the recording: {hours:g} h",
        max(int(res.result["rss_added_kib"]), 0) * 1024.0,
        "B",
        f"resident memory the reader's first pass alone added and kept (its runs of records, "
        f"{res.result['packets']} packets; the mapped pages read for the checksums are released as it "
        f"goes), own process, {res.result['seconds']:.2f} s",
    )


def run(ctx: Context) -> list[Figure]:
    project.require_day_tools()  # Unavailable, with the reason, until the simulator and analysis land
    plan = QUICK if ctx.quick else FULL
    long_path, short_path = ctx.scratch / "day_long", ctx.scratch / "day_short"
    _log(f"simulating a {plan.long_h:g} h day")
    day = run_isolated(batch_tasks.make_day, 1200, path=str(long_path), hours=plan.long_h, seed=SEED)
    samples = int(day.result["samples"])
    day_note = f"{plan.long_h:g} h, two clips, 104 Hz, {samples} samples"
    figures = [
        Figure(
            "simulated day", samples, "samples", day_note, details={"generate_seconds": day.result["seconds"]}
        )
    ]
    attempts = Attempts()
    ours_runs: list[ChildResult] = []
    vqf_runs: list[ChildResult] = []
    for i in range(REPEATS):  # interleaved, so both meet the same load from whatever else runs
        _log(f"project analysis of the long day, then VQF alone ({i + 1}/{REPEATS})")
        ours_runs += _runs(attempts, "sensorbridge analyze", batch_tasks.analyze_day, 1200, long_path)
        vqf_runs += _runs(attempts, "VQF batch", batch_tasks.vqf_floor, 600, long_path)
    if ours_runs:
        figures += _project(fastest(ours_runs), samples, day_note)
    if vqf_runs:
        figures += _vqf(fastest(vqf_runs), day_note)
    _log("ahrs Madgwick per-sample loop (slice)")
    loop = attempts.run("ahrs Madgwick loop", run_isolated, batch_tasks.madgwick_slice, 600,
                        path=str(long_path), slice_samples=plan.madgwick_slice)  # fmt: skip
    if loop is not None:
        figures += _loop(loop, samples, plan.long_h)
    if ours_runs and vqf_runs:
        ours, vqf = fastest(ours_runs).result, fastest(vqf_runs).result
        ratio = rate(samples, ours["seconds"]) / rate(int(vqf["samples"]), vqf["seconds"])
        figures.append(Figure("throughput ratio sensorbridge / VQF", ratio, "", "target >= 0.5"))
    _log(f"simulating a {plan.short_h:g} h day and analysing it")
    short_day = attempts.run("short day", run_isolated, batch_tasks.make_day, 600, path=str(short_path),
                             hours=plan.short_h, seed=SEED)  # fmt: skip
    if short_day is not None and ours_runs:
        short = _runs(attempts, "sensorbridge analyze (short day)", batch_tasks.analyze_day, 600, short_path)
        if short:
            figures += _memory(fastest(ours_runs), short[0], plan)
    _log("opening each day's recording alone (the reader's index)")
    for hours, path in ((plan.short_h, short_path), (plan.long_h, long_path)):
        if path.exists():
            opened = _runs(attempts, f"open the {hours:g} h recording", batch_tasks.open_day, 600, path)
            figures += [_opening(res, hours) for res in opened]
    return attempts.finish(figures)


SECTION = Section("batch", "Batch throughput (simulated day)", run)
