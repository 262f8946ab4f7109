"""What streaming costs the host: CPU seconds per second of streaming, two clips at 104 Hz, split
between the virtual stack (clips, bumble on both sides, the bleak backend) and the client (the
production BLE code and codec), and the posture pipeline behind it.

Two runs of the same stream: one plain, timed with ``time.process_time`` (the total), one under
cProfile to split it. Time spent in C functions (numpy, struct) is charged to the Python file that
called them, using cProfile's per-caller figures; asyncio's own loop overhead is its own share.
"""

from __future__ import annotations

import asyncio
import cProfile
import pstats
import time
from typing import Any, Final

from sensorbridge.conventions import Role
from sensorbridge.virtual.clip import ClipSpec
from sensorbridge.virtual.rig import VirtualSource
from sensorbridge.virtual.timeloop import run_virtual

SHARES: Final = ("virtual_stack", "client", "pipeline", "event_loop", "other")

_RULES: Final = [
    ("/sensorbridge/virtual/", "virtual_stack"),
    ("/sensorbridge/sim/", "virtual_stack"),
    ("/bumble/", "virtual_stack"),
    ("/pyee/", "virtual_stack"),  # bumble's event emitter
    ("/bleak/", "virtual_stack"),  # bleak's front end only forwards to the bumble backend here
    ("/sensorbridge/ble/", "client"),
    ("/sensorbridge/protocol.py", "client"),
    ("/sensorbridge/samples.py", "client"),
    ("/sensorbridge/source.py", "client"),
    ("/sensorbridge/pipeline/", "pipeline"),
    ("/sensorbridge/live.py", "pipeline"),
    ("/calibration/", "pipeline"),
    ("/vqf/", "pipeline"),
    ("/asyncio/", "event_loop"),
    ("/selectors.py", "event_loop"),
]


# General-purpose code: its time is charged to whoever called it.
_PASS_THROUGH: Final = (
    "/numpy/",
    "/scipy/",
    "/sensorbridge/conventions.py",
    "/logging/",
    "/dataclasses.py",
    "/typing.py",
    "/enum.py",
    "/functools.py",
    "/copy.py",
    "/abc.py",
)


def _share_of(filename: str) -> str | None:
    """Which share a Python file belongs to; None for C functions and general libraries, whose
    time belongs to their callers."""
    path = filename.replace("\\", "/")
    if filename == "~" or filename.startswith("<") or any(p in path for p in _PASS_THROUGH):
        return None
    for needle, share in _RULES:
        if needle in path:
            return share
    return "other"


def split_profile(stats: pstats.Stats, max_depth: int = 6) -> dict[str, float]:
    """Own time (s) per share. A C function's or a general library's own time goes to its callers,
    in proportion to the time each call edge took, up the call graph until a share is found."""
    out = dict.fromkeys(SHARES, 0.0)
    raw: dict[Any, Any] = stats.stats  # type: ignore[attr-defined]

    def charge(func: Any, amount: float, depth: int) -> None:
        share = _share_of(func[0])
        if share is not None:
            out[share] += amount
            return
        callers = raw.get(func, (0, 0, 0.0, 0.0, {}))[4]
        weights = {c: edge[3] for c, edge in callers.items()}
        total = sum(weights.values())
        if depth >= max_depth or total <= 0.0:
            out["other"] += amount
            return
        for caller, w in weights.items():
            charge(caller, amount * w / total, depth + 1)

    for func, (_cc, _nc, tt, _ct, _callers) in raw.items():
        if tt > 0.0:
            charge(func, tt, 0)
    return out


async def _stream(seconds: float, speed: float, with_pipeline: bool, scenario: str | None) -> dict[str, int]:
    from sensorbridge.live import LiveEngine

    specs = [ClipSpec(Role.BACK, seed=1), ClipSpec(Role.HEAD, seed=2)]
    source = VirtualSource(specs, scenario=scenario, speed=speed)
    estimator = None
    if with_pipeline:
        from sensorbridge.pipeline.live import LivePipeline

        estimator = LivePipeline(expect_head=True)
    engine = LiveEngine(source, estimator, vibrate=False)
    run = asyncio.ensure_future(engine.run())
    while not source.clips or source.connected_roles() != {Role.BACK, Role.HEAD}:
        if run.done():
            await run
            raise RuntimeError("the virtual source ended before streaming")
        await asyncio.sleep(0.02)
    start = {r: n.samples for r, n in engine.latest.nodes.items()}
    await source.air.clock.sleep(seconds)
    counts = {
        r.name.lower(): engine.latest.nodes[r].samples - start.get(r, 0) for r in (Role.BACK, Role.HEAD)
    }
    engine.stop()
    await run
    return counts


def measure_streaming_cost(
    seconds: float = 30.0,
    *,
    speed: float = 2.0,
    pipeline: bool = True,
    scenario: str | None = None,
    virtual_time: bool = False,
) -> dict[str, Any]:
    """Stream two virtual clips at 104 Hz for ``seconds`` of stream time and report host CPU.

    Returns ``cpu_s_per_s`` (total CPU seconds per second of streaming, unprofiled), the same split
    into ``shares`` (fractions and ``per_s`` CPU seconds per second for each of
    :data:`SHARES`), the samples received per node, and the settings. ``scenario`` drives the clips
    from the wearer simulator (its cost then counts in the virtual stack); by default a light
    stand-in wearer. ``virtual_time`` runs on the virtual-time loop: no waiting, so a long stream
    is measured quickly (``speed`` then does not matter); the CPU work is the same.
    """
    if seconds <= 0 or speed <= 0:
        raise ValueError(f"seconds and speed must be positive, got {seconds} and {speed}")
    t0 = time.process_time()
    w0 = time.perf_counter()
    runner = run_virtual if virtual_time else asyncio.run
    counts = runner(_stream(seconds, speed, pipeline, scenario))
    cpu = time.process_time() - t0
    wall = time.perf_counter() - w0
    profiler = cProfile.Profile(time.process_time)  # CPU time: waiting in select() is not cost
    profiler.enable()
    runner(_stream(seconds, speed, pipeline, scenario))
    profiler.disable()
    split = split_profile(pstats.Stats(profiler))
    total_profiled = sum(split.values()) or 1.0
    fractions = {k: v / total_profiled for k, v in split.items()}
    cpu_per_s = cpu / seconds
    return {
        "seconds": seconds,
        "speed": speed,
        "pipeline": pipeline,
        "scenario": scenario,
        "virtual_time": virtual_time,
        "samples": counts,
        "cpu_s": round(cpu, 4),
        "wall_s": round(wall, 3),
        "cpu_s_per_s": round(cpu_per_s, 5),
        "shares": {
            k: {"fraction": round(f, 4), "per_s": round(f * cpu_per_s, 5)} for k, f in fractions.items()
        },
    }
