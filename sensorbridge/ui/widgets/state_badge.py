"""The posture state in words and colour, with the slouch timer and the snooze."""

from __future__ import annotations

from rich.console import RenderableType
from rich.text import Text
from textual.widget import Widget

from sensorbridge.posture import PostureState
from sensorbridge.ui.model import LiveView
from sensorbridge.ui.render import STATE_COLOURS, STATE_WORDS, format_duration


class StateBadge(Widget):
    DEFAULT_CSS = """
    StateBadge { height: 4; border: round $primary-muted; padding: 0 1; content-align: left middle; }
    StateBadge.-slouched { border: heavy $error; }
    """
    BORDER_TITLE = "Posture"

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.view: LiveView | None = None

    def show(self, view: LiveView) -> None:
        self.view = view
        self.set_class(view.state is PostureState.SLOUCHED, "-slouched")
        self.refresh(layout=False)

    def render(self) -> RenderableType:
        view = self.view
        state = PostureState.NO_DATA if view is None else view.state
        text = Text()
        text.append(f" {STATE_WORDS[state].upper()} ", style=f"bold reverse {STATE_COLOURS[state]}")
        if view is not None and view.slouch_s > 0:
            text.append(f"   leaning forward for {format_duration(view.slouch_s)}", style="yellow")
        text.append("\n")
        if view is not None and view.error is not None:
            text.append(f"Stopped: {view.error.splitlines()[0]}", style="bold red")
        elif view is not None and view.snoozed_until is not None:
            left = format_duration(max(0.0, view.snoozed_until - view.t))
            text.append(f"Alerts snoozed: {left} left (0 to resume)", style="dim")
        else:
            text.append("Alerts on", style="dim")
        return text
