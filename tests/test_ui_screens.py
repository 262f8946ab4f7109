"""Summary, Devices, help, themes and the command palette through the Pilot."""

from __future__ import annotations

import datetime as dt

from textual.pilot import Pilot
from textual.widgets import DataTable, Static

from sensorbridge.conventions import Role
from sensorbridge.source import LinkState
from sensorbridge.ui.app import SensorbridgeApp
from sensorbridge.ui.model import DayView
from sensorbridge.ui.screens.devices import DevicesScreen
from sensorbridge.ui.screens.help import HelpScreen
from sensorbridge.ui.screens.summary import SummaryScreen, trend_text
from sensorbridge.ui.scripted import ScriptedEngine
from tests.test_ui_support import TODAY, make_app, plain, sample_days, step

SIZE = (120, 40)


def summary_text(app: SensorbridgeApp) -> str:
    assert isinstance(app.screen, SummaryScreen)
    return plain(app.screen.query_one("#summary-body", Static))


async def _settle(app: SensorbridgeApp, pilot: Pilot[None]) -> None:
    """The summary loads in a worker thread; wait for it and for its update to land."""
    await app.workers.wait_for_complete()
    await pilot.pause()


async def test_summary_today_week_and_month() -> None:
    app, _ = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("m")
        await _settle(app, pilot)
        today = summary_text(app)
        last = sample_days()[-1]
        assert f"{TODAY:%A %d %B %Y}" in today
        assert f"upright {last.percent_upright:.0f} %" in today
        assert "Slouch minutes per hour" in today
        assert "Episodes: " in today
        assert f"{last.episodes[0][0]:%H:%M}" in today
        await pilot.press("7")
        await _settle(app, pilot)
        week = summary_text(app)
        assert app.screen.query_one("#summary-body").border_title == "Last 7 days"
        for d in sample_days()[-7:]:
            assert f"{d.date:%a %d %b}" in week
        assert "points upright vs the previous week" in week
        assert "▲" in week  # the sample fortnight improves
        await pilot.press("3")
        await _settle(app, pilot)
        month = summary_text(app)
        assert app.screen.query_one("#summary-body").border_title == "Last 30 days"
        assert f"{TODAY - dt.timedelta(days=29):%a %d %b}" in month  # empty days are listed too


def test_trend_needs_both_weeks() -> None:
    worn = [DayView(TODAY, upright_s=3600.0, slouched_s=3600.0)]
    assert "not enough days" in trend_text(worn, [DayView(TODAY)]).plain
    better = trend_text([DayView(TODAY, upright_s=90.0, slouched_s=10.0)], worn).plain
    assert "+40 points" in better


async def test_devices_lists_forgets_and_reconnects() -> None:
    app, engine = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("d")
        assert isinstance(app.screen, DevicesScreen)
        table = app.screen.query_one(DataTable)
        assert table.row_count == 2
        row = table.get_row_at(0)
        assert row[0] == "SB-Back"
        assert row[2] == "back"
        assert row[4] == "90 %"
        assert row[7] == "yes"
        await pilot.press("f")  # forget the selected (back) clip
        await pilot.pause()
        assert table.row_count == 1
        assert engine.live().links[0].state is LinkState.IDLE
        assert "must pair again" in plain(app.screen.query_one("#devices-status", Static))
        await pilot.press("r")  # scan: the forgotten clip is not offered until connected again
        await pilot.pause()
        await pilot.pause()
        assert table.row_count == 1
        await engine.connect("C0:FF:EE:00:00:00", Role.BACK)
        await pilot.press("r")
        await pilot.pause()
        await pilot.pause()
        assert table.row_count == 2
        assert engine.live().links[0].state is LinkState.STREAMING


async def test_help_opens_and_closes() -> None:
    app, _ = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)


async def test_light_and_dark_themes() -> None:
    app, _ = make_app(theme="textual-dark")
    async with app.run_test(size=SIZE) as pilot:
        assert app.theme == "textual-dark"
        await pilot.press("ctrl+t")
        assert app.theme == "textual-light"
        await pilot.press("ctrl+t")
        assert app.theme == "textual-dark"


async def test_command_palette_offers_the_dashboards_commands() -> None:
    app, engine = make_app()
    async with app.run_test(size=SIZE) as pilot:
        titles = [c.title for c in app.get_system_commands(app.screen)]
        for title in ("Go to Summary", "Snooze 30 min", "Calibrate", "Wearer: slouch", "Light or dark"):
            assert title in titles
        snooze = next(c for c in app.get_system_commands(app.screen) if c.title == "Snooze 60 min")
        snooze.callback()
        await step(pilot, engine, 1.0)
        view = engine.live()
        assert view.snoozed_until is not None
        assert view.snoozed_until - view.t > 59 * 60


class _RealClips(ScriptedEngine):
    """The scripted engine posing as real clips: no virtual wearer to command."""

    @property
    def virtual(self) -> bool:
        return False


async def test_wearer_keys_do_nothing_with_real_clips() -> None:
    app, engine = make_app(_RealClips(realtime=False))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("S")
        await step(pilot, engine, 5.0)
        posture = engine.live().posture
        assert posture is not None
        assert posture.angles.thoracic_flexion is not None
        assert posture.angles.thoracic_flexion < 10.0  # the wearer did not slouch
        assert "Wearer: slouch" not in [c.title for c in app.get_system_commands(app.screen)]
