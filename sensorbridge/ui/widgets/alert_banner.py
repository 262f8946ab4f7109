"""The alert banner: shown while a slouch alert is current, hidden otherwise."""

from __future__ import annotations

from textual.widgets import Static

from sensorbridge.ui.model import AlertView


class AlertBanner(Static):
    DEFAULT_CSS = """
    AlertBanner { display: none; height: 3; background: $error; color: $text; text-style: bold;
                  content-align: center middle; }
    AlertBanner.-shown { display: block; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("", id=id)
        self.alert: AlertView | None = None

    def show(self, alert: AlertView | None) -> None:
        if alert == self.alert:
            return
        self.alert = alert
        self.set_class(alert is not None, "-shown")
        if alert is not None:
            self.update(f"⚠ {alert.message}   snooze: 1 = 15 min, 2 = 30 min, 3 = 60 min")
