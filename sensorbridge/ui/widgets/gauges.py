"""The angle gauges of the Live screen: one row per angle against the wearer's threshold."""

from __future__ import annotations

from rich.console import RenderableType
from rich.table import Table
from textual.widget import Widget

from sensorbridge.ui.model import LiveView
from sensorbridge.ui.render import gauge

# (label, attribute of Angles, attribute of Thresholds, head clip needed)
ROWS = (
    ("Thoracic flexion", "thoracic_flexion", "thoracic_flexion", False),
    ("Thoracic side bend", "thoracic_lateral", "thoracic_lateral", False),
    ("Neck flexion", "neck_flexion", "neck_flexion", True),
    ("Neck side bend", "neck_lateral", "neck_lateral", True),
    ("Neck rotation", "neck_rotation", "neck_rotation", True),
)


class AngleGauges(Widget):
    """Degrees from neutral, signed (flexion +forward, side bend +right, rotation +left)."""

    DEFAULT_CSS = """
    AngleGauges { height: 7; border: round $primary-muted; padding: 0 1; }
    """
    BORDER_TITLE = "Angles from your neutral"

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.view: LiveView | None = None
        self.renders = 0  # frames drawn, for the render-rate figure

    def show(self, view: LiveView) -> None:
        self.view = view
        self.refresh(layout=False)

    def render(self) -> RenderableType:
        self.renders += 1
        view = self.view
        table = Table.grid(padding=(0, 1))
        table.add_column(min_width=18)
        table.add_column(justify="right", min_width=7)
        table.add_column()
        bar_width = max(11, min(51, self.size.width - 32))
        angles = None if view is None or view.posture is None else view.posture.angles
        for label, name, limit_name, needs_head in ROWS:
            if needs_head and (view is None or not view.head_worn):
                table.add_row(label, "—", "[dim]no head clip[/]")
                continue
            value = None if angles is None else getattr(angles, name)
            limit = 12.0 if view is None else getattr(view.thresholds, limit_name)
            shown = "—" if value is None else f"{value:+.1f}°"
            table.add_row(label, shown, gauge(value, limit, width=bar_width))
        return table
