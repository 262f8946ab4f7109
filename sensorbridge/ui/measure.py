"""What the dashboard costs: CPU per second and frames per second, with and without the app.

``measure_dashboard(make_source, seconds)`` runs the real app headless (Textual composes and renders
every frame as in a terminal, it only skips writing them out) over a fresh source for ``seconds`` of
wall time, then the same live engine and pipeline over another fresh source without the app. CPU is
the whole process's (``time.process_time``: every thread), so the difference is the app's share.
The source comes from the caller (e.g. ``VirtualSource``), which keeps the radio out of this package.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

from sensorbridge.config import Config
from sensorbridge.live import LiveEngine
from sensorbridge.pipeline.live import LivePipeline
from sensorbridge.source import SampleSource
from sensorbridge.ui.app import DEFAULT_REFRESH_HZ, build_app
from sensorbridge.ui.live_adapter import LiveDashboardEngine
from sensorbridge.ui.summaries import FixedSummaries
from sensorbridge.ui.widgets.gauges import AngleGauges


async def _with_app(source: SampleSource, seconds: float, refresh_hz: float, head: bool) -> dict[str, float]:
    engine = LiveDashboardEngine(source, expect_head=head)
    app = build_app(Config(bell=False, vibrate=False), engine, FixedSummaries([]), refresh_hz=refresh_hz)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        gauges = app.screen.query_one(AngleGauges)
        frames0, renders0, samples0 = app.frames, gauges.renders, engine._tap.samples
        cpu0, wall0 = time.process_time(), time.perf_counter()
        await asyncio.sleep(seconds)
        cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
        frames, renders = app.frames - frames0, gauges.renders - renders0
        samples = engine._tap.samples - samples0
    return {
        "cpu_s_per_s": cpu / wall,
        "frames_per_s": frames / wall,
        "gauge_renders_per_s": renders / wall,
        "samples_per_s": samples / wall,
    }


async def _without_app(source: SampleSource, seconds: float, head: bool) -> dict[str, float]:
    counted = [0]

    class Counting(LivePipeline):
        def update(self, batch: Any) -> Any:
            counted[0] += len(batch)
            return super().update(batch)

    engine = LiveEngine(source, Counting(expect_head=head), vibrate=False)
    task = asyncio.create_task(engine.run())
    await asyncio.sleep(min(2.0, seconds))  # connect and settle before the clock starts
    cpu0, wall0, samples0 = time.process_time(), time.perf_counter(), counted[0]
    await asyncio.sleep(seconds)
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    samples = counted[0] - samples0
    engine.stop()
    await task
    return {"cpu_s_per_s": cpu / wall, "samples_per_s": samples / wall}


def measure_dashboard(
    make_source: Callable[[], SampleSource],
    seconds: float = 30.0,
    *,
    refresh_hz: float = DEFAULT_REFRESH_HZ,
    head: bool = True,
) -> dict[str, Any]:
    """CPU seconds per second of the app over a source, of the same stack without the app, and
    the app's own share; frames the app pushed and gauge renders per second."""
    if not seconds > 0:
        raise ValueError(f"seconds must be > 0, got {seconds}")
    with_app = asyncio.run(_with_app(make_source(), seconds, refresh_hz, head))
    without = asyncio.run(_without_app(make_source(), seconds, head))
    return {
        "seconds": seconds,
        "refresh_hz": refresh_hz,
        "with_app": with_app,
        "without_app": without,
        "app_share_cpu_s_per_s": with_app["cpu_s_per_s"] - without["cpu_s_per_s"],
    }
