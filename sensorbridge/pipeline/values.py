"""Values the pipeline hands out besides posture samples: alerts, relabels, exercise progress, the
calibration outcome. Plain frozen dataclasses, so the live engine, the store and tests share them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sensorbridge.conventions import Role
from sensorbridge.posture import PostureState


@dataclass(frozen=True)
class Alert:
    """Tell the wearer to sit up. ``level`` 1 is a gentle buzz, higher levels stronger ones."""

    t: float
    level: int
    reason: str  # "slouch" or "forward_head"
    episode_start: float


@dataclass(frozen=True)
class Relabel:
    """Hindsight: ticks in ``[start, end)`` whose state is one of ``from_states`` become ``to``.

    A slouch is confirmed only after its dwell time, and a clip is known to be off only after a while;
    the samples already handed out keep their causal state, and this value corrects the record.
    """

    start: float
    end: float
    to: PostureState
    from_states: frozenset[PostureState]


@dataclass(frozen=True)
class CalibrationResult:
    """How a calibration went: ``ok`` with the time window used, or the reason it was refused."""

    ok: bool
    start: float | None
    end: float | None
    message: str
    hint: str | None = None
    roles: tuple[Role, ...] = ()  # the clips it calibrated
    mounting_measured: tuple[Role, ...] = ()  # the clips whose forward axis the bend/nod measured


@dataclass(frozen=True)
class HoldRecord:
    """One attempt at a stretch's hold: when, how long in band, whether it counted, and what was wrong."""

    start: float
    end: float
    seconds: float
    valid: bool
    faults: tuple[str, ...] = ()
    side: str | None = None  # "right"/"left" for lateral flexion


@dataclass(frozen=True)
class ExerciseProgress:
    """Where a stretch stands now (live) or ended (offline)."""

    exercise: str
    verifiable: bool
    phase: str  # "neutral", "moving", "holding", "returning", "done", "not_verifiable"
    t: float
    hold_s: float = 0.0  # seconds held in band so far in the current attempt
    attempts: int = 0
    valid_reps: int = 0
    target_reps: int = 5
    side: str | None = None
    faults: tuple[str, ...] = ()  # the faults of the current or last attempt
    message: str = ""


@dataclass(frozen=True)
class ExerciseReport:
    """A stretch verified over a whole input."""

    exercise: str
    verifiable: bool
    attempts: int
    valid_reps: int
    holds: tuple[HoldRecord, ...] = field(default_factory=tuple)
    message: str = ""
