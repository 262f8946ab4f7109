"""The batch-throughput measurements, each run alone in a child process by :mod:`bench.isolate`.

Every task gets the folder of a simulated day's recording (written by :func:`make_day`) and returns plain
numbers: how many samples it processed, the wall time of the timed part only, and what it measured.
Loading the day for the anchors is outside their timed part; the project's end-to-end analysis
(``sensorbridge analyze``'s chunked path) times everything from opening the file to the day's summary.
"""

from __future__ import annotations

import dataclasses
import resource
import time
from pathlib import Path
from typing import Any

import numpy as np

from bench import project

MADGWICK_RATE_HZ = 104.0
TIMELINE_HZ = 1.0  # ``sensorbridge analyze --timeline-hz``'s default


def make_day(path: str, hours: float, seed: int) -> dict[str, Any]:
    """Simulate a two-clip day of ``hours`` at 104 Hz into the folder ``path``."""
    start = time.perf_counter()
    samples = project.simulate_day(path, hours, seed)
    return {"samples": samples, "seconds": time.perf_counter() - start}


def analyze_day(path: str) -> dict[str, Any]:
    """The project's end-to-end re-analysis as ``sensorbridge analyze RECORDING`` runs it: the file read
    and decoded chunk by chunk, interleaved with orientation, angles, states, episodes and the summary."""
    start = time.perf_counter()
    result = _analyze_chunked(path)  # times itself, from opening the file to the summary
    return {"seconds_with_imports": time.perf_counter() - start, **result}


def _analyze_chunked(folder: str) -> dict[str, Any]:
    import sensorbridge.recording  # noqa: F401 - imported lazily by the command; imports are not timed
    from sensorbridge.commands.analyze import analyze_recording
    from sensorbridge.pipeline.analysis import analyze

    warm = time.perf_counter()
    analyze(*project._still_pair(project.WARM_UP_S))  # one-off first-call costs, not per sample
    warm_seconds = time.perf_counter() - warm
    peak_before = _status_kib("VmHWM")
    if _reset_peak_rss():  # from here the kernel's high-water mark is the analysis's own peak
        rss_ready = _status_kib("VmRSS")
    else:
        rss_ready = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux: imports, warm-up
        peak_before = 0
    start = time.perf_counter()
    # The command's default: the JSON's timeline at 1 Hz is all of the timeline it keeps.
    analysis = analyze_recording(Path(folder) / project.RECORDING_NAME, timeline_hz=TIMELINE_HZ)
    seconds = time.perf_counter() - start
    peak = _status_kib("VmHWM") if peak_before else None  # the analysis's own peak (KiB)
    return {
        "samples": sum(
            analysis.samples[f"{r}_in"] for r in ("back", "head") if f"{r}_in" in analysis.samples
        ),
        "seconds": seconds,
        "warm_up_seconds": warm_seconds,
        "rss_ready_kib": rss_ready,
        "rss_peak_kib": peak,
        "rss_peak_before_reset_kib": peak_before,  # imports and warm-up: the whole process's peak
        "timeline_bytes": sum(
            a.nbytes for a in vars(analysis.timeline).values() if isinstance(a, np.ndarray)
        ),
        "timeline_hz": analysis.timeline_hz,
        "summary": dataclasses.asdict(analysis.summary),
    }


def _status_kib(field: str) -> int:
    """``VmRSS`` (the resident set now) or ``VmHWM`` (its peak) from /proc/self/status, KiB; 0 without."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            return next((int(line.split()[1]) for line in f if line.startswith(f"{field}:")), 0)
    except OSError:
        return 0


def _rss_kib() -> int:
    """The resident set now (KiB, Linux): unlike the peak, it shows what a step adds below an earlier peak."""
    return _status_kib("VmRSS")


def _reset_peak_rss() -> bool:
    """Reset the kernel's peak resident set (``VmHWM``) to the resident set now (Linux 4.0+), so the
    analysis's peak is measured from where it starts, not hidden under the imports' earlier peak."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as f:
            f.write("5")
    except OSError:
        return False
    return _status_kib("VmHWM") > 0


def open_day(path: str) -> dict[str, Any]:
    """Only what opening the day's recording costs: the reader's first pass (every record's layout
    and checksum, over the mapped file; it keeps the runs of records) and counting each node's packets."""
    from sensorbridge.recording import RecordingReader

    before = _rss_kib()
    start = time.perf_counter()
    reader = RecordingReader.open(Path(path) / project.RECORDING_NAME)
    packets = sum(int(b[0].size) for role in reader.roles() for b in reader.packet_blocks(role, 4096))
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "packets": packets, "rss_added_kib": _rss_kib() - before}


def vqf_floor(path: str) -> dict[str, Any]:
    """VQF's batch update alone over each node of the day: the floor any VQF-based pipeline sits on."""
    from vqf import VQF

    nodes = project.load_day(path)
    seconds = 0.0
    samples = 0
    for batch in nodes:
        filt = VQF(1.0 / MADGWICK_RATE_HZ)
        start = time.perf_counter()
        filt.updateBatch(batch.gyr, batch.acc)
        seconds += time.perf_counter() - start
        samples += len(batch)
    return {"seconds": seconds, "samples": samples}


def madgwick_slice(path: str, slice_samples: int) -> dict[str, Any]:
    """A hand-rolled per-sample Python loop with ahrs' Madgwick, timed over a slice of the back clip.

    Returns the slice's time; the caller extrapolates to the whole day (and says so).
    """
    from ahrs.filters import Madgwick

    from bench.anchors import MADGWICK_GAIN

    back = project.load_day(path)[0]
    gyr, acc = back.gyr[:slice_samples], back.acc[:slice_samples]
    filt = Madgwick(frequency=MADGWICK_RATE_HZ, gain=MADGWICK_GAIN)
    q = [1.0, 0.0, 0.0, 0.0]
    start = time.perf_counter()
    for i in range(gyr.shape[0]):  # what a script would do: one update call per sample
        q = filt.updateIMU(q, gyr=gyr[i], acc=acc[i])
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "samples": int(gyr.shape[0])}
