"""Stretch verification: each of the article's four stretches is a declarative :class:`ExerciseSpec`,
and one state machine (:class:`ExerciseMachine`) runs any of them on ticks.

An attempt starts when the exercise's angle leaves the neutral band toward a target direction and ends
when it comes back. Its hold is the longest continuous time inside the target band; it counts when
that reaches ``hold_s`` (5 s, the article's) and no form rule was broken. Faults are named:
``quick_nod`` (in band under a second), ``too_short`` (under ``hold_s``), ``not_far_enough`` (never in
band), ``overshoot`` (past the band), ``head_turn``, ``trunk_compensation``, ``shoulders_hunched``,
``head_jut``. Targets are fractions of the wearer's own range of motion (:class:`RangeOfMotion`),
because ranges vary widely between people. Without the head clip the neck stretches are reported as
not verifiable, never as done.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sensorbridge.errors import SensorbridgeError
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
    neutral_fraction: float = 0.4  # back in neutral below this fraction of the band's low edge
    quick_s: float = 1.0  # in band shorter than this is a quick nod, not a short hold
    tolerance_s: float = 0.2  # tick quantisation at the band's edges


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
        rules=(*TRUNK, HEAD_TURN, FormRule("head_jut", "neck_flexion", 8.0, relative=False, below_only=True)),
    ),
    "cervical_flexion": ExerciseSpec(
        "cervical_flexion",
        "neck_flexion",
        (Direction(None, 1.0, "neck_flexion", 0.5, 1.5),),
        needs_head=True,
        rules=(*TRUNK, HEAD_TURN),
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
            FormRule("shoulders_hunched", "thoracic_flexion", 6.0),
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
    in_band_since: float | None = None
    best: float = 0.0
    peak: float = 0.0
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
        self.bands = [
            (d, d.low * getattr(self.rom, d.rom), d.high * getattr(self.rom, d.rom))
            for d in self.spec.directions
        ]
        self.neutral = min(low for _, low, _ in self.bands) * self.spec.neutral_fraction

    @property
    def valid_reps(self) -> int:
        counts = [sum(1 for h in self.holds if h.valid and h.side == d.name) for d in self.spec.directions]
        return min(counts)

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
        half = 0.5 * self.dt
        for i, t in enumerate(frame.t.tolist()):
            self.last_t = t
            v = value[i]
            if math.isnan(v):
                if self.attempt is not None:
                    self._close(t - half, ("no_data",))
                    events.append(self.progress("neutral"))
                continue
            a = self.attempt
            if a is None:
                if abs(v) <= self.neutral:
                    continue
                direction = next((d for d, _, _ in self.bands if d.sign * v > 0), None)
                if direction is None:
                    continue
                base = {name: col[i] for name, col in channels.items()}
                a = self.attempt = _Attempt(direction, t - half, base)
                events.append(self.progress("moving"))
            d, low, high = next(b for b in self.bands if b[0] is a.direction)
            x = d.sign * v
            a.peak = max(a.peak, x)
            inside = low <= x <= high
            if inside and a.in_band_since is None:
                a.in_band_since = t - half
                events.append(self.progress("holding"))
            elif not inside and a.in_band_since is not None:
                a.best = max(a.best, t - half - a.in_band_since)
                a.in_band_since = None
                events.append(self.progress("returning"))
            for rule in spec.rules:
                c = channels[rule.channel][i]
                if math.isnan(c):
                    continue
                if rule.relative:
                    c -= a.baseline[rule.channel] if not math.isnan(a.baseline[rule.channel]) else 0.0
                if (c < -rule.limit_deg) if rule.below_only else (abs(c) > rule.limit_deg):
                    a.faults.add(rule.fault)
            if x <= self.neutral:
                self._close(t + half, ())
                events.append(self.progress("neutral"))
        return events

    def _close(self, end: float, extra: tuple[str, ...]) -> None:
        a = self.attempt
        assert a is not None
        if a.in_band_since is not None:
            a.best = max(a.best, end - a.in_band_since)
        faults = set(a.faults) | set(extra)
        d, low, high = next(b for b in self.bands if b[0] is a.direction)
        spec = self.spec
        if a.peak < low:
            faults.add("not_far_enough")
        elif a.peak > high:
            faults.add("overshoot")
        if 0 < a.best < spec.quick_s:
            faults.add("quick_nod")
        elif spec.quick_s <= a.best < spec.hold_s - spec.tolerance_s:
            faults.add("too_short")
        valid = not faults and a.best >= spec.hold_s - spec.tolerance_s
        self.holds.append(HoldRecord(a.start, end, round(a.best, 3), valid, tuple(sorted(faults)), d.name))
        self.attempt = None

    def finish(self) -> list[ExerciseProgress]:
        if self.attempt is not None:
            self._close(self.last_t + 0.5 * self.dt, ("unfinished",))
        return [self.progress("not_verifiable" if not self.verifiable else "done")]

    def report(self) -> ExerciseReport:
        msg = "" if self.verifiable else "not verifiable: this stretch needs the head clip"
        return ExerciseReport(
            self.spec.name, self.verifiable, len(self.holds), self.valid_reps, tuple(self.holds), msg
        )
