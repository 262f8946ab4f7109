"""Stretch verification: each of the article's four stretches is a declarative :class:`ExerciseSpec`,
and one state machine (:class:`ExerciseMachine`) runs any of them on ticks.

An attempt starts when the exercise's angle leaves the neutral band (toward a target direction, or the
wrong way) and ends when it comes back; ticks of the calibration are ignored. Its hold is the longest
continuous time on the plateau: inside the target band and within 12 % of the attempt's peak (so the
ramps in and out do not count). It counts when that reaches ``hold_s`` (5 s, the article's) and no
form rule was broken. Faults are named: ``quick_nod`` (the whole attempt under ``quick_s``),
``too_short`` (a plateau under ``hold_s``), ``not_far_enough`` (never in band), ``overshoot`` (past
the band), ``wrong_direction``, ``head_turn``, ``trunk_compensation``, ``shoulders_hunched``,
``head_jut``. Targets are fractions of the wearer's own range of motion (:class:`RangeOfMotion`),
because ranges vary widely between people. Without the head clip the neck stretches are reported as
not verifiable, never as done.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from sensorbridge.errors import SensorbridgeError
from sensorbridge.pipeline.states import CALIBRATING, NO_DATA
from sensorbridge.pipeline.values import ExerciseProgress, ExerciseReport, HoldRecord

if TYPE_CHECKING:
    from sensorbridge.pipeline.engine import TickFrame
    from sensorbridge.pipeline.settings import PipelineSettings


class UnknownExerciseError(SensorbridgeError):
    """The exercise name is not one of the four stretches."""


@dataclass(frozen=True)
class RangeOfMotion:
    """The wearer's own range (°) beyond neutral; defaults are typical adult values."""

    neck_flexion: float = 50.0
    neck_lateral: float = 40.0
    thoracic_extension: float = 10.0
    thoracic_flexion: float = 20.0


@dataclass(frozen=True)
class FormRule:
    """A fault when ``channel`` (relative to the attempt's start when ``relative``) leaves ±``limit_deg``
    (or goes below ``-limit_deg`` only, when ``below_only``)."""

    fault: str
    channel: str
    limit_deg: float
    relative: bool = True
    below_only: bool = False


@dataclass(frozen=True)
class Direction:
    """One side of a stretch: ``sign`` of the angle toward it, and its band as fractions of ``rom``."""

    name: str | None
    sign: float
    rom: str  # which RangeOfMotion field the fractions scale
    low: float
    high: float


@dataclass(frozen=True)
class ExerciseSpec:
    name: str
    channel: str  # the TickFrame angle the stretch moves
    directions: tuple[Direction, ...]
    needs_head: bool
    rules: tuple[FormRule, ...] = ()
    hold_s: float = 5.0
    reps: tuple[int, int] = (5, 10)
    neutral_fraction: float = 0.4  # back in neutral below this fraction of the band's low edge...
    neutral_min_deg: float = 2.5  # ...but never below this: sway and breathing stay inside
    wrong_way_fault: str | None = None  # for one-direction stretches: what moving the other way means
    quick_s: float = 1.5  # an attempt shorter than this is a quick nod, not a short hold
    plateau_fraction: float = 0.88  # the plateau is where the angle is within 12 % of its peak...
    plateau_min_deg: float = 2.5  # ...or within this, whichever is wider
    tolerance_s: float = 0.2  # tick quantisation at the plateau's edges


CHANNELS = ("thoracic_flexion", "thoracic_lateral", "neck_flexion", "neck_lateral", "neck_rotation")
TRUNK = (
    FormRule("trunk_compensation", "thoracic_flexion", 8.0),
    FormRule("trunk_compensation", "thoracic_lateral", 8.0),
)
HEAD_TURN = FormRule("head_turn", "neck_rotation", 15.0)

SPECS: dict[str, ExerciseSpec] = {
    "chin_tuck": ExerciseSpec(
        "chin_tuck",
        "neck_flexion",
        (Direction(None, 1.0, "neck_flexion", 0.12, 0.45),),
        needs_head=True,
        rules=(*TRUNK, HEAD_TURN, FormRule("head_jut", "neck_flexion", 3.0, relative=False, below_only=True)),
        wrong_way_fault="head_jut",  # the chin goes up as the head juts forward
    ),
    "cervical_flexion": ExerciseSpec(
        "cervical_flexion",
        "neck_flexion",
        (Direction(None, 1.0, "neck_flexion", 0.5, 1.5),),
        needs_head=True,
        rules=(*TRUNK, HEAD_TURN),
        wrong_way_fault="wrong_direction",
    ),
    "lateral_flexion": ExerciseSpec(
        "lateral_flexion",
        "neck_lateral",
        (
            Direction("right", 1.0, "neck_lateral", 0.4, 1.5),
            Direction("left", -1.0, "neck_lateral", 0.4, 1.5),
        ),
        needs_head=True,
        rules=(
            FormRule("trunk_compensation", "thoracic_lateral", 8.0),
            # raised shoulders lift the clip and tip the upper back backward
            FormRule("shoulders_hunched", "thoracic_flexion", 3.0, below_only=True),
            HEAD_TURN,
        ),
    ),
    "shoulder_squeeze": ExerciseSpec(
        "shoulder_squeeze",
        "thoracic_flexion",
        (
            Direction("back", -1.0, "thoracic_extension", 0.4, 2.0),
            Direction("forward", 1.0, "thoracic_flexion", 0.4, 1.5),
        ),
        needs_head=False,
        rules=(
            FormRule("trunk_compensation", "thoracic_lateral", 8.0),
            FormRule("head_jut", "neck_flexion", 12.0, relative=False),
            HEAD_TURN,
        ),
    ),
}


def spec_for(name: str) -> ExerciseSpec:
    try:
        return SPECS[name]
    except KeyError:
        raise UnknownExerciseError(
            f"unknown exercise {name!r}", hint=f"choose one of: {', '.join(SPECS)}"
        ) from None


@dataclass
class _Attempt:
    direction: Direction
    start: float
    baseline: dict[str, float]
    wrong_way: bool = False
    values: list[float] = field(default_factory=list)  # the angle toward the direction, per tick
    in_band_since: float | None = None
    faults: set[str] = field(default_factory=set)


class ExerciseMachine:
    """Runs one :class:`ExerciseSpec` on ticks; ``step`` returns progress values as they change."""

    def __init__(self, name: str, settings: PipelineSettings, rom: RangeOfMotion | None = None) -> None:
        self.spec = spec_for(name)
        self.rom = rom or RangeOfMotion()
        self.dt = 1.0 / settings.stream.tick_hz
        self.holds: list[HoldRecord] = []
        self.attempt: _Attempt | None = None
        self.verifiable = True
        self.last_t = 0.0
        self.rest: dict[str, float] = {}
        spec = self.spec
        self.bands = {
            d.name: (d.low * getattr(self.rom, d.rom), d.high * getattr(self.rom, d.rom))
            for d in spec.directions
        }
        self.neutral = {
            d.name: max(spec.neutral_min_deg, spec.neutral_fraction * self.bands[d.name][0])
            for d in spec.directions
        }
        self.rest_limit = min(self.neutral.values())

    @property
    def valid_reps(self) -> int:
        """Reps with a valid hold in every direction, in order (right then left; back then forward)."""
        names = [d.name for d in self.spec.directions]
        reps, want = 0, 0
        for h in self.holds:
            if h.valid and h.side == names[want]:
                want += 1
                if want == len(names):
                    reps, want = reps + 1, 0
            else:
                want = 1 if (h.valid and h.side == names[0]) else 0
        return reps

    def progress(self, phase: str, message: str = "") -> ExerciseProgress:
        a = self.attempt
        held = 0.0
        if a is not None and a.in_band_since is not None:
            held = self.last_t - a.in_band_since
        last_faults = tuple(sorted(a.faults)) if a else (self.holds[-1].faults if self.holds else ())
        return ExerciseProgress(
            self.spec.name,
            self.verifiable,
            phase,
            self.last_t,
            held,
            len(self.holds),
            self.valid_reps,
            self.spec.reps[0],
            a.direction.name if a else None,
            last_faults,
            message,
        )

    def _begin(self, v: float) -> _Attempt | None:
        for d in self.spec.directions:
            if d.sign * v > self.neutral[d.name]:
                return _Attempt(d, 0.0, {})
        if self.spec.wrong_way_fault is not None and len(self.spec.directions) == 1:
            d = self.spec.directions[0]
            if -d.sign * v > self.neutral[d.name]:
                return _Attempt(d, 0.0, {}, wrong_way=True)
        return None

    def step(self, frame: TickFrame, *, has_head: bool) -> list[ExerciseProgress]:
        spec = self.spec
        events: list[ExerciseProgress] = []
        if len(frame) == 0:
            return events
        if spec.needs_head and not has_head:
            if self.verifiable:
                self.verifiable = False
                self.last_t = float(frame.t[0])
                events.append(self.progress("not_verifiable", "this stretch needs the head clip"))
            return events
        channels = {
            name: getattr(frame, name).tolist()
            for name in (
                "thoracic_flexion",
                "thoracic_lateral",
                "neck_flexion",
                "neck_lateral",
                "neck_rotation",
            )
        }
        value = channels[spec.channel]
        skip = (frame.state == CALIBRATING) | (frame.state == NO_DATA)
        half = 0.5 * self.dt
        for i, (t, sk) in enumerate(zip(frame.t.tolist(), skip.tolist(), strict=True)):
            self.last_t = t
            v = value[i]
            if sk or math.isnan(v):
                if self.attempt is not None:
                    self.attempt = None  # an interrupted attempt is not a hold
                    events.append(self.progress("neutral", "interrupted"))
                continue
            a = self.attempt
            if a is None:
                a = self._begin(v)
                if a is None:
                    # Form is judged against the last tick well inside neutral, before the movement.
                    if abs(v) <= 0.5 * self.rest_limit:
                        self.rest = {name: col[i] for name, col in channels.items()}
                    continue
                a.start = t - half
                a.baseline = self.rest or {name: col[i] for name, col in channels.items()}
                self.attempt = a
                events.append(self.progress("moving"))
            d = a.direction
            low, high = self.bands[d.name]
            x = (-d.sign if a.wrong_way else d.sign) * v
            a.values.append(-x if a.wrong_way else x)
            inside = not a.wrong_way and low <= x <= high
            if inside and a.in_band_since is None:
                a.in_band_since = t - half
                events.append(self.progress("holding"))
            elif not inside and a.in_band_since is not None:
                a.in_band_since = None
                events.append(self.progress("returning"))
            for rule in spec.rules:
                c = channels[rule.channel][i]
                if math.isnan(c):
                    continue
                if rule.relative and not math.isnan(a.baseline[rule.channel]):
                    c -= a.baseline[rule.channel]
                if (c < -rule.limit_deg) if rule.below_only else (abs(c) > rule.limit_deg):
                    a.faults.add(rule.fault)
            if x <= self.neutral[d.name]:
                self._close(t + half)
                events.append(self.progress("neutral"))
        return events

    def _close(self, end: float) -> None:
        a = self.attempt
        assert a is not None
        spec = self.spec
        d = a.direction
        low, high = self.bands[d.name]
        faults = set(a.faults)
        x = np.asarray(a.values)
        peak = float(x.max()) if x.size else 0.0
        best = 0.0
        if a.wrong_way:
            faults.add(spec.wrong_way_fault or "wrong_direction")
        elif peak >= low:
            # Within 12 % of the peak, but never tighter than the sway of a person holding still.
            floor = peak - max((1.0 - spec.plateau_fraction) * peak, spec.plateau_min_deg)
            on = (x >= max(low, floor)) & (x <= high)
            best = _longest_run(on) * self.dt
        if end - a.start < spec.quick_s:
            faults.add("quick_nod")
        elif not a.wrong_way:
            if peak < low:
                faults.add("not_far_enough")
            elif peak > high:
                faults.add("overshoot")
            if best < spec.hold_s - spec.tolerance_s and peak >= low:
                faults.add("too_short")
        valid = not faults and best >= spec.hold_s - spec.tolerance_s
        self.holds.append(HoldRecord(a.start, end, round(best, 3), valid, tuple(sorted(faults)), d.name))
        self.attempt = None

    def finish(self) -> list[ExerciseProgress]:
        if self.attempt is not None:
            self.attempt.faults.add("unfinished")
            self._close(self.last_t + 0.5 * self.dt)
        return [self.progress("not_verifiable" if not self.verifiable else "done")]

    def report(self) -> ExerciseReport:
        msg = "" if self.verifiable else "not verifiable: this stretch needs the head clip"
        return ExerciseReport(
            self.spec.name, self.verifiable, len(self.holds), self.valid_reps, tuple(self.holds), msg
        )


def _longest_run(mask: np.ndarray) -> int:
    """The length of the longest run of ``True`` in a boolean (N,) array."""
    if not mask.any():
        return 0
    padded = np.concatenate([[False], mask, [False]]).astype(np.int8)
    edges = np.flatnonzero(np.diff(padded))
    return int((edges[1::2] - edges[::2]).max())
