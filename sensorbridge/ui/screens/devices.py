"""The Devices screen: scan, connect (pairing on first connect), roles, firmware, battery, forget."""

from __future__ import annotations

from typing import ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static

from sensorbridge.conventions import Role
from sensorbridge.errors import SensorbridgeError
from sensorbridge.ui.engine import DashboardEngine, host_of
from sensorbridge.ui.model import DeviceView

COLUMNS = ("Name", "Address", "Role", "Firmware", "Battery", "Signal", "Bonded", "Connected")


def device_row(d: DeviceView) -> tuple[str, ...]:
    return (
        d.name,
        d.address,
        "—" if d.role is None else d.role.name.lower(),
        d.firmware or "—",
        "—" if d.battery is None else f"{d.battery} %",
        "—" if d.rssi is None else f"{d.rssi} dBm",
        "yes" if d.bonded else "no",
        "yes" if d.connected else "no",
    )


class DevicesScreen(Screen[None]):
    TITLE = "Devices"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "scan", "Scan"),
        Binding("b", "connect('back')", "Connect as back"),
        Binding("h", "connect('head')", "Connect as head"),
        Binding("f", "forget", "Forget"),
    ]
    DEFAULT_CSS = """
    #devices-table { height: 1fr; border: round $primary-muted; }
    #devices-status { height: 3; padding: 0 1; }
    """

    def compose(self) -> ComposeResult:
        yield Header()
        table: DataTable[str] = DataTable(id="devices-table", cursor_type="row")
        table.add_columns(*COLUMNS)
        yield table
        yield Static("r scans for clips nearby; the first connection pairs and bonds.", id="devices-status")
        yield Footer()

    def on_screen_resume(self) -> None:
        self.show(self._engine().devices())

    def _engine(self) -> DashboardEngine:
        return host_of(self.app).engine

    def show(self, devices: tuple[DeviceView, ...]) -> None:
        table = self.query_one(DataTable)
        table.clear()
        for d in devices:
            table.add_row(*device_row(d), key=d.address)

    def _status(self, text: str) -> None:
        self.query_one("#devices-status", Static).update(text)

    def _selected(self) -> str | None:
        table = self.query_one(DataTable)
        if table.row_count == 0:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key
        return None if key.value is None else str(key.value)

    @work(exclusive=True, group="devices")
    async def action_scan(self) -> None:
        self._status("Scanning…")
        try:
            found = await self._engine().scan()
        except SensorbridgeError as e:
            self._status(f"[red]{e.describe()}[/]")
            return
        self.show(found)
        self._status(f"{len(found)} clip(s) found.")

    @work(exclusive=True, group="devices")
    async def action_connect(self, role: str) -> None:
        address = self._selected()
        if address is None:
            self._status("Select a clip first (scan with r).")
            return
        self._status(f"Connecting {address} as {role}…")
        try:
            await self._engine().connect(address, Role[role.upper()])
        except SensorbridgeError as e:
            self._status(f"[red]{e.describe()}[/]")
            return
        self.show(self._engine().devices())
        self._status(f"Connected {address} as the {role} clip.")

    def action_forget(self) -> None:
        address = self._selected()
        if address is None:
            self._status("Select a clip first.")
            return
        self._engine().forget(address)
        self.show(self._engine().devices())
        self._status(f"Forgot {address}: it must pair again to reconnect.")
