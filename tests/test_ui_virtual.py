"""The dashboard over the real stack: virtual clips on bumble, the BLE client, the live engine, the
pipeline and the store, through the same app factory and the Pilot.

The virtual world runs faster than real time; each step waits for the live engine's own updates
until a condition holds (with a generous deadline), never for a fixed time.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from pathlib import Path

from textual.widgets import Static

from sensorbridge.config import Config
from sensorbridge.conventions import Role
from sensorbridge.live import LiveSnapshot
from sensorbridge.live_store import StoreSink
from sensorbridge.posture import PostureState
from sensorbridge.source import LinkState
from sensorbridge.store.store import Store
from sensorbridge.ui.app import build_app
from sensorbridge.ui.live_adapter import LiveDashboardEngine
from sensorbridge.ui.model import CalibrationPhase, StretchFault
from sensorbridge.ui.summaries import FixedSummaries
from sensorbridge.ui.widgets.link_panel import LinkPanel
from sensorbridge.ui.widgets.state_badge import StateBadge
from sensorbridge.virtual.clip import ClipSpec
from sensorbridge.virtual.rig import VirtualSource
from tests.test_ui_support import TODAY, plain

DEADLINE_S = 180.0
SPEED = 6.0  # world seconds per wall second


async def until(engine: LiveDashboardEngine, condition: Callable[[], bool]) -> None:
    """Wait for live-engine updates until ``condition`` holds."""
    if condition():
        return
    async with asyncio.timeout(DEADLINE_S):
        async for _ in engine.live_engine.updates():
            if condition():
                return


def calibrate_on_cue(engine: LiveDashboardEngine, after_s: float = 1.5) -> None:
    """Start the calibration from the engine's own update ``after_s`` into the stream, once."""
    first_t: list[float] = []

    def cue(snap: LiveSnapshot) -> None:
        back = snap.nodes.get(Role.BACK)
        if back is None or back.last_t is None or len(first_t) > 1:
            return
        if not first_t:
            first_t.append(back.last_t)
        elif back.last_t - first_t[0] >= after_s:
            first_t.append(back.last_t)
            engine.start_calibration()

    engine.live_engine.subscribe(cue)


async def test_virtual_clips_through_the_dashboard(tmp_path: Path) -> None:
    source = VirtualSource(
        [ClipSpec(Role.BACK, seed=1), ClipSpec(Role.HEAD, seed=2)],
        scenario="interactive",
        seed=3,
        speed=SPEED,
    )
    store = Store.open(tmp_path / "db.sqlite")
    engine = LiveDashboardEngine(
        source,
        expect_head=True,
        wearer=source.request,
        sink=StoreSink(store, source="dashboard"),
    )
    app = build_app(Config(bell=True, vibrate=True), engine, FixedSummaries([]), refresh_hz=0, today=TODAY)
    # The interactive wearer starts with the neutral hold and the forward bend (about 1-15 s of
    # world time). Calibration starts from the engine's own update, 1.5 s in, so that a slow machine
    # cannot make a key press land late (world time runs 6x faster than the test's wall clock).
    calibrate_on_cue(engine)
    async with app.run_test(size=(120, 40)) as pilot:

        def both_streaming() -> bool:
            links = engine.live().links
            return len(links) == 2 and all(
                link.state is LinkState.STREAMING and (link.rate_hz or 0) > 90 for link in links
            )

        await until(engine, both_streaming)
        await until(engine, lambda: engine.live().posture is not None)
        app.refresh_from_engine()
        await pilot.pause()
        links = plain(app.screen.query_one(LinkPanel))
        assert links.count("streaming") >= 2
        assert "Hz" in links

        await pilot.press("c")
        await until(
            engine, lambda: engine.calibration().phase in (CalibrationPhase.DONE, CalibrationPhase.FAILED)
        )
        app.refresh_from_engine()
        await pilot.pause()
        outcome = engine.calibration()
        assert outcome.phase is CalibrationPhase.DONE, outcome
        assert "Calibrated" in plain(app.screen.query_one("#calibrate-step", Static))
        await pilot.press("l")

        await pilot.press("S")  # the virtual wearer slouches
        await until(engine, lambda: engine.live().slouch_s > 0)
        app.refresh_from_engine()
        await pilot.pause()
        assert "leaning forward for" in plain(app.screen.query_one(StateBadge))

        await until(
            engine, lambda: engine.live().state is PostureState.SLOUCHED and engine.live().alert is not None
        )
        app.refresh_from_engine()  # the app sees the alert: bell and a buzz through the BLE client
        await pilot.pause()
        assert app.bells == 1
        await until(engine, lambda: engine.live_engine.latest.alerts_sent >= 1)
        buzzes = source.clips[Role.BACK].vibrations
        assert len(buzzes) == 1

    # Leaving the app stopped the engine and closed the session: the day is in the store.
    conn = sqlite3.connect(tmp_path / "db.sqlite")
    states = {row[0] for row in conn.execute("SELECT state FROM intervals")}
    alerts = conn.execute("SELECT COUNT(*) FROM alerts").fetchone()[0]
    calibrations = conn.execute("SELECT COUNT(*) FROM calibrations").fetchone()[0]
    ended = conn.execute("SELECT COUNT(*) FROM sessions WHERE ended_at IS NOT NULL").fetchone()[0]
    conn.close()
    store.close()
    assert {"upright", "slouched"} <= states
    assert alerts >= 1
    assert calibrations == 2  # back and head
    assert ended == 1


async def test_a_badly_done_stretch_set_through_the_real_pipeline(tmp_path: Path) -> None:
    source = VirtualSource(
        [ClipSpec(Role.BACK, seed=4), ClipSpec(Role.HEAD, seed=5)],
        scenario="interactive",
        seed=6,
        speed=SPEED,
    )
    store = Store.open(tmp_path / "db.sqlite")
    engine = LiveDashboardEngine(source, expect_head=True, wearer=source.request, sink=StoreSink(store))
    app = build_app(Config(bell=False, vibrate=False), engine, FixedSummaries([]), refresh_hz=0, today=TODAY)
    calibrate_on_cue(engine)  # as above: the scripted calibration, on time
    async with app.run_test(size=(120, 40)) as pilot:
        await until(engine, lambda: engine.calibration().phase is CalibrationPhase.DONE)
        await pilot.press("s", "enter")  # chin tuck
        form = {StretchFault.HEAD_JUT, StretchFault.TRUNK_COMPENSATION}
        longest_hold = [0.0]  # what the countdown showed, seen at every engine update

        def watch_hold(_: LiveSnapshot) -> None:
            longest_hold[0] = max(longest_hold[0], _hold(engine))

        engine.live_engine.subscribe(watch_hold)
        await pilot.press("g")  # one good rep: the hold countdown runs while in the band
        done_at = _rep_done_at(source)
        await until(engine, lambda: _stream_t(engine) > done_at)
        assert longest_hold[0] >= 5.0
        for _ in range(8):  # each press: one rep with one planted fault (seeded)
            await pilot.press("b")
            done_at = _rep_done_at(source)
            await until(engine, lambda t=done_at: _stream_t(engine) > t)
            seen = {StretchFault(f) for f in engine._tap.set_faults if f in set(StretchFault)}
            if StretchFault.TOO_SHORT in seen and seen & form:
                break
        await pilot.press("escape")  # stop: the set is verified, summarised and stored
        app.refresh_from_engine()
        await pilot.pause()
        view = engine.stretch()
        assert view is not None
        assert view.finished
        assert view.verifiable
        faults = [set(r.faults) for r in view.results]
        assert any(StretchFault.TOO_SHORT in f for f in faults)
        assert any(f & form for f in faults)
        text = " ".join(plain(app.screen.query_one("#stretch-now", Static)).split())
        assert "Set stored." in text
        assert "released before 5 s" in text
        assert "✔ rep" in text  # the good rep
        assert "✘ rep" in text  # and the faulty ones
    conn = sqlite3.connect(tmp_path / "db.sqlite")
    stored = conn.execute("SELECT exercise, attempts FROM stretch_sets").fetchall()
    conn.close()
    store.close()
    assert stored == [("chin_tuck", len(view.results))]


def _hold(engine: LiveDashboardEngine) -> float:
    view = engine.stretch()
    return 0.0 if view is None else view.hold_s


def _rep_done_at(source: VirtualSource) -> float:
    """Stream time (host seconds) by which the rep just asked for is over, with a second to spare."""
    wearer = source.wearer
    assert wearer is not None
    now = wearer.now()
    return source.air.clock.now() + max(0.0, wearer.timeline.end() - now) + 1.0


def _stream_t(engine: LiveDashboardEngine) -> float:
    latest = engine._tap.latest
    return float("-inf") if latest is None else latest.t
