"""The layout of each screen at a fixed terminal size (120x40), as SVG snapshots.

The scripted engine makes every frame exact; no widget on these screens blinks a cursor.
Update after a deliberate change with ``pytest tests/test_ui_snapshots.py --snapshot-update``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from textual.pilot import Pilot

from sensorbridge.conventions import Role
from sensorbridge.source import LinkState
from sensorbridge.ui.app import SensorbridgeApp
from sensorbridge.ui.scripted import ScriptedEngine
from tests.test_ui_support import make_app

SIZE = (120, 40)
Compare = Callable[..., bool]


def _driver(engine: ScriptedEngine, *steps: tuple[str, object]) -> Callable[[Pilot[None]], Awaitable[None]]:
    """A run_before that presses keys and moves the scripted world on, in order."""

    async def run(pilot: Pilot[None]) -> None:
        app = pilot.app
        assert isinstance(app, SensorbridgeApp)
        for kind, arg in steps:
            if kind == "keys":
                assert isinstance(arg, tuple)
                await pilot.press(*arg)
            elif kind == "advance":
                assert isinstance(arg, float)
                engine.advance(arg)
            else:
                assert callable(arg)
                arg(engine)
            app.refresh_from_engine()
            await pilot.pause()
        await app.workers.wait_for_complete()  # e.g. the summary, loaded in a worker thread
        await pilot.pause()
        app.clear_notifications()  # toasts time out by the clock; keep them out of the picture
        await pilot.pause()

    return run


def test_live_slouching_with_alert(snap_compare: Compare) -> None:
    app, engine = make_app(bell=False)
    run = _driver(engine, ("advance", 200.0), ("keys", ("S",)), ("advance", 40.0))
    assert snap_compare(app, terminal_size=SIZE, run_before=run)


def test_live_head_clip_lost(snap_compare: Compare) -> None:
    app, engine = make_app()

    def drop(e: object) -> None:
        assert isinstance(e, ScriptedEngine)
        e.set_link(Role.HEAD, LinkState.BACKOFF, "link lost; retrying in 2 s", dropped=52)

    run = _driver(engine, ("advance", 30.0), ("call", drop), ("advance", 1.0))
    assert snap_compare(app, terminal_size=SIZE, run_before=run)


def test_calibrate_hold(snap_compare: Compare) -> None:
    app, engine = make_app()
    run = _driver(engine, ("keys", ("c", "enter")), ("advance", 2.0))
    assert snap_compare(app, terminal_size=SIZE, run_before=run)


def test_calibrate_failed(snap_compare: Compare) -> None:
    app, engine = make_app()

    def reach(e: object) -> None:
        assert isinstance(e, ScriptedEngine)
        e.wearer("reach")

    run = _driver(engine, ("keys", ("c", "enter")), ("advance", 1.0), ("call", reach), ("advance", 2.0))
    assert snap_compare(app, terminal_size=SIZE, run_before=run)


def test_stretch_holding_with_a_fault(snap_compare: Compare) -> None:
    app, engine = make_app()
    run = _driver(engine, ("keys", ("s", "enter", "b")), ("advance", 13.0))
    assert snap_compare(app, terminal_size=SIZE, run_before=run)


def test_stretch_summary(snap_compare: Compare) -> None:
    app, engine = make_app()
    run = _driver(engine, ("keys", ("s", "enter", "b")), ("advance", 60.0), ("keys", ("escape",)))
    assert snap_compare(app, terminal_size=SIZE, run_before=run)


def test_summary_today(snap_compare: Compare) -> None:
    app, engine = make_app()
    run = _driver(engine, ("keys", ("m",)))
    assert snap_compare(app, terminal_size=SIZE, run_before=run)


def test_summary_week(snap_compare: Compare) -> None:
    app, engine = make_app()
    run = _driver(engine, ("keys", ("m", "7")))
    assert snap_compare(app, terminal_size=SIZE, run_before=run)


def test_devices(snap_compare: Compare) -> None:
    app, engine = make_app()
    run = _driver(engine, ("keys", ("d",)))
    assert snap_compare(app, terminal_size=SIZE, run_before=run)


def test_live_light_theme(snap_compare: Compare) -> None:
    app, engine = make_app(theme="textual-light")
    run = _driver(engine, ("advance", 20.0))
    assert snap_compare(app, terminal_size=SIZE, run_before=run)
