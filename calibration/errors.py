"""Why a calibration was refused, as values the dashboard and the CLI can show."""

from __future__ import annotations

import enum

from sensorbridge.errors import SensorbridgeError


class RejectReason(enum.StrEnum):
    """The machine-readable cause of a refused calibration step."""

    TOO_SHORT = "too_short"
    MOVED = "moved"
    NOT_ON_BODY = "not_on_body"
    NO_MOVEMENT = "no_movement"
    BAD_INPUT = "bad_input"


class CalibrationError(SensorbridgeError):
    """A calibration step could not produce a value; ``reason`` says why, ``hint`` what to do."""

    def __init__(self, reason: RejectReason, message: str, *, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.reason = reason


class CalibrationFormatError(SensorbridgeError):
    """A stored calibration cannot be read (wrong version, missing or malformed fields)."""
