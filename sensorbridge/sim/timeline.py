"""The wearer's script: smooth channels of pose values over time, and labels of what happens when.

A scenario is written once as a :class:`Timeline` (cheap: a few transitions per event, even for an
8-hour day) and then evaluated at any sample times, in any chunking, by :mod:`sensorbridge.sim.body`.
Each channel holds one pose value (an angle in rad or a distance in m) and changes only through
minimum-jerk transitions, so positions and angles have continuous first and second derivatives and
the simulated accelerometer sees no spurious impulses.

Live requests (the dashboard keys) append to the same timeline while it streams: see
:meth:`Timeline.cut_after`.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from sensorbridge.conventions import FloatArray


class Ch(enum.StrEnum):
    """The pose channels. Angles in rad, distances in m, envelopes dimensionless (0..1)."""

    TH_FLEX = "th_flex"  # thoracic flexion vs neutral, + forward (the truth angle)
    TH_LAT = "th_lat"  # thoracic lateral flexion vs neutral, + to the wearer's right
    HEADING = "heading"  # thorax heading about earth z (chair turns, walking direction), + left
    NK_FLEX = "nk_flex"  # neck flexion, head vs thorax, + forward (chin to chest)
    NK_LAT = "nk_lat"  # neck lateral flexion, + to the right
    NK_ROT = "nk_rot"  # neck axial rotation, + to the left
    HEAD_FWD = "head_fwd"  # head translation forward relative to the thorax (jut, + forward), m
    SHOULDER = "shoulder"  # shoulder elevation: lifts the back clip along the thorax, m
    PX = "px"  # pelvis position in the earth frame, m
    PY = "py"
    PZ = "pz"
    GAIT = "gait"  # walking envelope: scales step bounce and sway
    WOBBLE = "wobble"  # slow flexion wobble while slouched, amplitude in rad
    SWAY = "sway"  # postural sway and breathing envelope (1 = relaxed sitting)
    OFF = "off"  # 0: the clips are worn; 1: they lie on the desk (between: being taken off or put on)


# Value of every channel before its first transition: seated upright at the origin.
INITIAL: dict[Ch, float] = {c: 0.0 for c in Ch} | {Ch.SWAY: 1.0}


def min_jerk(tau: FloatArray) -> FloatArray:
    """The minimum-jerk profile 10τ³ − 15τ⁴ + 6τ⁵ for τ in [0, 1] (clipped outside)."""
    s = np.clip(tau, 0.0, 1.0)
    return s * s * s * (10.0 + s * (-15.0 + 6.0 * s))


@dataclass
class Channel:
    """Transitions of one channel, sorted and non-overlapping: from ``t0`` to ``t1`` (s) the value
    goes from ``v0`` to ``v1`` along :func:`min_jerk`; between transitions it is constant."""

    initial: float
    t0: list[float] = field(default_factory=list)
    t1: list[float] = field(default_factory=list)
    v0: list[float] = field(default_factory=list)
    v1: list[float] = field(default_factory=list)
    _arrays: tuple[FloatArray, FloatArray, FloatArray, FloatArray] | None = None

    def value_at_scalar(self, t: float) -> float:
        return float(self.evaluate(np.array([t]))[0])

    def end(self) -> float:
        """When the last transition finishes (0 when there is none)."""
        return self.t1[-1] if self.t1 else 0.0

    def add(self, t0: float, t1: float, target: float) -> None:
        """Move to ``target`` from ``t0`` to ``t1``; ``t0`` must not precede the last transition's end."""
        if t1 <= t0:
            raise ValueError(f"transition must have positive length, got {t0}..{t1}")
        if self.t1 and t0 < self.t1[-1] - 1e-9:
            raise ValueError(f"transition at {t0} s overlaps the previous one ending at {self.t1[-1]} s")
        start = self.v1[-1] if self.v1 else self.initial
        self.t0.append(t0)
        self.t1.append(t1)
        self.v0.append(start)
        self.v1.append(target)
        self._arrays = None

    def cut_after(self, t: float) -> None:
        """Forget the transitions that start at or after ``t``."""
        keep = sum(1 for x in self.t0 if x < t)
        for lst in (self.t0, self.t1, self.v0, self.v1):
            del lst[keep:]
        self._arrays = None

    def evaluate(self, t: FloatArray) -> FloatArray:
        """Channel values at times ``t`` (N,) s, shape (N,)."""
        if t.ndim != 1:
            raise ValueError(f"times must have shape (N,), got {t.shape}")
        if not self.t0:
            return np.full(t.shape, self.initial)
        if self._arrays is None:
            self._arrays = (
                np.asarray(self.t0),
                np.asarray(self.t1),
                np.asarray(self.v0),
                np.asarray(self.v1),
            )
        t0, t1, v0, v1 = self._arrays
        if t.size:
            # Fast path: no transition runs inside [t_min, t_max], so the channel is constant there.
            lo, hi = float(t.min()), float(t.max())
            k = int(np.searchsorted(t0, hi, side="right")) - 1
            if k < 0:
                return np.full(t.shape, self.initial)
            if t1[k] <= lo:
                return np.full(t.shape, v1[k])
        i = np.searchsorted(t0, t, side="right") - 1
        before = i < 0
        i = np.maximum(i, 0)
        tau = (t - t0[i]) / (t1[i] - t0[i])
        out = v0[i] + (v1[i] - v0[i]) * min_jerk(tau)
        out[before] = self.initial
        return out


class LabelKind(enum.StrEnum):
    """What a label marks. Truth states and exercise truth are built from these."""

    CALIBRATING = "calibrating"  # the neutral hold and the mounting movement
    CALIBRATION_HOLD = "calibration_hold"  # the still part of the calibration
    MOUNTING_MOVEMENT = "mounting_movement"  # bend forward and back, then (head clip) a nod
    MOVING = "moving"  # reaching, standing up, walking, sitting down, turning the chair
    SLOUCH = "slouch"  # a planted slouch (the truth episodes come from the angles, not from this)
    FORWARD_HEAD = "forward_head"  # a planted forward-head posture (neck flexion plus jut)
    HOLD = "hold"  # one stretch hold (plateau); info: exercise, rep, side/phase, faults
    EXERCISE = "exercise"  # a whole stretch set; info: exercise
    NOT_WORN = "not_worn"  # the clips lie on a desk


@dataclass(frozen=True)
class Label:
    start: float
    end: float
    kind: LabelKind
    info: dict[str, Any] = field(default_factory=dict)


class Timeline:
    """All channels of one wearer plus the labels of the script. Build it with :class:`Script`."""

    def __init__(self) -> None:
        self.channels: dict[Ch, Channel] = {c: Channel(INITIAL[c]) for c in Ch}
        self.labels: list[Label] = []

    def evaluate(self, t: FloatArray) -> dict[Ch, FloatArray]:
        """Every channel at times ``t`` (N,) s."""
        return {c: ch.evaluate(t) for c, ch in self.channels.items()}

    def value(self, channel: Ch, t: float) -> float:
        return self.channels[channel].value_at_scalar(t)

    def end(self) -> float:
        """The time the last transition or label ends."""
        ends = [ch.end() for ch in self.channels.values()] + [lab.end for lab in self.labels]
        return max(ends, default=0.0)

    def busy_until(self, t: float) -> float:
        """The earliest time >= ``t`` at which no transition is running (for live requests)."""
        out = t
        for ch in self.channels.values():
            for a, b in zip(ch.t0, ch.t1, strict=True):
                if a < out < b:
                    out = b
        return out

    def cut_after(self, t: float) -> None:
        """Drop every transition and label that starts at or after ``t`` (the script's future)."""
        for ch in self.channels.values():
            ch.cut_after(t)
        self.labels = [
            lab if lab.end <= t else Label(lab.start, t, lab.kind, lab.info)
            for lab in self.labels
            if lab.start < t
        ]


class Script:
    """Writes a :class:`Timeline` forward from a cursor ``now`` (s).

    ``move(duration, th_flex=...)`` starts concurrent transitions of the named channels at ``now``
    and advances ``now`` by ``duration``; ``hold(duration)`` only advances ``now``.
    """

    def __init__(self, timeline: Timeline | None = None, now: float = 0.0) -> None:
        self.timeline = timeline if timeline is not None else Timeline()
        self.now = now

    def move(self, duration: float, advance: bool = True, **targets: float) -> Script:
        return self.move_to(duration, targets, advance)

    def move_to(self, duration: float, targets: dict[str, float], advance: bool = True) -> Script:
        """:meth:`move` with the targets as a dict."""
        for name, value in targets.items():
            self.timeline.channels[Ch(name)].add(self.now, self.now + duration, float(value))
        if advance:
            self.now += duration
        return self

    def hold(self, duration: float) -> Script:
        if duration < 0:
            raise ValueError(f"hold of negative duration {duration}")
        self.now += duration
        return self

    def label(self, kind: LabelKind, start: float, end: float, **info: Any) -> Script:
        self.timeline.labels.append(Label(start, end, kind, dict(info)))
        return self

    def value(self, channel: Ch) -> float:
        """The value a channel will have at ``now`` (after all transitions scheduled so far)."""
        ch = self.timeline.channels[channel]
        return ch.v1[-1] if ch.v1 else ch.initial
