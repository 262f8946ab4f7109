"""Values the store holds beyond :mod:`sensorbridge.posture`'s: alerts, stretch sets, sessions, log hours.

Times are Unix seconds (UTC) unless a field says otherwise; angles degrees.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sensorbridge.conventions import Role


@dataclass(frozen=True)
class Alert:
    """An alert given to the wearer at ``t``. ``delivered``: how (e.g. "vibrate,bell"), "" if only shown."""

    t: float
    kind: str = "slouch"
    level: int = 1
    delivered: str = ""


@dataclass(frozen=True)
class StretchHold:
    """One hold of a stretch; ``faults`` name what was wrong (e.g. "too_short", "trunk_compensation")."""

    start: float
    end: float
    valid: bool
    faults: tuple[str, ...] = ()

    @property
    def seconds(self) -> float:
        return self.end - self.start


@dataclass(frozen=True)
class StretchSet:
    """A set of one stretch. ``verifiable`` is False for a neck stretch done without the head clip."""

    exercise: str
    start: float
    end: float
    attempts: int
    valid_reps: int
    holds: tuple[StretchHold, ...] = ()
    verifiable: bool = True


@dataclass(frozen=True)
class Session:
    """Connect to disconnect (``end`` None while open), with the file holding its raw packets."""

    id: int
    wearer_id: int
    start: float
    end: float | None
    recording_path: str | None
    source: str


@dataclass(frozen=True)
class Calibration:
    """A calibration as stored: ``data`` is the pipeline's serialised value, ``format_version`` its format."""

    id: int
    wearer_id: int
    role: Role
    format_version: int
    in_force_from: float
    in_force_until: float | None
    data: dict[str, Any] = field(default_factory=dict)
    clip_id: int | None = None
