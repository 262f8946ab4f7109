"""Today's totals: percent upright of the worn time, slouch minutes, episodes."""

from __future__ import annotations

from rich.console import RenderableType
from rich.table import Table
from textual.widget import Widget

from sensorbridge.ui.model import Totals
from sensorbridge.ui.render import format_duration


class TotalsPanel(Widget):
    DEFAULT_CSS = """
    TotalsPanel { height: 6; border: round $primary-muted; padding: 0 1; }
    """
    BORDER_TITLE = "Today"

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.totals = Totals()

    def show(self, totals: Totals) -> None:
        if totals != self.totals:
            self.totals = totals
            self.refresh(layout=False)

    def render(self) -> RenderableType:
        t = self.totals
        grid = Table.grid(padding=(0, 2))
        grid.add_column()
        grid.add_column(justify="right")
        pct = t.percent_upright
        grid.add_row("Upright", "—" if pct is None else f"{pct:.0f} %")
        grid.add_row("Slouching", f"{t.slouched_s / 60:.1f} min")
        grid.add_row("Episodes", str(t.episodes))
        grid.add_row("Worn", format_duration(t.worn_s))
        return grid
