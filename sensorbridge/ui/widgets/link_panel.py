"""Each clip's link: role, battery, signal, sample rate, dropped samples, connection state."""

from __future__ import annotations

from rich.console import RenderableType
from rich.table import Table
from textual.widget import Widget

from sensorbridge.source import LinkState
from sensorbridge.ui.model import LinkView

STATE_STYLE = {
    LinkState.STREAMING: "green",
    LinkState.CONNECTING: "yellow",
    LinkState.SCANNING: "yellow",
    LinkState.BACKOFF: "red",
    LinkState.FAILED: "bold red",
    LinkState.IDLE: "dim",
}


def _or_dash(value: object, unit: str = "") -> str:
    return "—" if value is None else f"{value}{unit}"


class LinkPanel(Widget):
    DEFAULT_CSS = """
    LinkPanel { height: auto; min-height: 6; border: round $primary-muted; padding: 0 1; }
    """
    BORDER_TITLE = "Clips"

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.links: tuple[LinkView, ...] = ()

    def show(self, links: tuple[LinkView, ...]) -> None:
        if links != self.links:
            # A new layout only when the number of lines changes: layout is the costly part of a frame.
            rows = [(link.role, bool(link.message)) for link in links]
            relayout = rows != [(link.role, bool(link.message)) for link in self.links]
            self.links = links
            self.refresh(layout=relayout)

    def render(self) -> RenderableType:
        table = Table.grid(padding=(0, 1))
        for _ in range(2):
            table.add_column()
        if not self.links:
            table.add_row("[dim]no clips: open Devices (d) to connect[/]", "")
        for link in self.links:
            state = f"[{STATE_STYLE[link.state]}]{link.state.value}[/]"
            rate = "—" if link.rate_hz is None else f"{link.rate_hz:.0f} Hz"
            table.add_row(f"[b]{link.role.name.title()}[/]", state)
            table.add_row(
                "",
                f"battery {_or_dash(link.battery, ' %')}  signal {_or_dash(link.rssi, ' dBm')}",
            )
            table.add_row("", f"{rate}  dropped {link.dropped}")
            if link.message:
                table.add_row("", f"[dim]{link.message}[/]")
        return table
