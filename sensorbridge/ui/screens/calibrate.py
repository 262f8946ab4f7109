"""The Calibrate screen: the neutral pose held still, then the mounting movement."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Footer, Header, Static

from sensorbridge.ui.messages import CalibrationUpdated
from sensorbridge.ui.model import CalibrationPhase, CalibrationView
from sensorbridge.ui.render import meter
from sensorbridge.ui.texts import CALIBRATION_FAILURES, MOUNTING_MOVE, NEUTRAL_POSE


def describe(view: CalibrationView, *, width: int = 30) -> Text:
    """The step, the stillness meter and countdown, or the outcome, as the screen shows them."""
    text = Text()
    phase = view.phase
    if phase is CalibrationPhase.IDLE:
        text.append("Press Enter when you are sitting in the neutral pose.", style="bold")
    elif phase is CalibrationPhase.HOLD:
        text.append("Step 1 of 2: hold the neutral pose still\n\n", style="bold")
        text.append(f"Stillness  {meter(view.stillness, width)}\n")
        text.append(f"Countdown  {meter(view.progress, width)}  {view.seconds_left:.0f} s left")
    elif phase is CalibrationPhase.MOUNTING:
        text.append("Step 2 of 2: the mounting movement\n\n", style="bold")
        text.append(MOUNTING_MOVE["back"])
        if len(view.roles) > 1:
            text.append(" " + MOUNTING_MOVE["head"])
        text.append(f"\n\nBend seen  {meter(view.progress, width)}  ({view.seconds_left:.0f} s to go)")
    elif phase is CalibrationPhase.DONE:
        text.append("✔ Calibrated. ", style="bold green")
        text.append("Your neutral pose is stored and in use now. Press Enter to calibrate again.")
        if view.detail:
            text.append(f"\n({view.detail})", style="dim")
    else:
        assert view.failure is not None  # FAILED always carries its reason
        why, what = CALIBRATION_FAILURES[view.failure]
        text.append("✘ Calibration failed: ", style="bold red")
        text.append(why)
        if view.detail:
            text.append(f" ({view.detail})", style="dim")
        text.append("\nWhat to do: ", style="bold")
        text.append(what)
        if view.hint:
            text.append(f" {view.hint}")
        text.append("\nPress Enter to try again.", style="dim")
    return text


class CalibrateScreen(Screen[None]):
    TITLE = "Calibrate"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "app.calibrate", "Start"),
        Binding("escape", "app.cancel_calibration", "Cancel"),
    ]
    DEFAULT_CSS = """
    #calibrate-how { border: round $primary-muted; padding: 0 1; height: auto; }
    #calibrate-step { border: round $accent; padding: 1 2; height: auto; min-height: 9; }
    """

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical():
            how = Static(NEUTRAL_POSE, id="calibrate-how")
            how.border_title = "The neutral pose"
            yield how
            step = Static(describe(CalibrationView(CalibrationPhase.IDLE)), id="calibrate-step")
            step.border_title = "Calibration"
            yield step
        yield Footer()

    @on(CalibrationUpdated)
    def _show(self, message: CalibrationUpdated) -> None:
        self.query_one("#calibrate-step", Static).update(describe(message.view))
