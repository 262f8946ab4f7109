"""The Live screen: posture now, angles against thresholds, today's totals, history, the clips."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer, Header

from sensorbridge.ui.messages import LiveUpdated
from sensorbridge.ui.widgets.alert_banner import AlertBanner
from sensorbridge.ui.widgets.gauges import AngleGauges
from sensorbridge.ui.widgets.history import HistoryChart
from sensorbridge.ui.widgets.link_panel import LinkPanel
from sensorbridge.ui.widgets.state_badge import StateBadge
from sensorbridge.ui.widgets.totals import TotalsPanel


class LiveScreen(Screen[None]):
    TITLE = "Live"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("1", "app.snooze(15)", "Snooze 15m"),
        Binding("2", "app.snooze(30)", "30m"),
        Binding("3", "app.snooze(60)", "60m"),
        Binding("0", "app.snooze(0)", "Resume alerts", show=False),
    ]

    def compose(self) -> ComposeResult:
        yield Header()
        yield AlertBanner(id="alert")
        with Horizontal(id="live-body"):
            with Vertical(id="live-main"):
                yield StateBadge(id="state")
                yield AngleGauges(id="gauges")
                yield HistoryChart(id="history")
            with Vertical(id="live-side"):
                yield TotalsPanel(id="totals")
                yield LinkPanel(id="links")
        yield Footer()

    @on(LiveUpdated)
    def _show(self, message: LiveUpdated) -> None:
        view = message.view
        self.query_one(AlertBanner).show(view.alert)
        self.query_one(StateBadge).show(view)
        self.query_one(AngleGauges).show(view)
        self.query_one(HistoryChart).show(view.history, view.thresholds.thoracic_flexion)
        self.query_one(TotalsPanel).show(view.totals)
        self.query_one(LinkPanel).show(view.links)
