"""The simulated wearer as a stream of raw clip samples, pulled in chunks, steerable while it runs.

::

    stream = WearerStream.create("desk_day", seed=1, duration_s=3600)
    chunk = stream.node(Role.BACK).next_chunk(18)   # raw (18, 6) int16 + device µs
    both = stream.next_chunk(18)                    # {Role.BACK: ..., Role.HEAD: ...}
    stream.request(Action.SLOUCH)                   # the dashboard's keys

Each node pulls at its own pace (the two clips have their own oscillators and clocks); the pose is
a pure function of time shared by both, so the order of pulls does not change any number. A live
request takes effect at the latest time either node has produced (rounded up to the end of any
movement in progress, and never before the calibration procedure is over): the script's future is
dropped and the requested move written in its place; the wearer then stays in the resulting pose
until the next request.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from sensorbridge.conventions import FloatArray, Role, quat_mul
from sensorbridge.errors import SensorbridgeError
from sensorbridge.protocol import SUPPORTED_RATES_HZ
from sensorbridge.sim import moves
from sensorbridge.sim.body import (
    DIFF_STEP_S,
    BodyGeometry,
    DeskPlacement,
    Kinematics,
    Mounting,
    Oscillators,
    clip_kinematics,
    clip_position,
    frames_from_pose,
    mounting_quat,
    pose_at,
    random_mounting,
    segment_quat,
    slerp_to,
)
from sensorbridge.sim.imu import ClipClock, ClipErrors, ImuModel, ImuSettings
from sensorbridge.sim.scenarios import BuiltScenario, build_scenario
from sensorbridge.sim.stretches import FAULTS_BY_EXERCISE, Exercise, exercise_set
from sensorbridge.sim.timeline import Ch, LabelKind, Script, Timeline

IDENTITY_QUAT = np.array([1.0, 0.0, 0.0, 0.0])


class SimError(SensorbridgeError):
    """The simulator was asked for something it cannot do."""


@dataclass(frozen=True)
class NodeChunk:
    """Consecutive samples of one clip. ``raw`` (n, 6) int16 counts ``ax, ay, az, gx, gy, gz`` in the
    sensor frame at the clip's full scale; ``device_us`` (n,) the clip's clock; ``saturated`` (n,);
    ``true_s`` (n,) the scenario's true time; ``first_index`` how many samples came before."""

    role: Role
    raw: NDArray[np.int16]
    device_us: NDArray[np.int64]
    saturated: NDArray[np.bool_]
    true_s: FloatArray
    first_index: int

    def __len__(self) -> int:
        return int(self.raw.shape[0])


class NodeStream:
    """One clip on the wearer (or on the desk): pulls samples from the shared timeline."""

    def __init__(
        self,
        role: Role,
        timeline: Timeline,
        osc: Oscillators,
        geometry: BodyGeometry,
        mounting: Mounting,
        settings: ImuSettings,
        rng: np.random.Generator,
        start_s: float = 0.0,
        desk: DeskPlacement | None = None,
    ) -> None:
        self.role = role
        self.timeline = timeline
        self.osc = osc
        self.geometry = geometry
        self.mounting = mounting
        self.settings = settings
        self.errors = ClipErrors.draw(settings, rng)
        self.clock = ClipClock(settings.rate_hz, self.errors, start_s)
        self.imu = ImuModel(settings, self.errors, rng)
        self._rng = rng
        self.desk = desk
        # Where the clip goes when the wearer takes it off (scenarios with breaks).
        spot_rng = np.random.default_rng([int(role), 0xDE5C])
        self.desk_spot = DeskPlacement(
            float(spot_rng.uniform(-np.pi, np.pi)), (0.6, 0.15 if role == Role.BACK else -0.15, 0.3)
        )
        self._q_mount = mounting_quat(mounting)
        self.index = 0  # samples produced since the last rate change
        self.emitted = 0  # samples produced in all

    def reconfigure(self, settings: ImuSettings) -> None:
        """Change the output data rate or the full-scale ranges from the next sample on, as the
        clip's SET_RATE and SET_RANGES commands do. The clip's clock and bias drift carry on."""
        if settings.rate_hz not in SUPPORTED_RATES_HZ:
            raise SimError(f"rate {settings.rate_hz} Hz is not one the clip supports {SUPPORTED_RATES_HZ}")
        drift = self.imu.drift
        if settings.rate_hz != self.clock.rate_hz:
            start = self.next_time
            self.clock = ClipClock(settings.rate_hz, self.errors, start, self.clock.boot_true_s)
            self.index = 0
        self.settings = settings
        self.imu = ImuModel(settings, self.errors, self._rng)
        self.imu.drift = drift

    @property
    def next_time(self) -> float:
        """True time (s) of the next sample."""
        return float(self.clock.true_times(self.index, 1)[0])

    def kinematics(self, t: FloatArray) -> Kinematics:
        """Ideal readings at true times ``t`` (N,) s."""
        if self.desk is not None:
            return self.desk.kinematics(t.shape[0])
        h = DIFF_STEP_S
        frames = [
            frames_from_pose(pose_at(self.timeline, self.osc, t + d), self.geometry) for d in (-h, 0, h)
        ]
        q = [segment_quat(f, self.role) for f in frames]
        p = [clip_position(f, self.role) for f in frames]
        off = [self.timeline.channels[Ch.OFF].evaluate(t + d) for d in (-h, 0, h)]
        if any(o.any() for o in off):
            # Taken off (or lying on the desk): blend the worn clip's pose into its desk pose.
            spot = self.desk_spot
            where = np.asarray(spot.position)
            q = [slerp_to(quat_mul(qi, self._q_mount), spot.quat, w) for qi, w in zip(q, off, strict=True)]
            p = [(1.0 - w)[:, None] * pi + w[:, None] * where for pi, w in zip(p, off, strict=True)]
            return clip_kinematics((q[0], q[1], q[2]), (p[0], p[1], p[2]), IDENTITY_QUAT, h)
        return clip_kinematics((q[0], q[1], q[2]), (p[0], p[1], p[2]), self._q_mount, h)

    def next_chunk(self, n: int) -> NodeChunk:
        """The next ``n`` samples (n >= 0)."""
        if n < 0:
            raise ValueError(f"chunk size must be >= 0, got {n}")
        t = self.clock.true_times(self.index, n)
        kin = self.kinematics(t)
        raw, sat = self.imu.measure(kin.specific_force, kin.rate)
        chunk = NodeChunk(self.role, raw, self.clock.device_us(t), sat, t, self.emitted)
        self.index += n
        self.emitted += n
        return chunk

    def samples_until(self, true_s: float) -> int:
        """How many more samples until (and excluding) true time ``true_s``."""
        first = int(np.ceil((true_s - self.clock.start_s) / self.clock.period_s - 1e-9))
        return max(0, first - self.index)


class Action(enum.StrEnum):
    """What the person at the keyboard can make the virtual wearer do."""

    CALIBRATE = "calibrate"  # the guided procedure: neutral hold, bend, nod
    SLOUCH = "slouch"
    SIT_UP = "sit_up"
    REACH = "reach"
    TURN_CHAIR = "turn_chair"
    WALK_AWAY = "walk_away"
    COME_BACK = "come_back"
    CHIN_TUCK = "chin_tuck"
    CHIN_TUCK_BAD = "chin_tuck_bad"
    CERVICAL_FLEXION = "cervical_flexion"
    CERVICAL_FLEXION_BAD = "cervical_flexion_bad"
    LATERAL_FLEXION = "lateral_flexion"
    LATERAL_FLEXION_BAD = "lateral_flexion_bad"
    SHOULDER_SQUEEZE = "shoulder_squeeze"
    SHOULDER_SQUEEZE_BAD = "shoulder_squeeze_bad"


@dataclass(frozen=True)
class SimOptions:
    """How the wearer wears the clips and what the clips are like."""

    head: bool = True
    mounting_error_deg: float = 0.0  # both clips, about a random axis
    rotated_deg: float = 0.0  # the back clip, about its own z
    imu: ImuSettings = field(default_factory=ImuSettings)
    geometry: BodyGeometry = field(default_factory=BodyGeometry)


class WearerStream:
    """A scenario's wearer with one or two clips, streaming. Build with :meth:`create`."""

    def __init__(self, scenario: BuiltScenario, seed: int, options: SimOptions) -> None:
        self.scenario = scenario
        self.seed = seed
        self.options = options
        seq = np.random.SeedSequence([seed, 0x5B1E])
        r_osc, r_mount_b, r_mount_h, r_imu_b, r_imu_h, r_live, r_desk = (
            np.random.default_rng(s) for s in seq.spawn(7)
        )
        self.osc = Oscillators.from_rng(r_osc)
        self._live_rng = r_live
        roles = [Role.BACK, Role.HEAD] if options.head else [Role.BACK]
        mount_rngs = {Role.BACK: r_mount_b, Role.HEAD: r_mount_h}
        imu_rngs = {Role.BACK: r_imu_b, Role.HEAD: r_imu_h}
        self.nodes: dict[Role, NodeStream] = {}
        for role in roles:
            rotated = options.rotated_deg if role == Role.BACK else 0.0
            mounting = random_mounting(role, mount_rngs[role], options.mounting_error_deg, rotated)
            desk = None if scenario.worn else DeskPlacement(float(r_desk.uniform(-np.pi, np.pi)))
            start = 0.0 if role == Role.BACK else float(imu_rngs[role].uniform(0.0, 0.01))
            self.nodes[role] = NodeStream(
                role,
                scenario.timeline,
                self.osc,
                options.geometry,
                mounting,
                options.imu,
                imu_rngs[role],
                start,
                desk,
            )
        self._away = False

    @classmethod
    def create(
        cls,
        scenario: str,
        seed: int = 0,
        duration_s: float | None = None,
        options: SimOptions | None = None,
    ) -> WearerStream:
        """A stream of scenario ``scenario`` (see ``sensorbridge.sim.scenarios.SCENARIOS``)."""
        opts = options or SimOptions()
        rng = np.random.default_rng(np.random.SeedSequence([seed, 0x5C21]))
        built = build_scenario(scenario, rng, duration_s, head=opts.head)
        return cls(built, seed, opts)

    @property
    def timeline(self) -> Timeline:
        return self.scenario.timeline

    @property
    def duration_s(self) -> float:
        """The scripted length; the stream goes on past it, the wearer sitting still."""
        return max(self.scenario.duration_s, self.timeline.end())

    @property
    def roles(self) -> tuple[Role, ...]:
        return tuple(self.nodes)

    def node(self, role: Role) -> NodeStream:
        try:
            return self.nodes[role]
        except KeyError:
            raise SimError(f"this wearer has no {role.name.lower()} clip") from None

    def next_chunk(self, n: int) -> dict[Role, NodeChunk]:
        """The next ``n`` samples of every clip."""
        return {role: node.next_chunk(n) for role, node in self.nodes.items()}

    # -- live requests -------------------------------------------------------------------------

    def now(self) -> float:
        """The latest true time any clip has produced."""
        return max(node.next_time for node in self.nodes.values())

    def request(self, action: Action | str) -> float | None:
        """Make the wearer do ``action`` as soon as the current movement ends. Returns the true time
        it starts, or ``None`` when it makes no sense now (come back while seated, reach while away)."""
        act = Action(action)
        if not self.scenario.worn:
            return None
        if (act == Action.COME_BACK) != self._away:
            return None
        # The calibration procedure is always finished first: the pipeline relies on it.
        calibrated = max(
            (lab.end for lab in self.timeline.labels if lab.kind == LabelKind.CALIBRATING), default=0.0
        )
        start = self.timeline.busy_until(max(self.now(), calibrated))
        self.timeline.cut_after(start)
        s = Script(self.timeline, start)
        rng = self._live_rng
        if act == Action.CALIBRATE:
            moves.calibration(s, self.options.head)
        elif act == Action.SLOUCH:
            moves.sink(s, float(rng.uniform(18.0, 26.0)))
        elif act == Action.SIT_UP:
            moves.sit_up(s)
        elif act == Action.REACH:
            moves.sit_up(s, 1.0)
            moves.reach(s, rng)
        elif act == Action.TURN_CHAIR:
            moves.turn_chair(s, float(rng.choice([-1.0, 1.0]) * rng.uniform(45.0, 90.0)))
        elif act == Action.WALK_AWAY:
            moves.sit_up(s, 1.0)
            moves.walk_away(s, rng)
            self._away = True
        elif act == Action.COME_BACK:
            moves.come_back(s)
            self._away = False
        else:
            name = act.value.removesuffix("_bad")
            exercise = Exercise(name)
            moves.sit_up(s, 1.5)
            if act.value.endswith("_bad"):
                fault = FAULTS_BY_EXERCISE[exercise][int(rng.integers(len(FAULTS_BY_EXERCISE[exercise])))]
                exercise_set(s, rng, exercise, [(fault,)])
            else:
                exercise_set(s, rng, exercise, [()])
        self.scenario = BuiltScenario(
            self.scenario.name, self.timeline, max(self.scenario.duration_s, s.now), self.scenario.worn
        )
        return start

    def pose_value(self, channel: Ch, t: float) -> float:
        """A scripted channel's value at true time ``t`` (no oscillations), for tests and displays."""
        return self.timeline.value(channel, t)


__all__ = ["Action", "NodeChunk", "NodeStream", "SimError", "SimOptions", "WearerStream"]
