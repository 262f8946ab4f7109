"""The Stretch screen through the Pilot: a good set, a set with faults, and no head clip."""

from __future__ import annotations

from textual.widgets import Static

from sensorbridge.ui.model import Side, StretchFault, StretchKind
from sensorbridge.ui.screens.stretch import StretchScreen
from sensorbridge.ui.scripted import ScriptedEngine
from tests.test_ui_support import make_app, plain, step

SIZE = (120, 40)


def now_text(app: object) -> str:
    screen = getattr(app, "screen", None)
    assert isinstance(screen, StretchScreen)
    return " ".join(plain(screen.query_one("#stretch-now", Static)).split())


async def test_a_set_with_a_too_short_hold_and_a_form_fault() -> None:
    app, engine = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("s")  # chin tuck is first
        assert "Chin tuck" in plain(app.screen.query_one("#stretch-list", Static))
        await pilot.press("enter")
        await pilot.press("b")  # the virtual wearer does it badly
        await step(pilot, engine, 2.0)  # into the zone
        assert "in the zone" in now_text(app)
        await step(pilot, engine, 3.5)  # released after ~2.5 s
        text = now_text(app)
        assert "Rep 1 not counted: released before 5 s" in text
        assert "0 of 5" in text
        await step(pilot, engine, 3.0)  # the second rep, head jutting meanwhile
        assert "head pushed forward" in now_text(app)
        await step(pilot, engine, 6.0)
        assert "Rep 2 not counted: head pushed forward" in now_text(app)
        await step(pilot, engine, 40.0)  # the rest are good: 3 counted, short of 5
        view = engine.stretch()
        assert view is not None
        assert not view.finished
        assert view.reps_done == 3
        assert [r.faults for r in view.results] == [
            (StretchFault.TOO_SHORT,),
            (StretchFault.HEAD_JUT,),
            (),
            (),
            (),
        ]
        assert [r.ok for r in view.results] == [False, False, True, True, True]
        await pilot.press("escape")  # stop: the set is stored and summarised
        await step(pilot, engine, 0.1)
        text = now_text(app)
        assert "3 of 5 reps counted. Set stored." in text
        assert "✘ rep 1: held 2.6 s released before 5 s" in text
        assert len(engine.stored.stretch_sets) == 1


async def test_a_good_lateral_flexion_set_alternates_sides_and_finishes() -> None:
    app, engine = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("s", "n", "n")  # third stretch: lateral flexion
        await pilot.press("enter")
        await step(pilot, engine, 0.1)
        assert "side: RIGHT" in now_text(app)
        await pilot.press("g")
        await step(pilot, engine, 10.0)  # one rep to the right
        assert "side: LEFT" in now_text(app)
        await step(pilot, engine, 90.0)
        view = engine.stretch()
        assert view is not None
        assert view.finished
        assert view.reps_done == 10
        assert [r.side for r in view.results] == [Side.RIGHT, Side.LEFT] * 5
        assert all(r.held_s >= 5.0 for r in view.results)
        assert "10 of 10 reps counted. Set stored." in now_text(app)
        assert len(engine.stored.stretch_sets) == 1


async def test_reps_can_be_chosen_between_five_and_ten() -> None:
    app, engine = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("s", "n", "n", "n")  # shoulder squeeze
        await pilot.press(*["plus"] * 7)
        assert "reps: 10" in plain(app.screen.query_one("#stretch-list", Static))
        await pilot.press(*["minus"] * 9)
        assert "reps: 5" in plain(app.screen.query_one("#stretch-list", Static))
        await pilot.press("plus", "enter")
        await step(pilot, engine, 0.1)
        view = engine.stretch()
        assert view is not None
        assert view.kind is StretchKind.SHOULDER_SQUEEZE
        assert view.reps_target == 6


async def test_without_the_head_clip_neck_stretches_cannot_be_verified() -> None:
    app, engine = make_app(ScriptedEngine(head=False, realtime=False))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("s", "n", "enter")  # cervical flexion
        await pilot.press("g")
        await step(pilot, engine, 60.0)
        assert "cannot be verified" in now_text(app)
        view = engine.stretch()
        assert view is not None
        assert not view.verifiable
        assert view.reps_done == 0
        await pilot.press("escape", "n", "n", "enter")  # shoulder squeeze needs only the back clip
        await pilot.press("g")
        await step(pilot, engine, 60.0)
        view = engine.stretch()
        assert view is not None
        assert view.verifiable
        assert view.finished
        assert view.reps_done == 5
        assert len(engine.stored.stretch_sets) == 1  # the unverifiable set is not stored as done
