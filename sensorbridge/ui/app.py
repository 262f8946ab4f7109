"""The dashboard app: a thin shell over a :class:`DashboardEngine` and a :class:`SummarySource`.

One factory, :func:`build_app`, makes it from the config, an engine and a summary source; the
``dashboard`` command and the tests both use it. The app reads the engine ``refresh_hz`` times a
second (a few frames per second whatever the sample rate) and posts what changed to the screen
on show; alerts ring the bell and buzz the back clip when the config says so.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from functools import partial
from typing import Any, ClassVar

from textual import on
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.screen import Screen

from sensorbridge.config import Config
from sensorbridge.conventions import Role
from sensorbridge.errors import SensorbridgeError
from sensorbridge.protocol import VibrationPattern
from sensorbridge.source import LinkState
from sensorbridge.ui.engine import WEARER_ACTIONS, DashboardEngine, SummarySource
from sensorbridge.ui.messages import (
    AlertRaised,
    CalibrationUpdated,
    LinkChanged,
    LiveUpdated,
    StretchUpdated,
)
from sensorbridge.ui.model import CalibrationPhase, LinkView
from sensorbridge.ui.screens.calibrate import CalibrateScreen
from sensorbridge.ui.screens.devices import DevicesScreen
from sensorbridge.ui.screens.help import HelpScreen
from sensorbridge.ui.screens.live import LiveScreen
from sensorbridge.ui.screens.stretch import StretchScreen
from sensorbridge.ui.screens.summary import SummaryScreen

DEFAULT_REFRESH_HZ = 4.0  # what a person can follow; the pipeline itself runs at the full rate
THEMES = ("textual-dark", "textual-light")
SCREENS: dict[str, tuple[str, str]] = {  # mode -> (key, title)
    "live": ("l", "Live"),
    "calibrate": ("c", "Calibrate"),
    "stretch": ("s", "Stretch"),
    "summary": ("m", "Summary"),
    "devices": ("d", "Devices"),
}
WEARER_KEYS = {"S": "slouch", "U": "sit_up", "R": "reach", "W": "walk_away", "B": "come_back"}


class SensorbridgeApp(App[None]):
    CSS_PATH = "app.tcss"
    TITLE = "sensorbridge"
    MODES: ClassVar[dict[str, str | Callable[[], Screen[Any]]]] = {
        "live": LiveScreen,
        "calibrate": CalibrateScreen,
        "stretch": StretchScreen,
        "summary": SummaryScreen,
        "devices": DevicesScreen,
    }
    BINDINGS: ClassVar[list[BindingType]] = [
        *(Binding(key, f"app.switch_mode('{mode}')", title) for mode, (key, title) in SCREENS.items()),
        Binding("question_mark", "help", "Help", key_display="?"),
        Binding("ctrl+t", "toggle_theme", "Theme", show=False),
        Binding("q", "quit", "Quit"),
        *(
            Binding(key, f"wearer('{action}')", action.replace("_", " ").capitalize(), show=False)
            for key, action in WEARER_KEYS.items()
        ),
    ]

    def __init__(
        self,
        engine: DashboardEngine,
        summaries: SummarySource,
        *,
        bell: bool = True,
        vibrate: bool = True,
        theme: str = "textual-dark",
        refresh_hz: float = DEFAULT_REFRESH_HZ,
        today: dt.date | None = None,
    ) -> None:
        super().__init__()
        if refresh_hz < 0:
            raise ValueError(f"refresh_hz must be >= 0 (0: refresh only when asked), got {refresh_hz}")
        self._engine = engine
        self._summaries = summaries
        self.ring_bell = bell
        self.buzz_clip = vibrate
        self.refresh_hz = refresh_hz
        self._today = today
        self._theme_name = theme
        self._last_alert_seq = 0
        self._error: str | None = None
        self._links: dict[Role, LinkView] = {}
        # A calibration the engine began by itself (no stored one) is shown, then Live comes back.
        self._showed_calibration = False
        self._returning_from_calibration = False
        self.frames = 0  # engine reads pushed to the screen, for the render-rate figure
        self.bells = 0

    # -- DashboardHost -----------------------------------------------------------------------
    @property
    def engine(self) -> DashboardEngine:
        return self._engine

    @property
    def summaries(self) -> SummarySource:
        return self._summaries

    def today(self) -> dt.date:
        return self._today or dt.date.today()

    # -- life cycle --------------------------------------------------------------------------
    async def on_mount(self) -> None:
        self.theme = self._theme_name
        if self.engine.virtual:
            self.sub_title = "virtual clips: S slouch · U sit up · R reach · W walk away · B come back"
        await self.switch_mode("live")
        await self.engine.start()
        if self.refresh_hz > 0:
            self.set_interval(1.0 / self.refresh_hz, self.refresh_from_engine)
        self.refresh_from_engine()

    async def on_unmount(self) -> None:
        await self.engine.stop()

    def refresh_from_engine(self) -> None:
        """Read the engine once and post what the current screen shows; note alerts and link changes."""
        self.frames += 1
        view = self.engine.live()
        if view.error is not None and view.error != self._error:
            self._error = view.error
            self.notify(view.error, title="The clips stopped", severity="error", timeout=600)
        if view.alert is not None and view.alert.seq > self._last_alert_seq:
            self._last_alert_seq = view.alert.seq
            self.post_message(AlertRaised(view.alert))
        for link in view.links:
            before = self._links.get(link.role)
            if before is not None and before.state is not link.state:
                self.post_message(LinkChanged(before, link))
            self._links[link.role] = link
        screen = self.screen
        starting = not self._showed_calibration and isinstance(screen, LiveScreen)
        if starting and self.engine.calibration().phase is CalibrationPhase.HOLD:
            self._showed_calibration = self._returning_from_calibration = True
            self.switch_mode("calibrate")
            return
        if self._returning_from_calibration and isinstance(screen, CalibrateScreen):
            cal = self.engine.calibration()
            if cal.phase is CalibrationPhase.DONE:
                self._returning_from_calibration = False
                self.notify("Calibrated: your neutral pose is stored and in use.", title="Calibrate")
                self.switch_mode("live")
                return
        if isinstance(screen, LiveScreen):
            screen.post_message(LiveUpdated(view))
        elif isinstance(screen, CalibrateScreen):
            screen.post_message(CalibrationUpdated(self.engine.calibration()))
        elif isinstance(screen, StretchScreen):
            screen.post_message(StretchUpdated(self.engine.stretch()))

    # -- events ------------------------------------------------------------------------------
    @on(AlertRaised)
    def _alert(self, message: AlertRaised) -> None:
        if self.ring_bell:
            self.bells += 1
            self.bell()
        if self.buzz_clip:
            pattern = VibrationPattern.DOUBLE if message.alert.level > 1 else VibrationPattern.SHORT
            try:
                self.engine.vibrate(Role.BACK, int(pattern))
            except SensorbridgeError as e:
                self.notify(e.describe(), title="Could not buzz the clip", severity="error")
        if not isinstance(self.screen, LiveScreen):
            self.notify(message.alert.message, title="Posture", severity="warning")

    @on(LinkChanged)
    def _link(self, message: LinkChanged) -> None:
        after = message.after
        ok = after.state is LinkState.STREAMING
        words = f"{after.role.name.title()} clip: {after.state.value}"
        if after.message:
            words += f" ({after.message})"
        self.notify(words, title="Clips", severity="information" if ok else "warning")

    # -- actions -----------------------------------------------------------------------------
    def action_snooze(self, minutes: int) -> None:
        self.engine.snooze(minutes)
        self.notify("Alerts resumed." if minutes == 0 else f"Alerts snoozed for {minutes} minutes.")
        self.refresh_from_engine()

    def action_calibrate(self) -> None:
        self.engine.start_calibration()
        self.refresh_from_engine()

    def action_cancel_calibration(self) -> None:
        self.engine.cancel_calibration()
        self.refresh_from_engine()

    def action_wearer(self, action: str) -> None:
        try:
            self.engine.wearer(action)
        except SensorbridgeError as e:
            self.notify(e.describe(), title="Virtual wearer", severity="error")
            return
        self.notify(f"Virtual wearer: {action.replace('_', ' ')}", timeout=2)

    def action_help(self) -> None:
        self.push_screen(HelpScreen())

    def action_toggle_theme(self) -> None:
        self.theme = THEMES[1] if self.theme == THEMES[0] else THEMES[0]

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return self.engine.virtual or action != "wearer"  # wearer keys only drive virtual clips

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        for mode, (_, title) in SCREENS.items():
            yield SystemCommand(f"Go to {title}", f"Show the {title} screen", partial(self.switch_mode, mode))
        for minutes in (15, 30, 60):
            yield SystemCommand(
                f"Snooze {minutes} min", "No alerts for a while", partial(self.action_snooze, minutes)
            )
        yield SystemCommand("Resume alerts", "End a snooze", partial(self.action_snooze, 0))
        yield SystemCommand("Calibrate", "Set your neutral pose now", self.action_calibrate)
        yield SystemCommand("Light or dark", "Toggle the light and dark themes", self.action_toggle_theme)
        if self.engine.virtual:
            for action in WEARER_ACTIONS:
                words = action.replace("_", " ")
                yield SystemCommand(f"Wearer: {words}", "Virtual wearer", partial(self.action_wearer, action))


def build_app(
    config: Config,
    engine: DashboardEngine,
    summaries: SummarySource,
    *,
    refresh_hz: float = DEFAULT_REFRESH_HZ,
    today: dt.date | None = None,
) -> SensorbridgeApp:
    """The one way to make the dashboard: from the config, an engine and a summary source."""
    return SensorbridgeApp(
        engine,
        summaries,
        bell=config.bell,
        vibrate=config.vibrate,
        theme=config.theme,
        refresh_hz=refresh_hz,
        today=today,
    )
