"""The one streaming engine behind both the live pipeline and offline analysis.

Chunks of either node go in, in any sizes; ticks come out once the back clip has passed them and the
head clip has too (or has fallen ``head_wait_s`` behind, in which case the neck is unknown for those
ticks). Because the decision depends only on sample times, feeding a recording in chunks in time order
gives exactly what live streaming of it gave; ``analysis.analyze`` does just that.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from calibration.model import ClipCalibration
from sensorbridge.conventions import FloatArray, Role
from sensorbridge.pipeline.angles import HeadingTracker, relative_angles, segment_quat, thoracic_angles
from sensorbridge.pipeline.exercises import ExerciseMachine
from sensorbridge.pipeline.heading_smoother import HeadingLog, HeadingPlan
from sensorbridge.pipeline.node import NodeStream, NodeTicks
from sensorbridge.pipeline.settings import PipelineSettings
from sensorbridge.pipeline.states import PostureTracker, TickInputs
from sensorbridge.pipeline.values import Alert, ExerciseProgress, Relabel
from sensorbridge.posture import SlouchEpisode
from sensorbridge.samples import Gap, ImuBatch

HOLD_BIAS_SIGMA = float(np.radians(0.05))  # rad/s: a still hold pins the bias to a few hundredths of °/s


@dataclass(frozen=True)
class TickFrame:
    """Consecutive ticks. ``t`` (K,) s (tick centres); ``state`` (K,) int8 codes into ``states.STATES``;
    angles (K,) degrees, nan where unknown."""

    t: FloatArray
    state: np.ndarray
    thoracic_flexion: FloatArray
    thoracic_lateral: FloatArray
    neck_flexion: FloatArray
    neck_lateral: FloatArray
    neck_rotation: FloatArray

    def __len__(self) -> int:
        return int(self.t.shape[0])

    @staticmethod
    def empty() -> TickFrame:
        z = np.zeros(0)
        return TickFrame(z, np.zeros(0, np.int8), z, z, z, z, z)


@dataclass
class EngineOutput:
    frame: TickFrame = field(default_factory=TickFrame.empty)
    relabels: list[Relabel] = field(default_factory=list)
    alerts: list[Alert] = field(default_factory=list)
    episodes: list[SlouchEpisode] = field(default_factory=list)
    forward_head: list[SlouchEpisode] = field(default_factory=list)
    gaps: list[Gap] = field(default_factory=list)
    exercise: list[ExerciseProgress] = field(default_factory=list)
    # (role, t (N,), quat (N, 4)) of the samples filtered, when the engine keeps them
    quaternions: list[tuple[Role, FloatArray, FloatArray]] = field(default_factory=list)


class Engine:
    def __init__(
        self,
        settings: PipelineSettings,
        calibrations: Mapping[Role, ClipCalibration] | None = None,
        *,
        expect_head: bool = False,
        exercise: str | None = None,
        keep_quaternions: bool = False,
        rates: Mapping[Role, float] | None = None,
    ) -> None:
        self.settings = settings
        self.rates = dict(rates or {})  # per node, Hz; default the clip's (settings.stream.rate_hz)
        self.calibrations = {r: (calibrations or {}).get(r) or ClipCalibration.nominal(r) for r in Role}
        self.expect_head = expect_head
        self.keep_quaternions = keep_quaternions
        self.tick_hz = settings.stream.tick_hz
        self.wait_ticks = round(settings.stream.head_wait_s * self.tick_hz)
        self.nodes: dict[Role, NodeStream] = {}
        self.pending: dict[Role, NodeTicks] = {r: NodeTicks.empty() for r in Role}
        self.next_k: int | None = None
        self.calibrating: list[tuple[float, float]] = []
        self.tracker = PostureTracker(settings)
        self.heading = HeadingTracker.from_settings(settings.neck, 1.0 / self.tick_hz)
        # Offline hindsight (heading_smoother): the first pass logs what the tracker saw, the second
        # takes the smoothed relative heading from the plan instead of tracking it.
        self.heading_log: HeadingLog | None = None
        self.heading_plan: HeadingPlan | None = None
        self.exercise = ExerciseMachine(exercise, settings) if exercise else None
        self.head_ticks_seen = 0

    def set_calibration(self, cal: ClipCalibration) -> None:
        """Use ``cal`` from the next tick on (its intrinsics apply to samples not yet pushed)."""
        self.calibrations[cal.role] = cal
        if cal.role in self.nodes:
            self.nodes[cal.role].intrinsics = cal.intrinsics
            self._seed_bias(self.nodes[cal.role], cal)
        if cal.role is Role.HEAD:
            self.heading.reset()

    def set_exercise(self, name: str | None) -> None:
        self.exercise = ExerciseMachine(name, self.settings) if name else None

    @staticmethod
    def _seed_bias(node: NodeStream, cal: ClipCalibration) -> None:
        if cal.hold_gyro_bias is not None:
            node.filter.set_bias(np.asarray(cal.hold_gyro_bias), HOLD_BIAS_SIGMA)

    def node(self, role: Role) -> NodeStream:
        """The stream of ``role``'s clip, created on first use."""
        return self._node(role)

    def _node(self, role: Role) -> NodeStream:
        if role not in self.nodes:
            intr = self.calibrations[role].intrinsics
            self.nodes[role] = NodeStream(role, self.settings, intr, self.rates.get(role))
            self._seed_bias(self.nodes[role], self.calibrations[role])
            if role is Role.HEAD:
                self.expect_head = True
        return self.nodes[role]

    def push(self, batch: ImuBatch) -> EngineOutput:
        """Feed one chunk of one node; returns the ticks (and events) that became final."""
        out = EngineOutput()
        node = self._node(batch.role)
        res = node.push(batch)
        out.gaps.extend(res.gaps)
        if self.keep_quaternions and res.t.size:
            out.quaternions.append((batch.role, res.t, res.quat))
        self.pending[batch.role] = NodeTicks.concat([self.pending[batch.role], res.ticks])
        self._emit(out, final=False)
        return out

    def finish(self) -> EngineOutput:
        """End of input: flush the open ticks, close the open slouch."""
        out = EngineOutput()
        for role, node in self.nodes.items():
            self.pending[role] = NodeTicks.concat([self.pending[role], node.flush()])
        self._emit(out, final=True)
        closing = self.tracker.flush()
        out.episodes.extend(closing.episodes)
        out.forward_head.extend(closing.forward_head)
        if self.exercise is not None:
            out.exercise.extend(self.exercise.finish())
        return out

    def _horizon(self, role: Role) -> int | None:
        """The last tick index this node has completed, or None before its first sample."""
        node = self.nodes.get(role)
        if node is None or node.last_t is None:
            return None
        return int(np.floor(node.last_t * self.tick_hz + 1e-9)) - 1

    def _emit(self, out: EngineOutput, *, final: bool) -> None:
        back = self.pending[Role.BACK]
        head = self.pending[Role.HEAD]
        kb = self._horizon(Role.BACK)
        if kb is None:
            return
        if final:
            kb = int(back.k[-1]) if len(back) else kb
        if self.next_k is None:
            if not len(back):
                return
            self.next_k = int(back.k[0])
        last = kb
        if self.expect_head and not final:
            kh = self._horizon(Role.HEAD)
            last = min(kb, max(kh if kh is not None else -(2**62), kb - self.wait_ticks))
        if last < self.next_k:
            return
        k0 = self.next_k
        size = last - k0 + 1
        self.next_k = last + 1
        bsel = back.k <= last
        b, self.pending[Role.BACK] = back.take(bsel), back.take(~bsel)
        hsel = head.k <= last
        h, self.pending[Role.HEAD] = head.take(hsel & (head.k >= k0)), head.take(~hsel)
        out.frame = self._frame(k0, size, b, h, out)

    def _frame(self, k0: int, size: int, b: NodeTicks, h: NodeTicks, out: EngineOutput) -> TickFrame:
        t = np.asarray((np.arange(k0, k0 + size) + 0.5) / self.tick_hz, dtype=np.float64)
        nan = np.full(size, np.nan)
        flex, lat = nan.copy(), nan.copy()
        nflex, nlat, nrot = nan.copy(), nan.copy(), nan.copy()
        gyro, accd = np.zeros(size), np.zeros(size)
        has_back = np.zeros(size, bool)
        bi = b.k - k0
        has_back[bi] = True
        mb = self.calibrations[Role.BACK].matrix
        f, la = thoracic_angles(b.quat, mb)
        flex[bi], lat[bi] = np.degrees(f), np.degrees(la)
        gyro[bi], accd[bi] = np.degrees(b.gyro_max), b.acc_dev_max
        calibrating = np.zeros(size, bool)
        for s, e in self.calibrating:
            calibrating |= (t >= s) & (t < e)
        if len(h) and len(b):
            both, ib, ih = np.intersect1d(b.k, h.k, assume_unique=True, return_indices=True)
            if both.size:
                qt = segment_quat(b.quat[ib], mb)
                qh = segment_quat(h.quat[ih], self.calibrations[Role.HEAD].matrix)
                still_lim = np.radians(self.settings.neck.heading_still_gyro_dps)
                still = (b.gyro_max[ib] < still_lim) & (h.gyro_max[ih] < still_lim)
                trunk = b.gyro_max[ib] > np.radians(self.settings.neck.trunk_moving_dps)
                yaw_rel = h.yaw[ih] - b.yaw[ib]
                cal = calibrating[both - k0]
                if self.heading_plan is not None:
                    delta = self.heading_plan.at(both)
                else:
                    # each segment's angular rate in its own frame
                    turns = b.rate[ib] @ mb.T, h.rate[ih] @ self.calibrations[Role.HEAD].matrix.T
                    delta = self.heading.track(qt, qh, still, cal, trunk, yaw_rel, *turns)
                    if self.heading_log is not None:
                        self.heading_log.add(both, qt, qh, still, cal, trunk, yaw_rel, *turns, delta)
                a, c, r = relative_angles(qt, qh, delta)
                j = both - k0
                nflex[j], nlat[j], nrot[j] = np.degrees(a), np.degrees(c), np.degrees(r)
                self.head_ticks_seen += int(both.size)
        step = self.tracker.step(TickInputs(t, has_back, flex, lat, nflex, gyro, accd, calibrating))
        out.relabels.extend(step.relabels)
        out.alerts.extend(step.alerts)
        out.episodes.extend(step.episodes)
        out.forward_head.extend(step.forward_head)
        frame = TickFrame(t, step.states, flex, lat, nflex, nlat, nrot)
        if self.exercise is not None:
            out.exercise.extend(self.exercise.step(frame, has_head=self.expect_head))
        return frame
