"""What the dashboard shows, as plain values: the engine fills them, the screens render them.

Angles are degrees with the signs of :mod:`sensorbridge.conventions`; times are seconds on the
engine's clock (host time live). Nothing here knows Textual, so the renderers and the engine stay
testable without an app.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass, field

from sensorbridge.conventions import Role
from sensorbridge.posture import PostureSample, PostureState
from sensorbridge.source import LinkState

HISTORY_SECONDS = 300  # the live sparkline shows the last five minutes, one value per second


@dataclass(frozen=True)
class Thresholds:
    """Where each gauge turns from calm to warning, degrees from the wearer's neutral."""

    thoracic_flexion: float = 12.0
    thoracic_lateral: float = 10.0
    neck_flexion: float = 20.0
    neck_lateral: float = 15.0
    neck_rotation: float = 30.0


@dataclass(frozen=True)
class LinkView:
    """One clip's link as the link panel shows it. ``rate_hz`` is the measured sample rate."""

    role: Role
    state: LinkState
    message: str = ""
    battery: int | None = None
    rssi: int | None = None
    rate_hz: float | None = None
    dropped: int = 0
    address: str | None = None


@dataclass(frozen=True)
class Totals:
    """Today so far, seconds."""

    worn_s: float = 0.0
    upright_s: float = 0.0
    slouched_s: float = 0.0
    episodes: int = 0

    @property
    def percent_upright(self) -> float | None:
        """Upright share of the worn time, or ``None`` before anything was worn."""
        return None if self.worn_s <= 0.0 else 100.0 * self.upright_s / self.worn_s


@dataclass(frozen=True)
class AlertView:
    """A slouch alert. ``seq`` grows by one per alert so the app notices each only once."""

    seq: int
    t: float
    message: str
    level: int = 1  # 1 first reminder, higher when the slouch goes on


@dataclass(frozen=True)
class LiveView:
    """Everything the Live screen needs at one instant."""

    t: float
    posture: PostureSample | None
    slouch_s: float  # how long the current slouch has lasted, 0 when upright
    totals: Totals
    links: tuple[LinkView, ...]
    history: tuple[float | None, ...]  # thoracic flexion, one value per second, oldest first
    thresholds: Thresholds = field(default_factory=Thresholds)
    alert: AlertView | None = None  # the latest alert while it is current
    snoozed_until: float | None = None
    samples_per_s: float = 0.0  # what the pipeline consumed over the last second, both clips
    error: str | None = None  # the engine stopped on this error (what happened and what to do)

    @property
    def head_worn(self) -> bool:
        return any(link.role is Role.HEAD and link.state is LinkState.STREAMING for link in self.links)

    @property
    def state(self) -> PostureState:
        return PostureState.NO_DATA if self.posture is None else self.posture.state


class CalibrationPhase(enum.StrEnum):
    IDLE = "idle"
    HOLD = "hold"  # sit in the neutral pose and keep still
    MOUNTING = "mounting"  # the guided movement that finds how the clip is worn
    DONE = "done"
    FAILED = "failed"


class CalibrationFailure(enum.StrEnum):
    """Why a calibration was refused; each has words for the wearer in :mod:`sensorbridge.ui.texts`."""

    MOVED = "moved"
    NOT_WORN = "not_worn"
    TOO_SHORT = "too_short"
    NO_MOVEMENT = "no_movement"
    NO_DATA = "no_data"
    OTHER = "other"  # the pipeline's own words say why (see ``detail`` and ``hint``)


@dataclass(frozen=True)
class CalibrationView:
    phase: CalibrationPhase
    stillness: float = 0.0  # 0 moving a lot .. 1 perfectly still
    seconds_left: float = 0.0  # of the current step
    progress: float = 0.0  # 0..1 of the current step
    failure: CalibrationFailure | None = None
    detail: str = ""  # e.g. the measured movement that broke the hold
    hint: str = ""  # what the pipeline says to do, when it says more than the stock words
    roles: tuple[Role, ...] = (Role.BACK,)


class StretchKind(enum.StrEnum):
    CHIN_TUCK = "chin_tuck"
    CERVICAL_FLEXION = "cervical_flexion"
    LATERAL_FLEXION = "lateral_flexion"
    SHOULDER_SQUEEZE = "shoulder_squeeze"

    @property
    def needs_head(self) -> bool:
        return self is not StretchKind.SHOULDER_SQUEEZE


class Side(enum.StrEnum):
    RIGHT = "right"
    LEFT = "left"


class StretchFault(enum.StrEnum):
    TOO_SHORT = "too_short"
    HEAD_JUT = "head_jut"
    SHOULDERS_HUNCHED = "shoulders_hunched"
    TRUNK_COMPENSATION = "trunk_compensation"
    NOT_FAR_ENOUGH = "not_far_enough"
    OVERSHOOT = "overshoot"
    QUICK_NOD = "quick_nod"
    HEAD_TURN = "head_turn"


@dataclass(frozen=True)
class RepResult:
    rep: int
    held_s: float
    ok: bool
    side: Side | None = None
    faults: tuple[StretchFault, ...] = ()


@dataclass(frozen=True)
class StretchView:
    """One stretch in progress. ``value`` and the zone are the angle that stretch is judged on."""

    kind: StretchKind
    verifiable: bool
    reps_target: int
    reps_done: int  # good reps counted
    hold_s: float  # the 5 s hold so far, runs only in the zone
    hold_target_s: float
    in_zone: bool
    value: float | None
    zone: tuple[float, float]
    side: Side | None = None
    warnings: tuple[StretchFault, ...] = ()
    results: tuple[RepResult, ...] = ()
    finished: bool = False


@dataclass(frozen=True)
class DayView:
    """One day as the Summary screen shows it, seconds; ``timeline`` covers the day in equal slots."""

    date: dt.date
    upright_s: float = 0.0
    slouched_s: float = 0.0
    moving_s: float = 0.0
    not_worn_s: float = 0.0
    no_data_s: float = 0.0
    episodes: tuple[tuple[dt.datetime, float], ...] = ()  # (start, seconds)
    stretch_sets: int = 0
    slouch_min_per_hour: tuple[float, ...] = (0.0,) * 24
    timeline: tuple[PostureState, ...] = ()

    @property
    def worn_s(self) -> float:
        return self.upright_s + self.slouched_s + self.moving_s

    @property
    def percent_upright(self) -> float | None:
        return None if self.worn_s <= 0.0 else 100.0 * self.upright_s / self.worn_s


@dataclass(frozen=True)
class DeviceView:
    address: str
    name: str
    role: Role | None
    firmware: str | None = None
    battery: int | None = None
    rssi: int | None = None
    bonded: bool = False
    connected: bool = False
