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
from sensorbridge.conventions import STANDARD_GRAVITY, FloatArray, Role, quat_conj, quat_mul
from sensorbridge.pipeline.orientation import OrientationFilter, OrientationOutput, offline_orientation
from sensorbridge.pipeline.resample import Resampler
from sensorbridge.pipeline.settings import PipelineSettings
from sensorbridge.samples import Gap, ImuBatch


@dataclass(frozen=True)
class _Samples:
    """Filtered samples ticks are reduced from: tick index ``k`` (N,), time ``t`` (N,) s, orientation
    ``quat`` (N, 4), peak-rate input ``gyro`` (N,) rad/s, ``acc_dev`` (N,) m/s² | |acc| - g |, ``rate``
    (N, 3) rad/s gyroscope less the filter's bias. Separate contiguous arrays: joining them is a copy
    each, where filling the columns of one block cost more than the rest of the node."""

    k: np.ndarray
    t: FloatArray
    quat: FloatArray
    gyro: FloatArray
    acc_dev: FloatArray
    rate: FloatArray

    @staticmethod
    def empty() -> _Samples:
        z = np.zeros(0)
        return _Samples(np.zeros(0, np.int64), z, np.zeros((0, 4)), z, z, np.zeros((0, 3)))

    def then(self, other: _Samples) -> _Samples:
        if not self.k.size:
            return other
        return _Samples(*(np.concatenate([getattr(self, f), getattr(other, f)]) for f in _SAMPLE_FIELDS))

    def split(self, n: int) -> tuple[_Samples, _Samples]:
        """The first ``n`` samples and the rest."""
        a = _Samples(*(getattr(self, f)[:n] for f in _SAMPLE_FIELDS))
        return a, _Samples(*(getattr(self, f)[n:] for f in _SAMPLE_FIELDS))


_SAMPLE_FIELDS = ("k", "t", "quat", "gyro", "acc_dev", "rate")


@dataclass(frozen=True)
class NodeTicks:
    """Complete ticks of one node. ``k`` (K,) int64 tick indices, ``quat`` (K, 4) the orientation at
    the tick's centre time (interpolated, so two nodes' ticks show the same instant),
    ``gyro_max`` (K,) rad/s peak rate, ``acc_dev_max`` (K,) m/s² peak | |acc| - g |, ``count`` (K,),
    ``yaw`` (K,) rad: the rotation about the earth's vertical the filter made since the previous tick,
    which the neck's heading tracker compares between the two clips; ``rate`` (K, 3) rad/s the angular
    rate at the tick's centre in the sensor frame (gyroscope less the filter's bias estimate), which
    the tracker compares too."""

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
        self._open = _Samples.empty()  # the samples of the tick still being filled
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
        k = np.floor(rs.t * self.tick_hz + 1e-9).astype(np.int64)
        new = _Samples(k, rs.t, quat, gyro_norm, acc_dev, rs.gyr - filtered.bias)
        return NodeOutput(self._ticks(self._open.then(new), final=False), gaps, rs.t, quat)

    def flush(self) -> NodeTicks:
        """The last, partly filled tick (at the end of an input)."""
        return self._ticks(self._open, final=True)

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
        self, s: _Samples, k: np.ndarray, starts: np.ndarray, counts: np.ndarray
    ) -> tuple[FloatArray, FloatArray]:
        """The orientation (K, 4) and the rate (K, 3) at each tick's centre time, interpolated between
        the two samples around it, so both nodes' ticks show the same instant whatever their sample
        phases."""
        tc = (k + 0.5) / self.tick_hz
        # The sample at or after the centre and the one before it, both within the tick (one sample:
        # that one twice).
        hi = np.minimum(np.maximum(np.searchsorted(s.t, tc), starts + 1), starts + counts - 1)
        lo = np.maximum(hi - 1, starts)
        t0, span = s.t[lo], s.t[hi] - s.t[lo]
        w = np.divide(tc - t0, span, out=np.zeros_like(span), where=span > 0).clip(0.0, 1.0)[:, None]
        # np.take: rows gathered several times faster than by fancy indexing
        q0, q1 = np.take(s.quat, lo, axis=0), np.take(s.quat, hi, axis=0)
        q1 *= np.where(np.einsum("ij,ij->i", q0, q1) < 0.0, -1.0, 1.0)[:, None]  # the shorter way
        q = q0 + w * (q1 - q0)
        q /= np.sqrt(np.einsum("ij,ij->i", q, q))[:, None]
        r0 = np.take(s.rate, lo, axis=0)
        return q, r0 + w * (np.take(s.rate, hi, axis=0) - r0)

    def _ticks(self, s: _Samples, *, final: bool) -> NodeTicks:
        """The ticks the samples ``s`` (the open tick's first) complete; the last, still open tick is
        kept for the next chunk unless ``final``."""
        k = s.k
        if k.size == 0:
            return NodeTicks.empty()
        # The last tick stays open until a sample of a later tick arrives (or the input ends).
        done = k.size if final else int(np.searchsorted(k, k[-1], side="left"))
        s, self._open = s.split(done)
        if done == 0:
            return NodeTicks.empty()
        k = s.k
        starts = np.concatenate([[0], np.flatnonzero(np.diff(k)) + 1])
        counts = np.diff(np.concatenate([starts, [k.size]]))
        quat, centre_rate = self._at_centres(s, k[starts], starts, counts)
        return NodeTicks(
            k[starts],
            quat,
            np.maximum.reduceat(s.gyro, starts),
            np.maximum.reduceat(s.acc_dev, starts),
            counts,
            self._yaw(k[starts], quat),
            centre_rate,
        )
