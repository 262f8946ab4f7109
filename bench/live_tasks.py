"""Live cost, measured in a child process (see :mod:`bench.isolate`): two virtual clips at 104 Hz
streamed through the production BLE client (bleak over the virtual bumble stack) into the live
engine and the posture pipeline, with every packet's processing timed on the way.

Per packet there are two steps on the host: the client's consumer (decode, sequence and clock
tracking, the ImuBatch) and the live engine's handling of that batch (the pipeline, the snapshot).
Both are timed with ``perf_counter_ns`` around the real calls; nothing is replaced.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

from bench.errors import BenchError
from sensorbridge.conventions import Role
from sensorbridge.samples import ImuBatch

STARTUP_TIMEOUT_S = 60.0  # world seconds the clips get to be found, paired and streaming


Timings = dict[str, list[tuple[float, int]]]  # node -> (newest sample's host time, ns) per packet


def _timed_client(durations: Timings) -> Callable[[], None]:
    """Time ClipLink's consumer step for each stream notification; returns an undo function.

    The one place the bench wraps production code: BleSource builds its ClipLinks itself, so the
    wrapper goes on the class, in this child process only, and calls the original unchanged. Each
    timing is keyed by the host time of the newest sample the step handed out, which the live
    engine's batch carries too, so the two steps of one packet can be paired.
    """
    from sensorbridge.ble.link import ClipLink

    original = getattr(ClipLink, "_handle", None)
    if original is None:
        raise BenchError(
            "sensorbridge.ble.link.ClipLink has no _handle(kind, received, data) step to time any more",
            hint="point bench/live_tasks.py at the client's per-notification consumer step",
        )

    def handle(self: ClipLink, kind: Any, received: float, data: bytes) -> None:
        before = self.stream.last_t
        start = time.perf_counter_ns()
        original(self, kind, received, data)
        elapsed = time.perf_counter_ns() - start
        after = self.stream.last_t
        if getattr(kind, "name", "") == "STREAM" and after is not None and after != before:
            durations[self.stream.role.name.lower()].append((float(after), elapsed))

    ClipLink._handle = handle  # type: ignore[method-assign]

    def undo() -> None:
        ClipLink._handle = original  # type: ignore[method-assign]

    return undo


async def _stream(seconds: float, speed: float, scenario: str | None) -> dict[str, Any]:
    from sensorbridge.live import LiveEngine
    from sensorbridge.pipeline.live import LivePipeline
    from sensorbridge.source import SourceEvent
    from sensorbridge.virtual.clip import ClipSpec
    from sensorbridge.virtual.rig import VirtualSource

    client: Timings = {"back": [], "head": []}
    engine_steps: Timings = {"back": [], "head": []}

    class TimedEngine(LiveEngine):
        """The live engine, timing its handling of each sample batch (one per packet)."""

        measuring = False

        def handle(self, event: SourceEvent) -> None:
            start = time.perf_counter_ns()
            super().handle(event)
            elapsed = time.perf_counter_ns() - start
            if self.measuring and isinstance(event, ImuBatch) and len(event):
                engine_steps[event.role.name.lower()].append((float(event.t[-1]), elapsed))

    undo = _timed_client(client)
    try:
        source = VirtualSource([ClipSpec(Role.BACK, seed=1), ClipSpec(Role.HEAD, seed=2)], speed=speed,
                               scenario=scenario)  # fmt: skip
        engine = TimedEngine(source, LivePipeline(expect_head=True), vibrate=False)
        run = asyncio.ensure_future(engine.run())
        waited = 0.0
        while not all(engine.latest.nodes.get(r) and engine.latest.nodes[r].samples for r in Role):
            if run.done():
                await run
                raise RuntimeError("the virtual source ended before both clips streamed")
            if waited > STARTUP_TIMEOUT_S:
                raise RuntimeError(f"the clips were not both streaming after {STARTUP_TIMEOUT_S:.0f} s")
            await asyncio.sleep(0.05)
            waited += 0.05
        for v in client.values():
            v.clear()
        engine.measuring = True
        samples0 = {r: engine.latest.nodes[r].samples for r in Role}
        cpu0, wall0 = time.process_time(), time.perf_counter()
        await source.air.clock.sleep(seconds)
        cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
        samples = {r.name.lower(): engine.latest.nodes[r].samples - samples0[r] for r in Role}
        engine.stop()
        await run
    finally:
        undo()
    return {"client": client, "engine": engine_steps, "samples": samples, "cpu_s": cpu, "wall_s": wall}


def packet_costs(seconds: float, speed: float, scenario: str | None) -> dict[str, Any]:
    """Stream ``seconds`` of world time at ``speed`` x real time; every packet's two processing steps,
    as (newest sample's host time, ns) per node for the client and for the live engine."""
    return asyncio.run(_stream(seconds, speed, scenario))


def streaming_cpu(seconds: float, speed: float, scenario: str | None) -> dict[str, Any]:
    """The virtual package's own measurement of CPU per second of streaming, split by share."""
    from sensorbridge.virtual import measure_streaming_cost

    return measure_streaming_cost(seconds, speed=speed, pipeline=True, scenario=scenario)
