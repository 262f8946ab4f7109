"""The Calibrate screen through the Pilot: a success, and each reason a calibration is refused."""

from __future__ import annotations

import pytest
from textual.widgets import Static

from sensorbridge.conventions import Role
from sensorbridge.source import LinkState
from sensorbridge.ui.model import CalibrationFailure, CalibrationPhase
from sensorbridge.ui.screens.calibrate import CalibrateScreen
from sensorbridge.ui.scripted import ScriptedEngine
from sensorbridge.ui.texts import CALIBRATION_FAILURES
from tests.test_ui_support import make_app, plain, step

SIZE = (120, 40)


def step_text(app: object) -> str:
    screen = getattr(app, "screen", None)
    assert isinstance(screen, CalibrateScreen)
    return plain(screen.query_one("#calibrate-step", Static))


async def test_calibration_succeeds_is_stored_and_applied_at_once() -> None:
    app, engine = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await step(pilot, engine, 2.0)
        before = engine.live().posture
        assert before is not None
        assert before.angles.thoracic_flexion == pytest.approx(6.0, abs=0.1)
        await pilot.press("c")
        assert "Sit tall" in plain(app.screen.query_one("#calibrate-how", Static))
        await pilot.press("enter")
        await step(pilot, engine, 2.0)
        text = step_text(app)
        assert "hold the neutral pose still" in text
        assert "3 s left" in text
        await step(pilot, engine, 3.1)
        assert "bend forward slowly" in step_text(app)
        assert engine.calibration().phase is CalibrationPhase.MOUNTING
        await step(pilot, engine, 8.0)  # the virtual wearer bends and sits back up
        assert "Calibrated" in step_text(app)
        assert "stored" in step_text(app)
        assert engine.stored.calibrations == [pytest.approx(6.0, abs=0.1)]
        await pilot.press("l")
        await step(pilot, engine, 2.0)
        after = engine.live().posture
        assert after is not None
        assert after.angles.thoracic_flexion == pytest.approx(0.0, abs=0.1)


async def test_calibration_can_be_cancelled() -> None:
    app, engine = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("c", "enter")
        await step(pilot, engine, 1.0)
        await pilot.press("escape")
        await step(pilot, engine, 0.1)
        assert engine.calibration().phase is CalibrationPhase.IDLE
        assert "Press Enter" in step_text(app)


def _moved(engine: ScriptedEngine) -> None:
    engine.wearer("reach")


def _walked_away(engine: ScriptedEngine) -> None:
    engine.wearer("walk_away")


def _lost_back_clip(engine: ScriptedEngine) -> None:
    engine.set_link(Role.BACK, LinkState.BACKOFF, "link lost")


@pytest.mark.parametrize(
    ("failure", "before_start", "during_hold", "cooperative"),
    [
        (CalibrationFailure.MOVED, None, _moved, True),
        (CalibrationFailure.NOT_WORN, None, _walked_away, True),
        (CalibrationFailure.TOO_SHORT, None, _lost_back_clip, True),
        (CalibrationFailure.NO_DATA, _lost_back_clip, None, True),
        (CalibrationFailure.NO_MOVEMENT, None, None, False),
    ],
)
async def test_each_failure_says_why_and_what_to_do(
    failure: CalibrationFailure, before_start: object, during_hold: object, cooperative: bool
) -> None:
    app, engine = make_app()
    engine.wearer_model.cooperative = cooperative  # False: never does the forward bend
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("c")
        if callable(before_start):
            before_start(engine)
        await pilot.press("enter")
        await step(pilot, engine, 2.0)
        if callable(during_hold):
            during_hold(engine)
        await step(pilot, engine, 20.0)
        view = engine.calibration()
        assert view.phase is CalibrationPhase.FAILED
        assert view.failure is failure
        why, what = CALIBRATION_FAILURES[failure]
        text = " ".join(step_text(app).split())
        assert "Calibration failed" in text
        assert " ".join(why.split()) in text
        assert " ".join(what.split()) in text
        assert engine.stored.calibrations == []
        await pilot.press("enter")  # try again: a fresh hold starts
        assert engine.calibration().phase is CalibrationPhase.HOLD


async def test_moving_shows_the_movement_that_broke_the_hold() -> None:
    app, engine = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("c", "enter")
        await step(pilot, engine, 1.0)
        engine.wearer("slouch")  # a big slow change of pose counts as movement too
        await step(pilot, engine, 1.0)
        assert engine.calibration().failure is CalibrationFailure.MOVED
        assert "Hold still for 5 seconds" in step_text(app)
        assert "°/s of movement" in step_text(app)
