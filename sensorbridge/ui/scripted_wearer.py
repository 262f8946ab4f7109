"""A scripted stand-in for the wearer: smooth angle targets moved by keyboard requests.

Used by :class:`~sensorbridge.ui.scripted.ScriptedEngine` when the real live engine is not wired
in, and by tests that need exact, instantly repeatable posture. Angles in degrees (true, before
the clip's mounting offset), time in seconds stepped by the caller.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from sensorbridge.ui.errors import UiError
from sensorbridge.ui.model import StretchFault, StretchKind

SMOOTH_TAU_S = 0.4  # how quickly the wearer reaches a new pose: a calm human, not a step
REACH_S = 3.0  # a reach for the mouse or a cup
BEND_DEG = 30.0  # the forward bend the calibration asks for

# (angle the stretch is judged on, pose held) per stretch: thoracic or neck angle names of Angles.
STRETCH_POSE: dict[StretchKind, dict[str, float]] = {
    StretchKind.CHIN_TUCK: {"neck_flexion": 15.0},
    StretchKind.CERVICAL_FLEXION: {"neck_flexion": 40.0},
    StretchKind.LATERAL_FLEXION: {"neck_lateral": 25.0},
    StretchKind.SHOULDER_SQUEEZE: {"thoracic_flexion": -12.0},
}
STRETCH_BAD_FAULT: dict[StretchKind, StretchFault] = {
    StretchKind.CHIN_TUCK: StretchFault.HEAD_JUT,
    StretchKind.CERVICAL_FLEXION: StretchFault.TRUNK_COMPENSATION,
    StretchKind.LATERAL_FLEXION: StretchFault.SHOULDERS_HUNCHED,
    StretchKind.SHOULDER_SQUEEZE: StretchFault.HEAD_JUT,
}
ANGLE_NAMES = ("thoracic_flexion", "thoracic_lateral", "neck_flexion", "neck_lateral", "neck_rotation")


@dataclass(frozen=True)
class _Step:
    """Hold ``pose`` from ``start`` for ``seconds``, showing ``fault`` meanwhile."""

    start: float
    seconds: float
    pose: dict[str, float]
    fault: StretchFault | None = None


class ScriptedWearer:
    """A seated person whose pose follows requests; ``step(dt)`` moves time on."""

    def __init__(self) -> None:
        self.t = 0.0
        self.away = False
        self.cooperative = True  # does the calibration's forward bend when asked
        self._base: dict[str, float] = dict.fromkeys(ANGLE_NAMES, 0.0)
        self.angles: dict[str, float] = dict.fromkeys(ANGLE_NAMES, 0.0)
        self._moving_until = -1.0
        self._script: list[_Step] = []

    @property
    def moving(self) -> bool:
        return self.t < self._moving_until

    @property
    def fault(self) -> StretchFault | None:
        step = self._current_step()
        return None if step is None else step.fault

    def request(self, action: str) -> None:
        """Slouch, sit up, reach, walk away, come back (see ``engine.WEARER_ACTIONS``)."""
        if action == "slouch":
            self._base.update(thoracic_flexion=25.0, neck_flexion=15.0)
        elif action == "sit_up":
            self._base.update(thoracic_flexion=0.0, neck_flexion=0.0)
        elif action == "reach":
            self._moving_until = self.t + REACH_S
        elif action == "walk_away":
            self.away = True
        elif action == "come_back":
            self.away = False
        else:
            raise UiError(f"the virtual wearer cannot {action!r}", hint="use one of the keys in the footer")

    def bend_forward(self) -> None:
        """The calibration's mounting movement: down over 2 s, hold 1 s, back up."""
        if self.cooperative and not self.away:
            start = self.t
            self._script = [
                _Step(start, 2.0, {"thoracic_flexion": BEND_DEG / 2}),
                _Step(start + 2.0, 1.0, {"thoracic_flexion": BEND_DEG}),
                _Step(start + 3.0, 2.0, {}),
            ]

    def perform(self, kind: StretchKind, reps: int, *, well: bool) -> None:
        """Do ``reps`` repetitions; done badly, the first hold is too short and the second has the
        stretch's typical form fault. Lateral flexion alternates right (+) and left (-)."""
        t = self.t
        steps: list[_Step] = []
        (name, angle), *_ = STRETCH_POSE[kind].items()
        for rep in range(reps):
            sign = -1.0 if kind is StretchKind.LATERAL_FLEXION and rep % 2 else 1.0
            hold = 2.5 if (not well and rep == 0) else 6.0
            fault = STRETCH_BAD_FAULT[kind] if (not well and rep == 1) else None
            steps.append(_Step(t, 1.0, {name: sign * angle / 2}))
            steps.append(_Step(t + 1.0, hold, {name: sign * angle}, fault))
            steps.append(_Step(t + 1.0 + hold, 2.0, {}))
            t += 3.0 + hold
        self._script = steps

    def _current_step(self) -> _Step | None:
        for step in self._script:
            if step.start <= self.t < step.start + step.seconds:
                return step
        return None

    def step(self, dt: float) -> None:
        """Advance ``dt`` seconds (> 0): the pose relaxes toward its target."""
        if not dt > 0:
            raise ValueError(f"dt must be > 0 s, got {dt}")
        self.t += dt
        target = dict(self._base)
        current = self._current_step()
        if current is not None:
            target.update(current.pose)
        elif self._script and self.t >= self._script[-1].start + self._script[-1].seconds:
            self._script = []
        if self.moving:  # a reach tips the trunk forward and to the side, then back
            phase = math.sin(math.pi * (self._moving_until - self.t) / REACH_S)
            target["thoracic_flexion"] += 30.0 * phase
            target["thoracic_lateral"] += 12.0 * phase
        k = 1.0 - math.exp(-dt / SMOOTH_TAU_S)
        for name in ANGLE_NAMES:
            self.angles[name] += k * (target[name] - self.angles[name])
