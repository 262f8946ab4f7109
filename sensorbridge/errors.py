"""The root of every error sensorbridge raises on purpose.

Each module defines its own subclasses next to the code that raises them. Every error carries a
message a person can act on: what happened, and what to do about it (``hint``).
"""

from __future__ import annotations


class SensorbridgeError(Exception):
    """Base class. ``str(err)`` is the message; ``hint`` says what to do, when there is something."""

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.hint = hint

    def describe(self) -> str:
        """The message and, when known, what to do: what the CLI prints."""
        text = str(self)
        return f"{text}\n  what to do: {self.hint}" if self.hint else text
