"""The scrolling history of thoracic flexion: the last minutes as a chart that fills its box."""

from __future__ import annotations

from rich.console import RenderableType
from rich.text import Text
from textual.widget import Widget

from sensorbridge.ui.model import HISTORY_SECONDS
from sensorbridge.ui.render import bar_chart, resample_max

SCALE_DEG = (-10.0, 40.0)  # a fixed scale, so a calm line stays low instead of magnifying noise


def history_rows(values: tuple[float | None, ...], width: int, height: int) -> list[str]:
    """``height`` rows of bars, newest on the right; one column per ``len(values) / width`` seconds
    (its peak), unknown seconds blank. Degrees on the fixed ``SCALE_DEG``."""
    lo, hi = SCALE_DEG
    pad: list[float | None] = [None] * max(0, width - len(values))
    cols = resample_max(values, width) if len(values) > width else pad + list(values)
    amounts = [0.0 if v is None else min(max(v, lo), hi) - lo for v in cols]
    return bar_chart(amounts, height, top=hi - lo)


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
        rows = max(1, self.size.height - 1)
        known = [v for v in self.values[-5:] if v is not None]
        over = bool(known) and max(known) > self.limit
        text = Text("\n".join(history_rows(self.values, width, rows)), style="red" if over else "cyan")
        lo, hi = SCALE_DEG
        text.append(f"\n{lo:+.0f}°..{hi:+.0f}°, slouch at {self.limit:.0f}°", style="dim")
        return text
