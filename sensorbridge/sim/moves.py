"""The wearer's repertoire: calibration, slouching, reaching, standing and walking, turning the chair.

Each move writes transitions and labels into a :class:`~sensorbridge.sim.timeline.Script` from its
cursor and leaves the cursor at the move's end. Angles are given in degrees here (scripts read like
a description of the person) and stored in rad. The stretches are in :mod:`sensorbridge.sim.stretches`.
"""

from __future__ import annotations

import math

import numpy as np

from sensorbridge.sim.timeline import Ch, LabelKind, Script

CALM_SWAY = 0.25  # sway envelope while the wearer holds still on purpose
CALIBRATION_HOLD_S = 10.0
MOUNTING_BEND_DEG = 30.0  # bend forward slowly and come back (the back clip's flexion axis)
MOUNTING_NOD_DEG = 25.0  # nod (the head clip's flexion axis)
SEAT_TO_STAND_M = 0.45  # the pelvis rises this much when the wearer stands


def rad(deg: float) -> float:
    return math.radians(deg)


def calibration(s: Script, head: bool = True) -> None:
    """Sit in the neutral pose and hold still, then bend forward slowly and come back, then nod.

    Labels: ``calibration_hold`` (the still part), ``mounting_movement``, and ``calibrating`` for the
    whole procedure. The nod is performed even without a head clip (the body does not know).
    """
    start = s.now
    s.move(1.0, sway=CALM_SWAY, th_flex=0.0, th_lat=0.0, nk_flex=0.0, nk_lat=0.0, nk_rot=0.0)
    hold_start = s.now
    s.hold(CALIBRATION_HOLD_S)
    s.label(LabelKind.CALIBRATION_HOLD, hold_start, s.now)
    mount_start = s.now
    s.move(3.0, th_flex=rad(MOUNTING_BEND_DEG)).hold(1.0).move(3.0, th_flex=0.0).hold(1.0)
    s.move(1.5, nk_flex=rad(MOUNTING_NOD_DEG)).hold(0.5).move(1.5, nk_flex=0.0).hold(1.0)
    s.label(LabelKind.MOUNTING_MOVEMENT, mount_start, s.now, head=head)
    s.move(1.0, sway=1.0)
    s.label(LabelKind.CALIBRATING, start, s.now)


def sit(s: Script, seconds: float, rng: np.random.Generator) -> None:
    """Work upright for ``seconds``: small glances down at the keyboard and back."""
    end = s.now + seconds
    while end - s.now > 8.0:
        s.hold(min(end - s.now - 6.0, float(rng.uniform(5.0, 40.0))))
        if end - s.now < 6.0:
            break
        glance = rng.uniform(-4.0, 8.0)
        s.move(1.5, nk_flex=rad(glance), nk_rot=rad(rng.uniform(-8.0, 8.0)))
    s.hold(max(0.0, end - s.now))


def slouch(
    s: Script,
    depth_deg: float,
    seconds: float,
    rng: np.random.Generator,
    onset_s: float = 5.0,
    recover_s: float = 3.0,
) -> None:
    """Sink into a slouch of ``depth_deg`` thoracic flexion (plus a slow wobble), stay ``seconds``,
    then sit up. The neck extends a little to keep the eyes on the screen and the head drifts
    forward, as people do. Label ``slouch`` with the planned depth, from onset start to recovery end."""
    start = s.now
    wobble = rad(min(3.0, max(0.5, (depth_deg - 14.0) / 2.0)))
    s.move(
        onset_s,
        th_flex=rad(depth_deg),
        th_lat=rad(rng.uniform(-3.0, 3.0)),
        nk_flex=rad(-0.35 * depth_deg),
        head_fwd=0.02,
        wobble=wobble,
    )
    s.hold(seconds)
    s.move(recover_s, th_flex=0.0, th_lat=0.0, nk_flex=0.0, head_fwd=0.0, wobble=0.0)
    s.label(LabelKind.SLOUCH, start, s.now, depth_deg=depth_deg)


def sink(s: Script, depth_deg: float, onset_s: float = 5.0) -> None:
    """Start a slouch that lasts until :func:`sit_up` (live requests)."""
    s.move(
        onset_s,
        th_flex=rad(depth_deg),
        nk_flex=rad(-0.35 * depth_deg),
        head_fwd=0.02,
        wobble=rad(min(3.0, (depth_deg - 14.0) / 2.0)),
    )


def sit_up(s: Script, seconds: float = 3.0) -> None:
    """Back to the neutral pose from wherever the trunk and head are."""
    s.move(seconds, th_flex=0.0, th_lat=0.0, nk_flex=0.0, nk_lat=0.0, nk_rot=0.0, head_fwd=0.0, wobble=0.0)


def forward_head(s: Script, flexion_deg: float, seconds: float) -> None:
    """Look down at a laptop with the head pushed forward, trunk upright. Label ``forward_head``."""
    start = s.now
    s.move(3.0, nk_flex=rad(flexion_deg), head_fwd=0.04)
    s.hold(seconds)
    s.move(2.5, nk_flex=0.0, head_fwd=0.0)
    s.label(LabelKind.FORWARD_HEAD, start, s.now, flexion_deg=flexion_deg)


def reach(s: Script, rng: np.random.Generator) -> None:
    """Lean forward and to one side for something on the desk, then sit back. Label ``moving``."""
    start = s.now
    side = float(rng.choice([-1.0, 1.0]))
    heading = s.value(Ch.HEADING)
    s.move(
        float(rng.uniform(0.8, 1.3)),
        th_flex=rad(rng.uniform(28.0, 42.0)),
        th_lat=rad(side * rng.uniform(5.0, 12.0)),
        heading=heading + rad(side * rng.uniform(-25.0, -10.0)),
        nk_flex=rad(rng.uniform(5.0, 15.0)),
    )
    s.hold(float(rng.uniform(0.8, 2.0)))
    s.move(float(rng.uniform(0.9, 1.4)), th_flex=0.0, th_lat=0.0, heading=heading, nk_flex=0.0)
    s.label(LabelKind.MOVING, start, s.now, what="reach")


def turn_chair(s: Script, degrees: float) -> None:
    """Swivel the chair by ``degrees`` (+ to the left) at a natural pace. Label ``moving``."""
    start = s.now
    seconds = max(1.0, abs(degrees) / 70.0)
    s.move(seconds, heading=s.value(Ch.HEADING) + rad(degrees))
    s.label(LabelKind.MOVING, start, s.now, what="turn_chair")


def stand_up(s: Script) -> None:
    """Lean forward, rise, straighten. Label ``moving``."""
    start = s.now
    heading = s.value(Ch.HEADING)
    fwd = np.array([math.cos(heading), math.sin(heading)])
    p = np.array([s.value(Ch.PX), s.value(Ch.PY)]) + 0.2 * fwd
    s.move(0.8, th_flex=rad(35.0), nk_flex=rad(-10.0))
    s.move(1.2, th_flex=rad(5.0), nk_flex=0.0, pz=SEAT_TO_STAND_M, px=float(p[0]), py=float(p[1]))
    s.move(0.6, th_flex=0.0)
    s.label(LabelKind.MOVING, start, s.now, what="stand_up")


def sit_down(s: Script) -> None:
    """Lower onto the chair. Label ``moving``."""
    start = s.now
    heading = s.value(Ch.HEADING)
    fwd = np.array([math.cos(heading), math.sin(heading)])
    p = np.array([s.value(Ch.PX), s.value(Ch.PY)]) - 0.2 * fwd
    s.move(0.8, th_flex=rad(30.0), nk_flex=rad(-8.0))
    s.move(1.2, th_flex=rad(5.0), nk_flex=0.0, pz=0.0, px=float(p[0]), py=float(p[1]))
    s.move(0.8, th_flex=0.0)
    s.label(LabelKind.MOVING, start, s.now, what="sit_down")


def walk(s: Script, metres: float, turn_deg: float = 0.0) -> None:
    """Turn by ``turn_deg`` on the spot, then walk ``metres`` along the heading at about 1.2 m/s.
    Label ``moving``."""
    start = s.now
    speed = 1.2
    seconds = max(2.0, metres / speed)
    s.move(0.5, advance=False, gait=1.0)
    if turn_deg:
        s.move(max(1.0, abs(turn_deg) / 120.0), heading=s.value(Ch.HEADING) + rad(turn_deg))
    heading = s.value(Ch.HEADING)
    end_x = s.value(Ch.PX) + metres * math.cos(heading)
    end_y = s.value(Ch.PY) + metres * math.sin(heading)
    s.move(seconds, px=end_x, py=end_y)
    s.timeline.channels[Ch.GAIT].add(s.now, s.now + 0.6, 0.0)
    s.hold(0.6)
    s.label(LabelKind.MOVING, start, s.now, what="walk")


def walk_away(s: Script, rng: np.random.Generator) -> None:
    """Stand up and walk off (the clips stay on)."""
    stand_up(s)
    walk(s, float(rng.uniform(6.0, 12.0)), turn_deg=float(rng.uniform(-120.0, 120.0)))


def come_back(s: Script) -> None:
    """Walk back to the chair from wherever the wearer is, turn to the desk and sit down."""
    # Aim at the spot in front of the chair (facing the desk, heading 0) from which sit_down lands
    # on the seat at the origin.
    dx, dy = 0.2 - s.value(Ch.PX), -s.value(Ch.PY)
    dist = math.hypot(dx, dy)
    heading = s.value(Ch.HEADING)
    if dist > 0.05:
        want = math.atan2(dy, dx)
        turn = math.degrees((want - heading + math.pi) % (2 * math.pi) - math.pi)
        walk(s, dist, turn_deg=turn)
        heading = s.value(Ch.HEADING)
    # Face the desk (heading 0 modulo full turns, the shorter way) and sit.
    face = math.degrees((-heading + math.pi) % (2 * math.pi) - math.pi)
    if abs(face) > 1.0:
        start = s.now
        s.move(max(1.0, abs(face) / 120.0), heading=heading + rad(face))
        s.label(LabelKind.MOVING, start, s.now, what="turn")
    sit_down(s)


TAKE_OFF_S = 3.0  # unclip, lay on the desk (or pick up and clip on)


def clip_break(s: Script, rng: np.random.Generator, seconds: float) -> None:
    """Take both clips off and lay them on the desk, walk away for ``seconds``, come back, sit down,
    put them on again (same mounting). Labels: ``moving`` for taking off and putting on, and
    ``not_worn`` from the moment the clips lie on the desk until they are picked up."""
    start = s.now
    s.move(TAKE_OFF_S, off=1.0)
    s.label(LabelKind.MOVING, start, s.now, what="take_off")
    off = s.now
    walk_away(s, rng)
    s.hold(seconds)
    come_back(s)
    s.hold(float(rng.uniform(2.0, 6.0)))
    s.label(LabelKind.NOT_WORN, off, s.now)
    start = s.now
    s.move(TAKE_OFF_S, off=0.0)
    s.label(LabelKind.MOVING, start, s.now, what="put_on")
