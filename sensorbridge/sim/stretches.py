"""The four stretches of the article, done well or with a planted fault.

Each rep moves to the stretch's position along a minimum-jerk ramp, stays on a plateau, and returns
to neutral. A ``hold`` label marks the plateau exactly (from the end of the ramp in to the start of the
ramp out) with ``exercise``, ``rep`` (0-based), ``side`` (lateral flexion: right/left) or ``phase``
(shoulder squeeze: back/forward), ``faults`` (the planted :class:`Fault` values, empty when done well)
and ``valid`` (plateau of at least :data:`HOLD_S` and no fault). A quick nod has no plateau: its hold
label has zero length at the nod's peak.

Targets (degrees): chin tuck neck flexion 12-16 with the head drawn back 1.5 cm; cervical flexion
neck flexion 40-50; lateral flexion neck lateral 30-38 right then left; shoulder squeeze thoracic
extension 7-9 (back) then flexion 10-13 (forward), the head kept level by half compensating.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence

import numpy as np

from sensorbridge.sim.moves import rad
from sensorbridge.sim.timeline import LabelKind, Script

HOLD_S = 5.0  # the article's hold
GOOD_PLATEAU_S = (6.0, 7.5)  # comfortably over the hold, so counting is unambiguous
SHORT_PLATEAU_S = (2.0, 3.5)  # clearly too short
REST_S = (2.0, 3.5)  # at neutral between reps


class Exercise(enum.StrEnum):
    CHIN_TUCK = "chin_tuck"
    CERVICAL_FLEXION = "cervical_flexion"
    LATERAL_FLEXION = "lateral_flexion"
    SHOULDER_SQUEEZE = "shoulder_squeeze"


class Fault(enum.StrEnum):
    """What can be wrong with a hold; the names the pipeline reports."""

    TOO_SHORT = "too_short"  # left the position before the hold time
    TRUNK_COMPENSATION = "trunk_compensation"  # the trunk leans (or flexes) instead of the neck
    SHOULDERS_HUNCHED = "shoulders_hunched"  # shoulders raised: clip lifts 3 cm, upper back tips back 5°
    HEAD_JUT = "head_jut"  # head pushed forward 4-5 cm, chin up
    QUICK_NOD = "quick_nod"  # a fast nod with no hold
    HEAD_TURN = "head_turn"  # the head rotates instead of tilting


# The faults each stretch's "done badly" scenario plants, one per faulty rep, between good reps.
BAD_REPS: dict[Exercise, tuple[tuple[Fault, ...], ...]] = {
    Exercise.CHIN_TUCK: ((), (Fault.TOO_SHORT,), (Fault.HEAD_JUT,), (), (Fault.TRUNK_COMPENSATION,), ()),
    Exercise.CERVICAL_FLEXION: ((), (Fault.QUICK_NOD,), (Fault.TOO_SHORT,), (Fault.TRUNK_COMPENSATION,), ()),
    Exercise.LATERAL_FLEXION: (
        (),
        (Fault.TRUNK_COMPENSATION,),
        (Fault.SHOULDERS_HUNCHED,),
        (Fault.HEAD_TURN,),
        (Fault.TOO_SHORT,),
    ),
    Exercise.SHOULDER_SQUEEZE: ((), (Fault.TOO_SHORT,), (Fault.HEAD_JUT,), ()),
}

FAULTS_BY_EXERCISE: dict[Exercise, tuple[Fault, ...]] = {
    ex: tuple(dict.fromkeys(f for rep in reps for f in rep)) for ex, reps in BAD_REPS.items()
}


def _plateau(rng: np.random.Generator, faults: Sequence[Fault]) -> float:
    lo, hi = SHORT_PLATEAU_S if Fault.TOO_SHORT in faults else GOOD_PLATEAU_S
    return float(rng.uniform(lo, hi))


def _hold(
    s: Script,
    rng: np.random.Generator,
    exercise: Exercise,
    rep: int,
    faults: Sequence[Fault],
    ramp_s: float,
    targets: dict[str, float],
    **info: str,
) -> None:
    s.move_to(ramp_s, targets)
    start = s.now
    s.hold(_plateau(rng, faults))
    valid = not faults and s.now - start >= HOLD_S
    s.label(
        LabelKind.HOLD,
        start,
        s.now,
        exercise=str(exercise),
        rep=rep,
        faults=[str(f) for f in faults],
        valid=valid,
        **info,
    )
    back = dict.fromkeys(targets, 0.0)
    s.move_to(ramp_s, back)


def chin_tuck_rep(s: Script, rng: np.random.Generator, rep: int, faults: Sequence[Fault]) -> None:
    targets = {"nk_flex": rad(rng.uniform(12.0, 16.0)), "head_fwd": -0.015}
    if Fault.HEAD_JUT in faults:
        targets = {"nk_flex": rad(-rng.uniform(6.0, 10.0)), "head_fwd": 0.045}
    if Fault.TRUNK_COMPENSATION in faults:
        targets["th_flex"] = rad(rng.uniform(10.0, 14.0))
    _hold(s, rng, Exercise.CHIN_TUCK, rep, faults, 1.5, targets)


def cervical_flexion_rep(s: Script, rng: np.random.Generator, rep: int, faults: Sequence[Fault]) -> None:
    if Fault.QUICK_NOD in faults:
        s.move(0.35, nk_flex=rad(rng.uniform(22.0, 30.0)))
        s.label(
            LabelKind.HOLD,
            s.now,
            s.now,
            exercise=str(Exercise.CERVICAL_FLEXION),
            rep=rep,
            faults=[str(f) for f in faults],
            valid=False,
        )
        s.move(0.35, nk_flex=0.0)
        return
    targets = {"nk_flex": rad(rng.uniform(40.0, 50.0))}
    if Fault.TRUNK_COMPENSATION in faults:
        targets["th_flex"] = rad(rng.uniform(12.0, 18.0))
    _hold(s, rng, Exercise.CERVICAL_FLEXION, rep, faults, 2.0, targets)


def lateral_flexion_rep(s: Script, rng: np.random.Generator, rep: int, faults: Sequence[Fault]) -> None:
    """Right, rest, left: two holds. A fault is planted on the right side only."""
    for side, sign in (("right", 1.0), ("left", -1.0)):
        here = faults if side == "right" else ()
        targets = {"nk_lat": rad(sign * rng.uniform(30.0, 38.0))}
        if Fault.TRUNK_COMPENSATION in here:
            targets["th_lat"] = rad(sign * rng.uniform(10.0, 14.0))
        if Fault.SHOULDERS_HUNCHED in here:
            targets["shoulder"] = 0.03
            targets["th_flex"] = rad(-5.0)
        if Fault.HEAD_TURN in here:
            targets = {"nk_lat": rad(sign * rng.uniform(8.0, 12.0)), "nk_rot": rad(-sign * 35.0)}
        _hold(s, rng, Exercise.LATERAL_FLEXION, rep, here, 2.0, targets, side=side)
        s.hold(float(rng.uniform(*REST_S)))


def shoulder_squeeze_rep(s: Script, rng: np.random.Generator, rep: int, faults: Sequence[Fault]) -> None:
    """Squeeze back (hold), then roll forward (hold), then neutral. A fault is planted on the
    forward phase, where the head tends to go."""
    ext = rng.uniform(7.0, 9.0)
    flex = rng.uniform(10.0, 13.0)
    back = {"th_flex": rad(-ext), "nk_flex": rad(0.5 * ext), "shoulder": -0.01}
    _hold(s, rng, Exercise.SHOULDER_SQUEEZE, rep, (), 1.5, back, phase="back")
    fwd = {"th_flex": rad(flex), "nk_flex": rad(-0.5 * flex), "shoulder": 0.01}
    if Fault.HEAD_JUT in faults:
        fwd["nk_flex"] = rad(-0.5 * flex - 12.0)
        fwd["head_fwd"] = 0.05
    _hold(s, rng, Exercise.SHOULDER_SQUEEZE, rep, faults, 1.5, fwd, phase="forward")


REP = {
    Exercise.CHIN_TUCK: chin_tuck_rep,
    Exercise.CERVICAL_FLEXION: cervical_flexion_rep,
    Exercise.LATERAL_FLEXION: lateral_flexion_rep,
    Exercise.SHOULDER_SQUEEZE: shoulder_squeeze_rep,
}


def exercise_set(
    s: Script, rng: np.random.Generator, exercise: Exercise, reps: Sequence[Sequence[Fault]]
) -> None:
    """One set: a rep per entry of ``reps`` (its planted faults), resting at neutral between reps.
    Label ``exercise`` over the whole set."""
    start = s.now
    for i, faults in enumerate(reps):
        REP[exercise](s, rng, i, faults)
        s.hold(float(rng.uniform(*REST_S)))
    s.label(LabelKind.EXERCISE, start, s.now, exercise=str(exercise), reps=len(reps))
