"""One node's path from raw samples to decision ticks: intrinsics, uniform grid, orientation, ticks.

Everything per sample is vectorised over the chunk; the only state carried between chunks is the
resampler's last sample, VQF's state and the samples of the tick still being filled. A tick ``k``
covers grid times in ``[k / tick_hz, (k + 1) / tick_hz)`` on the input's clock, so both nodes' ticks
line up by index however their samples are spaced.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from calibration.model import SensorIntrinsics
from sensorbridge.conventions import STANDARD_GRAVITY, FloatArray, Role, quat_conj, quat_mul, quat_rotate
from sensorbridge.pipeline.orientation import OrientationFilter, OrientationOutput, offline_orientation
from sensorbridge.pipeline.resample import Resampler
from sensorbridge.pipeline.settings import PipelineSettings
from sensorbridge.samples import Gap, ImuBatch

# Columns of the per-sample feature block a tick is reduced from.
_Q = slice(0, 4)
_GYR, _ACC, _T = 4, 5, 6
_RATE = slice(7, 10)
_WIDTH = 10


@dataclass(frozen=True)
class NodeTicks:
    """Complete ticks of one node. ``k`` (K,) int64 tick indices, ``quat`` (K, 4) the orientation at
    the tick's centre time (interpolated, so two nodes' ticks show the same instant),
    ``gyro_max`` (K,) rad/s peak rate, ``acc_dev_max`` (K,) m/s² peak | |acc| - g |, ``count`` (K,),
    ``yaw`` (K,) rad: the rotation about the earth's vertical the filter made since the previous tick,
    which the neck's heading tracker compares between the two clips; ``rate`` (K, 3) rad/s the mean
    angular rate over the tick in the node's earth frame (gyroscope less the filter's bias estimate),
    whose horizontal part the tracker compares too."""

    k: np.ndarray
    quat: FloatArray
    gyro_max: FloatArray
    acc_dev_max: FloatArray
    count: np.ndarray
    yaw: FloatArray
    rate: FloatArray

    @staticmethod
    def empty() -> NodeTicks:
        z = np.zeros(0)
        return NodeTicks(np.zeros(0, np.int64), np.zeros((0, 4)), z, z, z.astype(int), z, np.zeros((0, 3)))

    def __len__(self) -> int:
        return int(self.k.shape[0])

    @staticmethod
    def concat(parts: list[NodeTicks]) -> NodeTicks:
        parts = [p for p in parts if len(p)]
        if not parts:
            return NodeTicks.empty()
        if len(parts) == 1:
            return parts[0]
        return NodeTicks(*(np.concatenate([getattr(p, f) for p in parts]) for f in _FIELDS))

    def take(self, sel: slice | np.ndarray) -> NodeTicks:
        return NodeTicks(*(getattr(self, f)[sel] for f in _FIELDS))


_FIELDS = ("k", "quat", "gyro_max", "acc_dev_max", "count", "yaw", "rate")


@dataclass(frozen=True)
class NodeOutput:
    ticks: NodeTicks
    gaps: list[Gap]
    t: FloatArray  # (N,) grid times of the samples filtered in this chunk
    quat: FloatArray  # (N, 4) their orientation


class NodeStream:
    """The streaming path of one clip. ``push`` any chunk; ``flush`` at the end of an input."""

    def __init__(
        self,
        role: Role,
        settings: PipelineSettings,
        intrinsics: SensorIntrinsics,
        rate_hz: float | None = None,
    ) -> None:
        self.role = role
        self.settings = settings
        self.intrinsics = intrinsics
        st = settings.stream
        self.rate = rate_hz or st.rate_hz
        self.tick_hz = st.tick_hz
        self.resampler = Resampler(self.rate, st.max_interp_gap_s)
        self.filter = OrientationFilter(settings.orientation, self.rate)
        self._carry = np.zeros((0, _WIDTH))
        self._carry_k = np.zeros(0, np.int64)
        self._last_t: float | None = None
        self._acausal: OrientationOutput | None = None
        self._acausal_pos = 0
        self._prev_k, self._prev_q = -2, np.array([1.0, 0.0, 0.0, 0.0])  # the last tick's, for its yaw
        self.samples_in = 0
        self.samples_filtered = 0
        self.last_t: float | None = None  # the latest grid time filtered

    def push(self, batch: ImuBatch) -> NodeOutput:
        if batch.role != self.role:
            raise ValueError(f"a {batch.role.name} batch fed to the {self.role.name} stream")
        self.samples_in += len(batch)
        acc, gyr = self.intrinsics.apply(batch.acc, batch.gyr)
        rs = self.resampler.push(batch.t, acc, gyr)
        gaps = [Gap(self.role, s, e, lost) for s, e, lost in rs.gaps]
        if rs.t.size == 0:
            return NodeOutput(NodeTicks.empty(), gaps, rs.t, np.zeros((0, 4)))
        filtered = self._filter(rs.t, rs.gyr, rs.acc)
        quat = filtered.quat
        self.samples_filtered += int(rs.t.size)
        self.last_t = float(rs.t[-1])
        # The raw rate: a bias of a fraction of a °/s does not matter against the motion threshold.
        gyro_norm = np.sqrt(np.einsum("ij,ij->i", rs.gyr, rs.gyr))
        acc_dev = np.abs(np.sqrt(np.einsum("ij,ij->i", rs.acc, rs.acc)) - STANDARD_GRAVITY)
        block = np.empty((rs.t.size, _WIDTH))
        block[:, _Q] = quat
        block[:, _GYR] = gyro_norm
        block[:, _ACC] = acc_dev
        block[:, _T] = rs.t
        block[:, _RATE] = quat_rotate(quat, rs.gyr - filtered.bias)
        k = np.floor(rs.t * self.tick_hz + 1e-9).astype(np.int64)
        return NodeOutput(self._ticks(block, k, final=False), gaps, rs.t, quat)

    def flush(self) -> NodeTicks:
        """The last, partly filled tick (at the end of an input)."""
        return self._ticks(np.zeros((0, _WIDTH)), np.zeros(0, np.int64), final=True)

    def use_acausal(self, batch: ImuBatch, known: OrientationOutput | None = None) -> OrientationOutput:
        """Take orientations from VQF's acausal offline variant over all of ``batch`` (this node's whole
        input) instead of the causal filter: more accurate, offline only, memory grows with the input.
        Call before the first ``push`` of the same samples. ``known``: what an earlier call on the same
        input with the same calibration returned (a second pass), so VQF need not run again.
        Returns the orientations used."""
        if self.samples_in:
            raise RuntimeError("use_acausal must come before the first push")
        if known is None:
            acc, gyr = self.intrinsics.apply(batch.acc, batch.gyr)
            regular = Resampler(self.rate, self.settings.stream.max_interp_gap_s).push(batch.t, acc, gyr)
            known = offline_orientation(regular.gyr, regular.acc, self.rate, self.settings.orientation)
        self._acausal = known
        self._acausal_pos = 0
        return known

    def _filter(self, t: FloatArray, gyr: FloatArray, acc: FloatArray) -> OrientationOutput:
        """VQF over the chunk, reset (bias kept) across any gap longer than ``reset_after_gap_s``."""
        if self._acausal is not None:
            # The regulariser is deterministic, so the n-th regular sample here is the n-th there.
            out = self._acausal.take(slice(self._acausal_pos, self._acausal_pos + t.size))
            self._acausal_pos += t.size
            return out
        limit = self.settings.orientation.reset_after_gap_s
        prev = np.concatenate([[self._last_t if self._last_t is not None else t[0]], t[:-1]])
        cuts = np.flatnonzero(t - prev > limit)
        self._last_t = float(t[-1])
        if cuts.size == 0:
            return self.filter.update_batch(gyr, acc)
        parts = []
        bounds = [0, *cuts.tolist(), t.size]
        for a, b in itertools.pairwise(bounds):
            if a in cuts:
                self.filter.reset(keep_bias=True)
            if b > a:
                parts.append(self.filter.update_batch(gyr[a:b], acc[a:b]))
        return OrientationOutput.concat(parts)

    def _yaw(self, k: np.ndarray, quat: FloatArray) -> FloatArray:
        """The rotation (K,) rad about the earth's vertical from the previous tick's quaternion to each
        tick's: what the filter integrated (its accelerometer correction turns about horizontal axes
        only), 0 after a missing tick."""
        prev_k = np.concatenate([[self._prev_k], k[:-1]])
        prev_q = np.concatenate([self._prev_q[None, :], quat[:-1]])
        dq = quat_mul(quat, quat_conj(prev_q))  # the step, in the earth frame
        yaw = 2.0 * dq[:, 3] * np.sign(dq[:, 0])
        yaw[k - prev_k != 1] = 0.0
        self._prev_k, self._prev_q = int(k[-1]), quat[-1].copy()
        return np.asarray(yaw, dtype=np.float64)

    def _at_centres(
        self, block: FloatArray, k: np.ndarray, starts: np.ndarray, counts: np.ndarray
    ) -> FloatArray:
        """The orientation (K, 4) at each tick's centre time, interpolated between the two samples
        around it, so both nodes' ticks show the same instant whatever their sample phases."""
        tc = (k + 0.5) / self.tick_hz
        hi = np.clip(np.searchsorted(block[:, _T], tc), starts + 1, starts + counts - 1)
        hi = np.where(counts > 1, hi, starts)
        lo = np.where(counts > 1, hi - 1, starts)
        t0, t1 = block[lo, _T], block[hi, _T]
        w = np.clip((tc - t0) / np.where(t1 > t0, t1 - t0, 1.0), 0.0, 1.0)[:, None]
        q0, q1 = block[lo, _Q], block[hi, _Q]
        q1 = q1 * np.where(np.einsum("ij,ij->i", q0, q1) < 0, -1.0, 1.0)[:, None]
        q = (1 - w) * q0 + w * q1
        return np.asarray(q / np.linalg.norm(q, axis=1, keepdims=True), dtype=np.float64)

    def _ticks(self, block: FloatArray, k: np.ndarray, *, final: bool) -> NodeTicks:
        if self._carry.shape[0]:
            block = np.concatenate([self._carry, block])
            k = np.concatenate([self._carry_k, k])
        if k.size == 0:
            return NodeTicks.empty()
        # The last tick stays open until a sample of a later tick arrives (or the input ends).
        done = k.size if final else int(np.searchsorted(k, k[-1], side="left"))
        self._carry, self._carry_k = block[done:], k[done:]
        if done == 0:
            return NodeTicks.empty()
        block, k = block[:done], k[:done]
        starts = np.concatenate([[0], np.flatnonzero(np.diff(k)) + 1])
        counts = np.diff(np.concatenate([starts, [k.size]]))
        quat = self._at_centres(block, k[starts], starts, counts)
        return NodeTicks(
            k[starts],
            quat,
            np.maximum.reduceat(block[:, _GYR], starts),
            np.maximum.reduceat(block[:, _ACC], starts),
            counts,
            self._yaw(k[starts], quat),
            np.add.reduceat(block[:, _RATE], starts, axis=0) / counts[:, None],
        )
