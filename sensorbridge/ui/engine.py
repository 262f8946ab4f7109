"""The narrow seam between the dashboard and everything behind it.

The app needs a :class:`DashboardEngine` (live posture, links, alerts, calibration, stretches,
devices, and the virtual wearer in demo mode) and a :class:`SummarySource` (days from the store).
The app polls the engine a few times a second on its own loop, so the engine may run its pipeline
at the full sample rate without ever touching the screen. Engines running work on other threads
must make these calls safe to make from the UI's thread.
"""

from __future__ import annotations

import datetime as dt
from typing import Protocol

from sensorbridge.conventions import Role
from sensorbridge.ui.model import (
    CalibrationView,
    DayView,
    DeviceView,
    LiveView,
    StretchKind,
    StretchView,
)

# What the virtual wearer can be asked to do from the keyboard (demo mode).
WEARER_ACTIONS = ("slouch", "sit_up", "reach", "walk_away", "come_back")


class DashboardEngine(Protocol):
    """What the dashboard asks of the live engine. All angles in degrees, times in seconds."""

    @property
    def virtual(self) -> bool:
        """True when the clips are virtual and :meth:`wearer` works."""
        ...

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    def live(self) -> LiveView:
        """The latest state; cheap, called a few times a second."""
        ...

    def snooze(self, minutes: int) -> None:
        """No alerts for ``minutes`` (0 ends a snooze)."""
        ...

    def vibrate(self, role: Role, pattern: int) -> None:
        """Buzz a clip (protocol VibrationPattern value); failures show in the link panel."""
        ...

    def start_calibration(self) -> None: ...

    def cancel_calibration(self) -> None: ...

    def calibration(self) -> CalibrationView: ...

    def start_stretch(self, kind: StretchKind, reps: int) -> None:
        """Begin verifying ``reps`` (5..10) repetitions of one stretch."""
        ...

    def stop_stretch(self) -> None:
        """End the current stretch; its set is stored."""
        ...

    def stretch(self) -> StretchView | None: ...

    def wearer(self, action: str) -> None:
        """Ask the virtual wearer to do ``action`` (see WEARER_ACTIONS, or ``stretch_good`` /
        ``stretch_bad``); raises ``UiError`` with real clips."""
        ...

    def devices(self) -> tuple[DeviceView, ...]: ...

    async def scan(self) -> tuple[DeviceView, ...]: ...

    async def connect(self, address: str, role: Role) -> None: ...

    def forget(self, address: str) -> None: ...


class DeviceDirectory(Protocol):
    """Scanning and bonds for the Devices screen, given by the ``dashboard`` command (which may use
    the radio; this package may not)."""

    async def scan(self) -> tuple[DeviceView, ...]: ...

    def bonded(self, address: str) -> bool: ...

    def forget(self, address: str) -> bool:
        """Drop the bond; False when there was none."""
        ...


class SummarySource(Protocol):
    """Days from the store, local calendar days."""

    def day(self, date: dt.date) -> DayView: ...

    def days(self, last: dt.date, count: int) -> tuple[DayView, ...]:
        """``count`` consecutive days ending with ``last``, oldest first."""
        ...


class DashboardHost(Protocol):
    """What screens may ask of the app that holds them (kept narrow to avoid an import cycle)."""

    @property
    def engine(self) -> DashboardEngine: ...

    @property
    def summaries(self) -> SummarySource: ...

    def today(self) -> dt.date: ...


def host_of(app: object) -> DashboardHost:
    """The app as a :class:`DashboardHost`; a screen mounted in another app is a programming error."""
    if not all(hasattr(app, name) for name in ("engine", "summaries", "today")):
        raise TypeError(f"{type(app).__name__} is not the sensorbridge dashboard")
    return app  # type: ignore[return-value]  # checked structurally just above
