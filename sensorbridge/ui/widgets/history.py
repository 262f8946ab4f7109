"""The scrolling history of thoracic flexion: the last minutes as a sparkline."""

from __future__ import annotations

from rich.console import RenderableType
from rich.text import Text
from textual.widget import Widget

from sensorbridge.ui.model import HISTORY_SECONDS
from sensorbridge.ui.render import sparkline

SCALE_DEG = (-10.0, 40.0)  # a fixed scale, so a calm line stays low instead of magnifying noise


class HistoryChart(Widget):
    DEFAULT_CSS = """
    HistoryChart { height: 5; border: round $primary-muted; padding: 0 1; }
    """
    BORDER_TITLE = f"Thoracic flexion, last {HISTORY_SECONDS // 60} min"

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.values: tuple[float | None, ...] = ()
        self.limit = 12.0

    def show(self, values: tuple[float | None, ...], limit: float) -> None:
        if values != self.values or limit != self.limit:
            self.values, self.limit = values, limit
            self.refresh(layout=False)

    def render(self) -> RenderableType:
        width = max(1, self.size.width)
        lo, hi = SCALE_DEG
        line = sparkline(self.values, width, lo=lo, hi=hi)
        text = Text(line, style="cyan")
        known = [v for v in self.values[-5:] if v is not None]
        over = bool(known) and max(known) > self.limit
        note = f"\n{lo:+.0f}°..{hi:+.0f}°, slouch at {self.limit:.0f}°"
        text.append(note, style="red" if over else "dim")
        return text
