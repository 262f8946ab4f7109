"""The pipeline's outputs as plain values, shared by the store, the dashboard and the CLI.

Angles here are in degrees (these values go to people and files); ``None`` where unknown (no head
clip, no data). Times are seconds on the clock of the input (host time live, the file's clock offline).
The pipeline (:mod:`sensorbridge.pipeline`) owns how they are computed.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class PostureState(enum.StrEnum):
    """What the wearer is doing at an instant. The string is what JSON and the store hold."""

    UPRIGHT = "upright"
    SLOUCHED = "slouched"
    MOVING = "moving"
    NOT_WORN = "not_worn"
    NO_DATA = "no_data"
    CALIBRATING = "calibrating"


# Forward-head time is counted only while sitting in posture: a nod during calibration or a glance
# while walking is not a habit to report.
FORWARD_HEAD_STATES = frozenset({PostureState.UPRIGHT, PostureState.SLOUCHED})


@dataclass(frozen=True)
class Angles:
    """Segment angles in degrees, signs as :mod:`sensorbridge.conventions` defines them."""

    thoracic_flexion: float | None = None
    thoracic_lateral: float | None = None
    neck_flexion: float | None = None
    neck_lateral: float | None = None
    neck_rotation: float | None = None


@dataclass(frozen=True)
class PostureSample:
    """The posture at one instant."""

    t: float
    angles: Angles
    state: PostureState


@dataclass(frozen=True)
class StateInterval:
    """A stretch of time in one state, with its angles summarised (not one row per sample)."""

    start: float
    end: float
    state: PostureState
    mean_thoracic_flexion: float | None = None
    max_thoracic_flexion: float | None = None
    mean_neck_flexion: float | None = None
    forward_head_s: float = 0.0

    @property
    def seconds(self) -> float:
        return self.end - self.start


@dataclass(frozen=True)
class SlouchEpisode:
    """One continuous slouch, however it wobbled. ``peak_flexion`` in degrees."""

    start: float
    end: float
    peak_flexion: float
