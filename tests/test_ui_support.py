"""Shared set-up for the dashboard tests: the real app factory over a scripted engine."""

from __future__ import annotations

import datetime as dt
import io
from typing import cast

from rich.console import Console, RenderableType
from rich.text import Text
from textual.pilot import Pilot
from textual.widget import Widget
from textual.widgets import Static

from sensorbridge.config import Config
from sensorbridge.posture import PostureState
from sensorbridge.ui.app import SensorbridgeApp, build_app
from sensorbridge.ui.model import DayView
from sensorbridge.ui.scripted import ScriptedEngine
from sensorbridge.ui.summaries import FixedSummaries

TODAY = dt.date(2026, 3, 2)


def sample_days() -> list[DayView]:
    """A fortnight of days, the recent week better than the one before; fixed numbers."""
    days = []
    for i in range(14):
        date = TODAY - dt.timedelta(days=13 - i)
        upright = 5 * 3600.0 + (600.0 * i)
        slouched = 2 * 3600.0 - 300.0 * i
        per_hour = tuple(float((h * 7 + i) % 11) if 8 <= h < 17 else 0.0 for h in range(24))
        timeline = tuple(
            PostureState.NO_DATA
            if not 8 <= h < 17
            else (PostureState.SLOUCHED if per_hour[h] > 6 else PostureState.UPRIGHT)
            for h in range(24)
        )
        episodes = tuple(
            (dt.datetime(date.year, date.month, date.day, h, 15), 60.0 * per_hour[h])
            for h in range(24)
            if per_hour[h] > 6
        )
        days.append(
            DayView(
                date,
                upright_s=upright,
                slouched_s=slouched,
                moving_s=1800.0,
                episodes=episodes,
                stretch_sets=i % 3,
                slouch_min_per_hour=per_hour,
                timeline=timeline,
            )
        )
    return days


def make_app(
    engine: ScriptedEngine | None = None, **config: object
) -> tuple[SensorbridgeApp, ScriptedEngine]:
    engine = engine or ScriptedEngine(realtime=False)
    app = build_app(Config(**config), engine, FixedSummaries(sample_days()), refresh_hz=0, today=TODAY)  # type: ignore[arg-type]
    return app, engine


async def step(pilot: Pilot[None], engine: ScriptedEngine, seconds: float) -> None:
    """Move the scripted world on, then let the app read it and the screen settle."""
    app = pilot.app
    assert isinstance(app, SensorbridgeApp)
    engine.advance(seconds)
    app.refresh_from_engine()
    await pilot.pause()


def plain(widget: Widget) -> str:
    """What a widget shows, as plain text."""
    if isinstance(widget, Static):  # what it was given: a string, Rich Text or another renderable
        content = widget.content
        if isinstance(content, str):
            return content
        if isinstance(content, Text):
            return content.plain
        renderable = cast(RenderableType, content)
    else:
        renderable = cast(RenderableType, widget.render())
    console = Console(width=max(40, widget.size.width or 120), file=io.StringIO(), color_system=None)
    console.print(renderable)
    out = console.file
    assert isinstance(out, io.StringIO)
    return out.getvalue()
