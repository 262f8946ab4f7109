"""The Summary screen: today, or the last 7 or 30 days, with the trend against the week before."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import ClassVar

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Header, Static

from sensorbridge.ui.engine import SummarySource, host_of
from sensorbridge.ui.model import DayView
from sensorbridge.ui.render import bar_chart, format_duration, sparkline, timeline

CHART_ROWS = 5


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.0f} %"


def day_panel(day: DayView, width: int = 96) -> RenderableType:
    """One day: the timeline by state, slouch minutes per hour, episodes and stretches."""
    head = Text(f"{day.date:%A %d %B %Y}", style="bold")
    head.append(
        f"   upright {_pct(day.percent_upright)} of {format_duration(day.worn_s)} worn"
        f"   slouching {day.slouched_s / 60:.0f} min   episodes {len(day.episodes)}"
        f"   stretch sets {day.stretch_sets}"
    )
    cols = max(24, min(width, 96)) // 24 * 24
    hours = Text("".join(f"{h:<{cols // 4}d}" for h in range(0, 24, 6)), style="dim")
    line = Text("Timeline  ")
    line.append_text(timeline(day.timeline, cols) if day.timeline else Text("·" * cols, style="dim"))
    legend = Text("          ")
    for word, colour in (
        ("upright", "green"),
        ("slouching", "red"),
        ("moving", "cyan"),
        ("off", "bright_black"),
    ):
        legend.append("█ ", style=colour)
        legend.append(f"{word}  ")
    per_hour = list(day.slouch_min_per_hour) or [0.0] * 24
    bars = bar_chart(per_hour, CHART_ROWS, top=max(10.0, max(per_hour)))
    chart = Text(f"Slouch minutes per hour (full bar = {max(10.0, max(per_hour)):.0f} min)\n")
    for row in bars:
        chart.append("          " + "".join(c * 3 + " " for c in row) + "\n", style="red")
    chart.append("          " + "".join(f"{h:<4d}" for h in range(24)), style="dim")
    episodes = Text("Episodes: ", style="bold")
    if not day.episodes:
        episodes.append("none", style="green")
    for start, seconds in day.episodes[:12]:
        episodes.append(f"{start:%H:%M} ({format_duration(seconds)})  ")
    return Group(
        head, Text(), Text("          ").append_text(hours), line, legend, Text(), chart, Text(), episodes
    )


def _mean_pct(days: Sequence[DayView]) -> float | None:
    worn = sum(d.worn_s for d in days)
    return None if worn <= 0 else 100.0 * sum(d.upright_s for d in days) / worn


def trend_text(this_week: Sequence[DayView], last_week: Sequence[DayView]) -> Text:
    """Upright share this week against the week before, in points."""
    now, before = _mean_pct(this_week), _mean_pct(last_week)
    text = Text("Trend: ", style="bold")
    if now is None or before is None:
        return text.append("not enough days worn to compare weeks", style="dim")
    delta = now - before
    style = "green" if delta >= 0 else "red"
    arrow = "▲" if delta > 0.5 else ("▼" if delta < -0.5 else "■")
    return text.append(
        f"{arrow} {delta:+.0f} points upright vs the previous week ({before:.0f} → {now:.0f} %)", style
    )


def period_panel(days: Sequence[DayView], previous: Sequence[DayView]) -> RenderableType:
    """Several days: one row each, the upright share as a sparkline, and the trend."""
    table = Table(box=None, padding=(0, 2), header_style="bold")
    for col in ("Day", "Worn", "Upright", "Slouch min", "Episodes", "Stretch sets", "Upright share"):
        table.add_column(col, justify="left" if col in ("Day", "Upright share") else "right")
    for d in days:
        pct = d.percent_upright
        bar = "" if pct is None else "█" * round(pct / 5)
        table.add_row(
            f"{d.date:%a %d %b}",
            format_duration(d.worn_s),
            _pct(pct),
            f"{d.slouched_s / 60:.0f}",
            str(len(d.episodes)),
            str(d.stretch_sets),
            Text(bar, style="green"),
        )
    share = [d.percent_upright for d in days]
    spark = Text("Upright % by day  ").append(sparkline(share, len(share), lo=0, hi=100), style="green")
    return Group(table, Text(), spark, trend_text(days[-7:], previous))


class SummaryScreen(Screen[None]):
    TITLE = "Summary"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("1", "period(1)", "Today"),
        Binding("7", "period(7)", "7 days"),
        Binding("3", "period(30)", "30 days"),
        Binding("r", "period(0)", "Refresh"),
    ]
    DEFAULT_CSS = """
    #summary-body { border: round $primary-muted; padding: 0 1; }
    """

    def __init__(self, today: dt.date | None = None) -> None:
        super().__init__()
        self.today = today
        self.period = 1

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll():
            yield Static(id="summary-body")
        yield Footer()

    def on_screen_resume(self) -> None:
        self.action_period(0)

    def action_period(self, days: int) -> None:
        self.period = days or self.period
        app = host_of(self.app)
        self._load(app.summaries, self.period, self.today or app.today(), self.size.width - 4)

    @work(thread=True, exclusive=True, group="summary")
    def _load(self, summaries: SummarySource, period: int, today: dt.date, width: int) -> None:
        """In a worker thread: a month from the store takes a noticeable fraction of a second, and the
        screen must not freeze meanwhile. The result reaches the UI only through call_from_thread."""
        if period == 1:
            title, body = "Today", day_panel(summaries.day(today), width)
        else:
            days_ = summaries.days(today, period)
            previous = summaries.days(today - dt.timedelta(days=7), 7)
            title, body = f"Last {period} days", period_panel(days_, previous)
        self.app.call_from_thread(self._show, title, body)

    def _show(self, title: str, body: RenderableType) -> None:
        widget = self.query_one("#summary-body", Static)
        widget.border_title = title
        widget.update(body)
