"""Scripted, seeded scenarios: a desk day, each stretch done well and badly, a clip not worn.

Every scenario starts with the calibration procedure (:func:`~sensorbridge.sim.moves.calibration`,
:data:`CALIBRATION_END_S` seconds: a 10 s neutral hold, then bend forward and back, then a nod),
except ``not_worn``. Build one with :func:`build_scenario`; the same name, duration and seed always
give the same script.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from sensorbridge.errors import SensorbridgeError
from sensorbridge.sim import moves
from sensorbridge.sim.stretches import BAD_REPS, Exercise, exercise_set
from sensorbridge.sim.timeline import LabelKind, Script, Timeline

MIN_GAP_S = 20.0  # upright time after every event, so planted episodes never run together


class ScenarioError(SensorbridgeError):
    """An unknown scenario or impossible parameters."""


@dataclass(frozen=True)
class BuiltScenario:
    name: str
    timeline: Timeline
    duration_s: float
    worn: bool = True


def _showcase(s: Script, rng: np.random.Generator) -> list[tuple[float, Callable[[], None]]]:
    """The events every desk day begins with, so even a few minutes hold one of each: (the most
    seconds each can take, the event)."""
    return [
        (70.0, lambda: moves.slouch(s, float(rng.uniform(18.0, 24.0)), float(rng.uniform(40.0, 60.0)), rng)),
        (5.0, lambda: moves.reach(s, rng)),
        (3.0, lambda: moves.turn_chair(s, float(rng.choice([-1.0, 1.0]) * rng.uniform(60.0, 100.0)))),
        (30.0, lambda: moves.slouch(s, float(rng.uniform(17.0, 22.0)), float(rng.uniform(10.0, 18.0)), rng)),
        (60.0, lambda: moves.forward_head(s, float(rng.uniform(24.0, 30.0)), float(rng.uniform(35.0, 50.0)))),
        (80.0, lambda: _away(s, rng, float(rng.uniform(15.0, 30.0)))),
    ]


def _away(s: Script, rng: np.random.Generator, seconds: float) -> None:
    moves.walk_away(s, rng)
    s.hold(seconds)
    moves.come_back(s)


def _random_event(s: Script, rng: np.random.Generator) -> None:
    kind = rng.choice(
        ["slouch", "short_slouch", "reach", "turn", "forward_head", "away"],
        p=[0.24, 0.12, 0.28, 0.18, 0.12, 0.06],
    )
    if kind == "slouch":
        depth = float(rng.uniform(16.0, 30.0))
        moves.slouch(s, depth, float(np.exp(rng.uniform(np.log(35.0), np.log(420.0)))), rng)
    elif kind == "short_slouch":
        moves.slouch(s, float(rng.uniform(16.0, 25.0)), float(rng.uniform(5.0, 15.0)), rng)
    elif kind == "reach":
        moves.reach(s, rng)
    elif kind == "turn":
        moves.turn_chair(s, float(rng.choice([-1.0, 1.0]) * rng.uniform(30.0, 120.0)))
    elif kind == "forward_head":
        moves.forward_head(s, float(rng.uniform(22.0, 32.0)), float(rng.uniform(35.0, 300.0)))
    else:
        _away(s, rng, float(rng.uniform(30.0, 300.0)))


EVENT_ROOM_S = 500.0  # the longest event (a 7-minute slouch or time away) fits in this
BREAK_ROOM_S = 170.0  # the opening events' clip break: take off, 1-2 min away, put on


def desk_day(
    duration_s: float, rng: np.random.Generator, head: bool = True, breaks: bool = False
) -> BuiltScenario:
    """Desk work for ``duration_s``: slouches of 5 s to 7 min and 16-30° (with wobble), forward-head
    spells, reaches, chair turns, walking away and back, upright work between them. With ``breaks``,
    the wearer also takes the clips off for a break (5-20 min) about once an hour."""
    s = Script()
    moves.calibration(s, head)
    showcase = _showcase(s, rng)
    if breaks:
        showcase.insert(2, (BREAK_ROOM_S, lambda: moves.clip_break(s, rng, float(rng.uniform(60.0, 120.0)))))
    for room, event in showcase:
        gap = MIN_GAP_S + float(rng.uniform(0.0, 15.0))
        if s.now + gap + room + MIN_GAP_S > duration_s:
            continue
        moves.sit(s, gap, rng)
        event()
    next_break = s.now + 3600.0
    while s.now + EVENT_ROOM_S + MIN_GAP_S < duration_s:
        moves.sit(s, MIN_GAP_S + float(rng.exponential(120.0)), rng)
        if breaks and s.now > next_break and s.now + 1400.0 < duration_s:
            moves.clip_break(s, rng, float(rng.uniform(300.0, 1200.0)))
            next_break = s.now + 3600.0
            continue
        _random_event(s, rng)
    if s.now > duration_s:
        raise ScenarioError(
            f"a desk day needs at least {s.now:.0f} s for its opening events, got {duration_s:.0f} s",
            hint="pass --duration 180 or more",
        )
    moves.sit(s, duration_s - s.now, rng)
    return BuiltScenario("desk_day", s.timeline, duration_s)


def stretch_scenario(exercise: Exercise, bad: bool, reps: int = 6) -> Callable[..., BuiltScenario]:
    def build(duration_s: float | None, rng: np.random.Generator, head: bool = True) -> BuiltScenario:
        s = Script()
        moves.calibration(s, head)
        s.hold(5.0)
        plan = BAD_REPS[exercise] if bad else tuple(() for _ in range(reps))
        exercise_set(s, rng, exercise, plan)
        s.hold(5.0)
        end = s.now if duration_s is None else duration_s
        if end < s.now:
            raise ScenarioError(
                f"{exercise}{'_bad' if bad else ''} takes {s.now:.0f} s, asked for {end:.0f} s",
                hint=f"leave --duration out or give at least {s.now:.0f}",
            )
        s.hold(end - s.now)
        return BuiltScenario(f"{exercise}{'_bad' if bad else ''}", s.timeline, end)

    return build


def not_worn(duration_s: float, rng: np.random.Generator, head: bool = True) -> BuiltScenario:
    """Both clips lie flat on a desk, face up. Label ``not_worn`` throughout."""
    del rng, head
    s = Script()
    s.label(LabelKind.NOT_WORN, 0.0, duration_s)
    s.hold(duration_s)
    return BuiltScenario("not_worn", s.timeline, duration_s, worn=False)


def interactive(duration_s: float, rng: np.random.Generator, head: bool = True) -> BuiltScenario:
    """Calibration, then upright sitting until live requests say otherwise (the dashboard keys)."""
    s = Script()
    moves.calibration(s, head)
    s.hold(max(0.0, duration_s - s.now))
    return BuiltScenario("interactive", s.timeline, max(duration_s, s.now))


@dataclass(frozen=True)
class ScenarioSpec:
    name: str
    description: str
    default_duration_s: float | None  # None: the script decides
    build: Callable[..., BuiltScenario]


def _specs() -> dict[str, ScenarioSpec]:
    specs = [
        ScenarioSpec(
            "desk_day", "desk work with slouches, reaching, walking away, chair turns", 3600.0, desk_day
        ),
        ScenarioSpec("desk_short", "the first eight minutes of a desk day (tests)", 480.0, desk_day),
        ScenarioSpec(
            "desk_breaks",
            "a desk day with the clips taken off for breaks",
            3600.0,
            functools.partial(desk_day, breaks=True),
        ),
        ScenarioSpec("not_worn", "both clips flat on a desk", 120.0, not_worn),
        ScenarioSpec("interactive", "sits upright; live requests drive it (dashboard)", 3600.0, interactive),
    ]
    for ex in Exercise:
        specs.append(ScenarioSpec(str(ex), f"{ex} done well, 6 reps", None, stretch_scenario(ex, False)))
        bad = ", ".join(f for rep in BAD_REPS[ex] for f in rep)
        specs.append(
            ScenarioSpec(f"{ex}_bad", f"{ex} with planted faults: {bad}", None, stretch_scenario(ex, True))
        )
    return {s.name: s for s in specs}


SCENARIOS: dict[str, ScenarioSpec] = _specs()


def build_scenario(
    name: str, rng: np.random.Generator, duration_s: float | None = None, head: bool = True
) -> BuiltScenario:
    """The script of scenario ``name``; ``duration_s`` None means the scenario's default."""
    spec = SCENARIOS.get(name)
    if spec is None:
        raise ScenarioError(
            f"unknown scenario {name!r}", hint=f"choose one of: {', '.join(sorted(SCENARIOS))}"
        )
    if duration_s is not None and duration_s <= 0:
        raise ScenarioError(f"duration must be positive, got {duration_s} s")
    duration = spec.default_duration_s if duration_s is None else duration_s
    built = spec.build(duration, rng, head)
    return BuiltScenario(name, built.timeline, built.duration_s, built.worn)
