"""The Live screen driven through the real app factory and the Pilot: alerts, snooze, clips."""

from __future__ import annotations

from sensorbridge.conventions import Role
from sensorbridge.posture import PostureState
from sensorbridge.protocol import VibrationPattern
from sensorbridge.source import LinkState
from sensorbridge.ui.screens.live import LiveScreen
from sensorbridge.ui.widgets.alert_banner import AlertBanner
from sensorbridge.ui.widgets.gauges import AngleGauges
from sensorbridge.ui.widgets.link_panel import LinkPanel
from sensorbridge.ui.widgets.state_badge import StateBadge
from sensorbridge.ui.widgets.totals import TotalsPanel
from tests.test_ui_support import make_app, plain, step

SIZE = (120, 40)


async def test_live_shows_upright_angles_and_both_clips() -> None:
    app, engine = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await step(pilot, engine, 2.0)
        assert isinstance(app.screen, LiveScreen)
        assert "UPRIGHT" in plain(app.screen.query_one(StateBadge))
        gauges = plain(app.screen.query_one(AngleGauges))
        assert "Thoracic flexion" in gauges
        assert "+6.0°" in gauges
        assert "no head clip" not in gauges
        links = plain(app.screen.query_one(LinkPanel))
        assert links.count("streaming") == 2
        assert "104 Hz" in links
        assert not app.screen.query_one(AlertBanner).has_class("-shown")


async def test_a_slouch_past_the_dwell_alerts_once_with_banner_bell_and_buzz() -> None:
    app, engine = make_app(bell=True, vibrate=True)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("S")  # the virtual wearer slouches
        await step(pilot, engine, 20.0)
        assert engine.live().state is PostureState.UPRIGHT  # not yet: the dwell is 30 s
        assert "leaning forward for" in plain(app.screen.query_one(StateBadge))
        await step(pilot, engine, 15.0)
        await pilot.pause()
        assert engine.live().state is PostureState.SLOUCHED
        banner = app.screen.query_one(AlertBanner)
        assert banner.has_class("-shown")
        assert "slouching" in str(banner.render()).lower()
        assert app.bells == 1
        assert [(role, pattern) for _, role, pattern in engine.vibrations] == [
            (Role.BACK, int(VibrationPattern.SHORT))
        ]
        assert "SLOUCHING" in plain(app.screen.query_one(StateBadge))
        await step(pilot, engine, 10.0)  # the same alert is not repeated at every frame
        assert app.bells == 1
        assert len(engine.vibrations) == 1
        totals = plain(app.screen.query_one(TotalsPanel))
        assert "Episodes" in totals
        assert " 1" in totals
        await pilot.press("U")  # sit up: the banner goes
        await step(pilot, engine, 3.0)
        assert not app.screen.query_one(AlertBanner).has_class("-shown")


async def test_bell_and_buzz_follow_the_config() -> None:
    app, engine = make_app(bell=False, vibrate=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("S")
        await step(pilot, engine, 40.0)
        await pilot.pause()
        assert app.screen.query_one(AlertBanner).has_class("-shown")
        assert app.bells == 0
        assert engine.vibrations == []


async def test_snooze_with_one_key_then_resume() -> None:
    app, engine = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("2")  # snooze 30 minutes
        await pilot.press("S")
        await step(pilot, engine, 60.0)
        await pilot.pause()
        assert engine.live().state is PostureState.SLOUCHED
        assert app.bells == 0
        assert engine.vibrations == []
        badge = plain(app.screen.query_one(StateBadge))
        assert "snoozed" in badge
        assert "28m 59s left" in badge
        await pilot.press("0")  # resume
        await step(pilot, engine, 1.0)
        await pilot.pause()
        assert app.bells == 1
        assert len(engine.vibrations) == 1
        assert "Alerts on" in plain(app.screen.query_one(StateBadge))


async def test_snooze_ends_by_itself() -> None:
    app, engine = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("1")  # 15 minutes
        await pilot.press("S")
        await step(pilot, engine, 14 * 60.0)
        await pilot.pause()
        assert app.bells == 0
        await step(pilot, engine, 61.0)
        await pilot.pause()
        assert app.bells == 1


async def test_a_clip_drops_and_comes_back() -> None:
    app, engine = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await step(pilot, engine, 1.0)
        engine.set_link(Role.HEAD, LinkState.BACKOFF, "link lost; retrying in 2 s", dropped=52)
        await step(pilot, engine, 1.0)
        links = plain(app.screen.query_one(LinkPanel))
        assert "backoff" in links
        assert "retrying" in links
        assert "dropped 52" in links
        assert plain(app.screen.query_one(AngleGauges)).count("no head clip") == 3
        assert "UPRIGHT" in plain(app.screen.query_one(StateBadge))  # the back clip carries on
        engine.set_link(Role.HEAD, LinkState.STREAMING)
        await step(pilot, engine, 1.0)
        links = plain(app.screen.query_one(LinkPanel))
        assert links.count("streaming") == 2
        assert "dropped 52" in links
        assert "no head clip" not in plain(app.screen.query_one(AngleGauges))
        # each change was announced once: lost, then back
        assert [n.message for n in app._notifications] == [
            "Head clip: backoff (link lost; retrying in 2 s)",
            "Head clip: streaming",
        ]


async def test_losing_the_back_clip_means_no_data() -> None:
    app, engine = make_app()
    async with app.run_test(size=SIZE) as pilot:
        engine.set_link(Role.BACK, LinkState.FAILED, "not bonded: pair it on the Devices screen")
        await step(pilot, engine, 1.0)
        assert "NO DATA" in plain(app.screen.query_one(StateBadge))
        assert "failed" in plain(app.screen.query_one(LinkPanel))


async def test_walking_away_reads_not_worn_and_history_fills() -> None:
    app, engine = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await step(pilot, engine, 10.0)
        await pilot.press("W")
        await step(pilot, engine, 5.0)
        assert "NOT WORN" in plain(app.screen.query_one(StateBadge))
        history = engine.live().history
        assert len(history) == 15
        assert history[-1] is None
        assert history[0] is not None
        await pilot.press("B")
        await step(pilot, engine, 2.0)
        assert "UPRIGHT" in plain(app.screen.query_one(StateBadge))
