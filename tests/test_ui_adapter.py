"""The dashboard's adapters to the real parts: the live engine's failures, calibration refusals,
and the session log writing into a real SQLite store."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from calibration.model import ClipCalibration
from sensorbridge.config import Config
from sensorbridge.conventions import Role
from sensorbridge.errors import SensorbridgeError
from sensorbridge.pipeline.values import CalibrationResult, ExerciseReport, HoldRecord
from sensorbridge.posture import Angles, PostureSample, PostureState, SlouchEpisode
from sensorbridge.source import SourceEvent
from sensorbridge.store.store import Store
from sensorbridge.ui.app import build_app
from sensorbridge.ui.live_adapter import LiveDashboardEngine, failure_of
from sensorbridge.ui.model import CalibrationFailure, DayView
from sensorbridge.ui.session_log import SessionLog
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


def _sample(t: float, state: PostureState, flex: float, neck: float | None = None) -> PostureSample:
    return PostureSample(t, Angles(thoracic_flexion=flex, neck_flexion=neck), state)


def test_session_log_writes_runs_of_states_and_the_rest(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite"
    store = Store.open(path)
    log = SessionLog(store, forward_head_deg=20.0)
    up, sl = PostureState.UPRIGHT, PostureState.SLOUCHED
    ticks = [_sample(100.0 + 0.1 * i, up, 2.0, 5.0) for i in range(30)]
    ticks += [_sample(103.0 + 0.1 * i, sl, 20.0, 25.0) for i in range(40)]
    ticks += [_sample(107.0 + 0.1 * i, up, 1.0, 4.0) for i in range(10)]
    log.posture(ticks)
    log.episodes([SlouchEpisode(103.0, 107.0, 20.0)])
    report = ExerciseReport(
        "chin_tuck",
        True,
        2,
        1,
        (HoldRecord(110.0, 116.0, 5.6, True), HoldRecord(118.0, 121.0, 2.1, False, ("too_short",))),
    )
    log.stretch(report)
    log.calibrations({Role.BACK: ClipCalibration.nominal(Role.BACK)}, 100.0)
    offset = log.offset_s
    log.close()
    store.close()

    conn = sqlite3.connect(path)
    rows = conn.execute(
        "SELECT t_start, t_end, state, mean_thoracic_flexion, forward_head_s FROM intervals ORDER BY t_start"
    ).fetchall()
    assert [r[2] for r in rows] == ["upright", "slouched", "upright"]
    assert rows[0][0] - offset == pytest.approx(100.0)
    assert rows[0][1] == pytest.approx(rows[1][0])  # runs meet, no hole
    assert rows[1][1] - offset == pytest.approx(107.0)
    assert rows[2][1] - offset == pytest.approx(107.9)
    assert rows[1][3] == pytest.approx(20.0)
    assert rows[1][4] == pytest.approx(3.9)  # 39 tick steps of 0.1 s with the head forward
    assert conn.execute("SELECT COUNT(*) FROM slouch_episodes").fetchone()[0] == 1
    assert conn.execute("SELECT exercise, attempts, valid_reps FROM stretch_sets").fetchall() == [
        ("chin_tuck", 2, 1)
    ]
    assert conn.execute("SELECT COUNT(*) FROM stretch_holds").fetchone()[0] == 2
    assert conn.execute("SELECT fault FROM hold_faults").fetchall() == [("too_short",)]
    assert conn.execute("SELECT role FROM calibrations").fetchall() == [(0,)]
    ended = conn.execute("SELECT ended_at FROM sessions").fetchall()
    assert len(ended) == 1
    assert ended[0][0] - offset == pytest.approx(107.9)
    conn.close()


def test_store_summaries_show_what_the_session_log_wrote(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "db.sqlite")
    log = SessionLog(store)
    up, sl = PostureState.UPRIGHT, PostureState.SLOUCHED
    log.posture([_sample(0.1 * i, up if i < 600 else sl, 2.0 if i < 600 else 20.0) for i in range(901)])
    offset = log.offset_s
    log.close()
    tz = dt.UTC
    day = dt.datetime.fromtimestamp(offset, tz).date()
    views = StoreSummaries(store, tz).days(day + dt.timedelta(days=1), 2)  # in case it ran over midnight
    store.close()
    assert sum(v.upright_s for v in views) == pytest.approx(60.0, abs=0.01)
    assert sum(v.slouched_s for v in views) == pytest.approx(30.0, abs=0.01)
    assert sum(sum(v.slouch_min_per_hour) for v in views) == pytest.approx(0.5, abs=0.01)
    hour = dt.datetime.fromtimestamp(offset, tz).hour
    assert views[0].timeline[hour] is PostureState.UPRIGHT
    assert all(len(v.timeline) == 24 for v in views)


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
