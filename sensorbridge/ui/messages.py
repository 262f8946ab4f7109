"""Messages the app posts to its screens, as dataclasses.

The app reads the engine a few times a second and posts these; a screen that falls behind keeps
only the newest :class:`LiveUpdated` (``can_replace``), so a burst never queues stale frames.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from sensorbridge.ui.model import AlertView, CalibrationView, LinkView, LiveView, StretchView


@dataclass
class LiveUpdated(Message):
    """Fresh live state; newer ones replace older ones still waiting in the queue."""

    view: LiveView

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, LiveUpdated)


@dataclass
class CalibrationUpdated(Message):
    view: CalibrationView

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, CalibrationUpdated)


@dataclass
class StretchUpdated(Message):
    view: StretchView | None

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, StretchUpdated)


@dataclass
class AlertRaised(Message):
    """A new slouch alert (each ``seq`` once): ring, buzz, show."""

    alert: AlertView


@dataclass
class LinkChanged(Message):
    """A clip's connection state changed."""

    before: LinkView | None
    after: LinkView
