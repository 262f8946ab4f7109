"""The dashboard's adapters to the real parts: the live engine's failures, calibration refusals,
and the session log writing into a real SQLite store."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from sensorbridge.config import Config
from sensorbridge.errors import SensorbridgeError
from sensorbridge.pipeline.values import CalibrationResult
from sensorbridge.posture import PostureState, SlouchEpisode, StateInterval
from sensorbridge.source import SourceEvent
from sensorbridge.store.store import Store
from sensorbridge.ui.app import build_app
from sensorbridge.ui.live_adapter import LiveDashboardEngine, failure_of
from sensorbridge.ui.model import CalibrationFailure, DayView
from sensorbridge.ui.summaries import FixedSummaries, StoreSummaries, totals_of
from sensorbridge.ui.widgets.state_badge import StateBadge
from tests.test_ui_support import TODAY, plain


@pytest.mark.parametrize(
    ("message", "why"),
    [
        ("back clip: the neutral hold lasted 3.2 s; it needs 5 s", CalibrationFailure.TOO_SHORT),
        ("back clip: you moved during the hold (gyro spread 9.1 °/s, ...)", CalibrationFailure.MOVED),
        ("back clip: the accelerometer read 12.10 m/s² instead of about 9.81", CalibrationFailure.MOVED),
        (
            "back clip: the clip's long axis is 85° from vertical: it does not look worn",
            CalibrationFailure.NOT_WORN,
        ),
        (
            "back clip: the bend reached 6°; the mounting step needs at least 20°",
            CalibrationFailure.NO_MOVEMENT,
        ),
        ("head clip: something new", CalibrationFailure.OTHER),
    ],
)
def test_calibration_refusals_map_to_the_dashboards_reasons(message: str, why: CalibrationFailure) -> None:
    assert failure_of(CalibrationResult(False, 0.0, 12.0, message, "do this")) is why


class _BrokenSource:
    """A source whose link fails for good, as a real adapter's would."""

    async def __aenter__(self) -> _BrokenSource:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        return None

    async def _events(self) -> AsyncIterator[SourceEvent]:
        raise SensorbridgeError("the Bluetooth adapter is off", hint="switch Bluetooth on and restart")
        yield  # pragma: no cover - makes this an async generator

    def events(self) -> AsyncIterator[SourceEvent]:
        return self._events()


async def test_an_engine_failure_is_shown_not_swallowed() -> None:
    engine = LiveDashboardEngine(_BrokenSource(), expect_head=False)
    app = build_app(Config(), engine, FixedSummaries([]), refresh_hz=0, today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        assert engine._task is not None
        await engine.stop()  # the task has ended on its error; stop() must not raise it
        app.refresh_from_engine()
        await pilot.pause()
        view = engine.live()
        assert view.error is not None
        assert "the Bluetooth adapter is off" in view.error
        assert "switch Bluetooth on" in view.error
        assert "Stopped: the Bluetooth adapter is off" in plain(app.screen.query_one(StateBadge))
        assert [n.title for n in app._notifications] == ["The clips stopped"]


def test_store_summaries_show_what_the_store_holds(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "db.sqlite")
    wearer = store.ensure_wearer("me")
    t0 = dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC).timestamp()
    session = store.start_session(wearer, t0)
    up, sl = PostureState.UPRIGHT, PostureState.SLOUCHED
    intervals = [StateInterval(t0, t0 + 1800, up, 2.0), StateInterval(t0 + 1800, t0 + 2700, sl, 20.0, 25.0)]
    store.write(session, intervals=intervals, episodes=[SlouchEpisode(t0 + 1800, t0 + 2700, 25.0)])
    store.end_session(session, t0 + 2700)
    view = StoreSummaries(store, dt.UTC).day(dt.date(2026, 3, 2))
    store.close()
    assert view.upright_s == pytest.approx(1800.0)
    assert view.slouched_s == pytest.approx(900.0)
    assert view.percent_upright == pytest.approx(200.0 / 3.0)
    assert view.slouch_min_per_hour[9] == pytest.approx(0.0)
    assert view.slouch_min_per_hour[10] == pytest.approx(15.0)
    assert view.timeline[9] is PostureState.UPRIGHT
    assert view.timeline[10] is PostureState.SLOUCHED  # 15 min slouched beat 0 min upright in that hour
    assert view.timeline[8] is PostureState.NO_DATA
    assert view.episodes == ((dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC), 900.0),)


def test_live_totals_start_from_the_stored_day() -> None:
    at = dt.datetime(2026, 3, 2, 10, 0)
    day = DayView(TODAY, upright_s=3000.0, slouched_s=600.0, moving_s=400.0, episodes=((at, 60.0),) * 3)
    engine = LiveDashboardEngine(_BrokenSource(), expect_head=False, today=totals_of(day))
    totals = engine.live().totals
    assert totals.worn_s == 4000.0
    assert totals.upright_s == 3000.0
    assert totals.slouched_s == 600.0
    assert totals.episodes == 3
    assert totals.percent_upright == pytest.approx(75.0)
