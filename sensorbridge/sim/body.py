"""The seated wearer as a kinematic chain, and where each clip is and how it is turned.

Chain (earth frame z up; lengths in m, defaults in :class:`BodyGeometry`):

* pelvis at ``P = (px, py, pz)``; the thorax pivots at the lower thoracic spine ``J = P + (0, 0, pivot)``;
* the thorax segment ``R_T = Rz(heading) · Ry(th_flex) · Rx(th_lat)``, so its tilt angles (as
  :func:`sensorbridge.conventions.tilt_angles` defines them) are exactly ``th_flex`` and ``th_lat``;
* the back clip at ``J + R_T · (-back_depth, 0, back_height + shoulder)``, between the shoulder blades;
* the neck base (C7) at ``J + R_T · (head_fwd - neck_depth, 0, neck_height)``: ``head_fwd`` is the jut;
* the head segment ``R_H = R_T · Rz(nk_rot) · Ry(nk_flex) · Rx(nk_lat)`` (neck angles, head vs thorax);
* the head clip at ``C7 + R_H · (-head_depth, 0, head_height)``, on the back of the head.

Both segments are upright at neutral (segment z along earth up), so truth angles are relative to the
neutral pose by construction. A clip's sensor frame relative to its segment is the nominal mounting of
:mod:`sensorbridge.conventions` turned by the body's curvature at the clip (a pitch about segment y),
then by the clip's own rotation about its z ("worn rotated") and a mounting error (any axis).

Small oscillations ride on the scripted channels: postural sway and breathing (scaled by ``sway``),
walking (``gait``: step bounce, trunk and head sway at the step frequency) and a slow wobble while
slouched (``wobble``, an amplitude in rad). Their phases come from the seed; they are functions of
absolute time, so any chunking of the sample times gives the same values.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from sensorbridge.conventions import (
    SEGMENT_FROM_SENSOR_NOMINAL,
    STANDARD_GRAVITY,
    FloatArray,
    Role,
    matrix_to_quat,
    quat_conj,
    quat_from_axis_angle,
    quat_mul,
    quat_rotate,
    quat_to_matrix,
)
from sensorbridge.sim.timeline import Ch, Timeline

TAU = 2.0 * math.pi
DIFF_STEP_S = 1e-3  # central differences for angular rate and acceleration: O(h²) error, ~1e-6 relative
STEP_HZ = 1.9  # walking cadence, steps per second


@dataclass(frozen=True)
class BodyGeometry:
    """Segment lengths and clip offsets, m. Defaults: an adult of average build, seated."""

    pivot: float = 0.25  # seat to the lower thoracic pivot (about T10)
    back_height: float = 0.22  # pivot to the back clip along the thorax
    back_depth: float = 0.10  # body axis to the skin of the upper back
    neck_height: float = 0.40  # pivot to C7
    neck_depth: float = 0.03
    head_height: float = 0.10  # C7 to the head clip along the head
    head_depth: float = 0.10


@dataclass(frozen=True)
class Mounting:
    """How one clip sits on its segment. ``curvature_deg``: body surface pitch at the clip (about
    segment y, + tips the clip's top forward); ``rotated_deg``: turned about the clip's own z;
    ``error_axis``/``error_deg``: an extra misalignment (sensor frame axis)."""

    curvature_deg: float = 0.0
    rotated_deg: float = 0.0
    error_axis: tuple[float, float, float] = (1.0, 0.0, 0.0)
    error_deg: float = 0.0

    def segment_from_sensor(self) -> FloatArray:
        """(3, 3) matrix with ``v_segment = M @ v_sensor``."""
        curve = quat_to_matrix(quat_from_axis_angle([0.0, 1.0, 0.0], math.radians(self.curvature_deg)))
        turn = quat_to_matrix(quat_from_axis_angle([0.0, 0.0, 1.0], math.radians(self.rotated_deg)))
        err = quat_to_matrix(quat_from_axis_angle(list(self.error_axis), math.radians(self.error_deg)))
        return np.asarray(curve @ SEGMENT_FROM_SENSOR_NOMINAL @ turn @ err, dtype=np.float64)

    def to_dict(self) -> dict[str, object]:
        return {
            "curvature_deg": self.curvature_deg,
            "rotated_deg": self.rotated_deg,
            "error_axis": list(self.error_axis),
            "error_deg": self.error_deg,
            "segment_from_sensor": self.segment_from_sensor().round(9).tolist(),
        }


BACK_CURVATURE_DEG = 15.0  # the upper back faces backward and up (thoracic kyphosis)
HEAD_CURVATURE_DEG = -10.0  # a headband on the occiput leans back at the top


def random_mounting(
    role: Role, rng: np.random.Generator, error_deg: float = 0.0, rotated_deg: float = 0.0
) -> Mounting:
    """A mounting with the body's curvature, the given rotation about z and an error of exactly
    ``error_deg`` about a random axis."""
    axis = rng.standard_normal(3)
    axis /= np.linalg.norm(axis)
    curvature = BACK_CURVATURE_DEG if role == Role.BACK else HEAD_CURVATURE_DEG
    return Mounting(curvature, rotated_deg, (float(axis[0]), float(axis[1]), float(axis[2])), error_deg)


@dataclass(frozen=True)
class Oscillators:
    """Seeded phases and frequencies of sway, breathing, gait and wobble (Hz, rad, m)."""

    freqs: FloatArray  # (6, 2): per angle channel, two sway frequencies
    phases: FloatArray  # (6, 2)
    breath_hz: float
    breath_phase: float
    wobble_phases: FloatArray  # (2,)

    # Sway amplitudes (rad) for th_flex, th_lat, heading, nk_flex, nk_lat, nk_rot: a relaxed sitter.
    AMPLITUDES = np.radians([[0.25, 0.15], [0.15, 0.1], [0.3, 0.2], [0.4, 0.25], [0.2, 0.15], [0.5, 0.3]])

    @classmethod
    def from_rng(cls, rng: np.random.Generator) -> Oscillators:
        lo_hi = np.array([[0.03, 0.12], [0.15, 0.45]])
        freqs = lo_hi[:, 0] + rng.random((6, 2)) * (lo_hi[:, 1] - lo_hi[:, 0])
        return cls(
            freqs,
            rng.random((6, 2)) * TAU,
            float(0.2 + 0.1 * rng.random()),
            float(rng.random() * TAU),
            rng.random(2) * TAU,
        )


ANGLE_CHANNELS = (Ch.TH_FLEX, Ch.TH_LAT, Ch.HEADING, Ch.NK_FLEX, Ch.NK_LAT, Ch.NK_ROT)


def pose_at(timeline: Timeline, osc: Oscillators, t: FloatArray) -> dict[Ch, FloatArray]:
    """Every channel at times ``t`` (N,) s with the oscillations added: the true pose."""
    if t.ndim != 1:
        raise ValueError(f"times must have shape (N,), got {t.shape}")
    v = timeline.evaluate(t)
    sway, gait, wobble = v[Ch.SWAY], v[Ch.GAIT], v[Ch.WOBBLE]
    for k, c in enumerate(ANGLE_CHANNELS):
        wave = np.zeros_like(t)
        for j in range(2):
            wave += Oscillators.AMPLITUDES[k, j] * np.sin(TAU * osc.freqs[k, j] * t + osc.phases[k, j])
        v[c] = v[c] + sway * wave
    breath = np.sin(TAU * osc.breath_hz * t + osc.breath_phase)
    v[Ch.TH_FLEX] += sway * math.radians(0.3) * breath
    v[Ch.SHOULDER] += sway * 0.002 * breath
    if gait.any():  # most of a day is spent sitting: skip the sines then
        step = TAU * STEP_HZ * t
        v[Ch.PZ] += gait * 0.02 * np.cos(step)
        v[Ch.TH_FLEX] += gait * math.radians(1.5) * np.sin(step)
        v[Ch.NK_FLEX] -= gait * math.radians(1.0) * np.sin(step)
        v[Ch.TH_LAT] += gait * math.radians(2.0) * np.sin(0.5 * step)
        v[Ch.HEADING] += gait * math.radians(3.0) * np.sin(0.5 * step + 0.5)
    if wobble.any():
        slow = 0.6 * np.sin(TAU * 0.031 * t + osc.wobble_phases[0]) + 0.4 * np.sin(
            TAU * 0.077 * t + osc.wobble_phases[1]
        )
        v[Ch.TH_FLEX] += wobble * slow
    return v


@dataclass(frozen=True)
class Frames:
    """Segment orientations (N, 4) [w, x, y, z] segment → earth and clip positions (N, 3) m, earth."""

    thorax: FloatArray
    head: FloatArray
    back_pos: FloatArray
    head_pos: FloatArray


def quat_zyx(flexion: FloatArray, lateral: FloatArray, rotation: FloatArray) -> FloatArray:
    """``Rz(rotation) · Ry(flexion) · Rx(lateral)`` as quaternions (N, 4), in closed form: the same as
    :func:`sensorbridge.conventions.quat_from_anatomical`, without its three products (hot path)."""
    cz, sz = np.cos(0.5 * rotation), np.sin(0.5 * rotation)
    cy, sy = np.cos(0.5 * flexion), np.sin(0.5 * flexion)
    cx, sx = np.cos(0.5 * lateral), np.sin(0.5 * lateral)
    return np.stack(
        [
            cz * cy * cx + sz * sy * sx,
            cz * cy * sx - sz * sy * cx,
            cz * sy * cx + sz * cy * sx,
            sz * cy * cx - cz * sy * sx,
        ],
        axis=-1,
    )


def frames_from_pose(v: dict[Ch, FloatArray], geo: BodyGeometry) -> Frames:
    """Forward kinematics of the chain for a pose from :func:`pose_at`."""
    q_t = quat_zyx(v[Ch.TH_FLEX], v[Ch.TH_LAT], v[Ch.HEADING])
    q_h = quat_mul(q_t, quat_zyx(v[Ch.NK_FLEX], v[Ch.NK_LAT], v[Ch.NK_ROT]))
    n = q_t.shape[0]
    pivot = np.stack([v[Ch.PX], v[Ch.PY], v[Ch.PZ] + geo.pivot], axis=-1)
    back_off = np.zeros((n, 3))
    back_off[:, 0] = -geo.back_depth
    back_off[:, 2] = geo.back_height + v[Ch.SHOULDER]
    c7_off = np.zeros((n, 3))
    c7_off[:, 0] = v[Ch.HEAD_FWD] - geo.neck_depth
    c7_off[:, 2] = geo.neck_height
    head_off = np.broadcast_to(np.array([-geo.head_depth, 0.0, geo.head_height]), (n, 3))
    c7 = pivot + rotate_vectors(q_t, c7_off)
    return Frames(q_t, q_h, pivot + rotate_vectors(q_t, back_off), c7 + rotate_vectors(q_h, head_off))


def rotate_vectors(q: FloatArray, v: FloatArray) -> FloatArray:
    """:func:`sensorbridge.conventions.quat_rotate` for (N, 4) and (N, 3), written out (hot path)."""
    if q.ndim != 2 or q.shape[1] != 4 or v.shape != (q.shape[0], 3):
        raise ValueError(f"need q (N, 4) and v (N, 3), got {q.shape} and {v.shape}")
    w, x, y, z = q[:, 0], q[:, 1], q[:, 2], q[:, 3]
    vx, vy, vz = v[:, 0], v[:, 1], v[:, 2]
    tx = 2.0 * (y * vz - z * vy)
    ty = 2.0 * (z * vx - x * vz)
    tz = 2.0 * (x * vy - y * vx)
    return np.stack(
        [vx + w * tx + (y * tz - z * ty), vy + w * ty + (z * tx - x * tz), vz + w * tz + (x * ty - y * tx)],
        axis=-1,
    )


def _rotvec(q: FloatArray) -> FloatArray:
    """Rotation vectors (N, 3) rad of unit quaternions (N, 4), taking the short way round."""
    q = np.where(q[:, :1] < 0, -q, q)
    v = q[:, 1:]
    n = np.linalg.norm(v, axis=1)
    safe = np.where(n > 1e-12, n, 1.0)
    factor = np.where(n > 1e-12, 2.0 * np.arctan2(n, q[:, 0]) / safe, 2.0 / q[:, 0])
    return np.asarray(v * factor[:, None], dtype=np.float64)


@dataclass(frozen=True)
class Kinematics:
    """What a clip experiences. ``q`` (N, 4) sensor → earth; ``specific_force`` (N, 3) m/s² and
    ``rate`` (N, 3) rad/s in the sensor frame (what an ideal IMU measures)."""

    q: FloatArray
    specific_force: FloatArray
    rate: FloatArray


def clip_kinematics(
    orientation: tuple[FloatArray, FloatArray, FloatArray],
    position: tuple[FloatArray, FloatArray, FloatArray],
    q_seg_from_sensor: FloatArray,
    h: float = DIFF_STEP_S,
) -> Kinematics:
    """Ideal IMU readings from a segment's orientation (N, 4) and the clip's position (N, 3) at
    ``t - h``, ``t`` and ``t + h`` (each a tuple of three arrays).

    Specific force ``f = Rᵀ (a + g ẑ)`` includes the lever-arm (tangential and centripetal)
    acceleration because ``a`` is the clip's own acceleration, not the segment pivot's.
    """
    n = orientation[1].shape[0]
    if any(q.shape != (n, 4) for q in orientation) or any(p.shape != (n, 3) for p in position):
        raise ValueError("orientations must be (N, 4) and positions (N, 3), all with the same N")
    if q_seg_from_sensor.shape != (4,):
        raise ValueError(f"the mounting quaternion must have shape (4,), got {q_seg_from_sensor.shape}")
    qs = [quat_mul(q, q_seg_from_sensor) for q in orientation]
    rate = _rotvec(quat_mul(quat_conj(qs[0]), qs[2])) / (2.0 * h)
    acc = (position[2] - 2.0 * position[1] + position[0]) / (h * h)
    acc[:, 2] += STANDARD_GRAVITY
    force = quat_rotate(quat_conj(qs[1]), acc)
    return Kinematics(qs[1], force, rate)


@dataclass(frozen=True)
class DeskPlacement:
    """A clip lying flat on a desk, face (sensor z) up, turned by ``yaw`` about the vertical, at
    ``position`` (earth frame, m; the seat is at the origin and the desk in front, +x)."""

    yaw: float = 0.0
    position: tuple[float, float, float] = (0.6, 0.0, 0.3)

    @property
    def quat(self) -> FloatArray:
        """(4,) sensor → earth."""
        return quat_from_axis_angle([0.0, 0.0, 1.0], self.yaw)

    def kinematics(self, n: int) -> Kinematics:
        q = np.broadcast_to(self.quat, (n, 4)).copy()
        force = np.zeros((n, 3))
        force[:, 2] = STANDARD_GRAVITY
        return Kinematics(q, force, np.zeros((n, 3)))


def slerp_to(q0: FloatArray, q1: FloatArray, w: FloatArray) -> FloatArray:
    """Spherical interpolation from each of ``q0`` (N, 4) toward the one ``q1`` (4,) by ``w`` (N,)
    in [0, 1]; ``w`` = 1 gives ``q1`` exactly."""
    if q0.ndim != 2 or q0.shape[1] != 4 or q1.shape != (4,) or w.shape != (q0.shape[0],):
        raise ValueError(f"need q0 (N, 4), q1 (4,), w (N,); got {q0.shape}, {q1.shape}, {w.shape}")
    dot = q0 @ q1
    target = np.where(dot[:, None] < 0.0, -q1, q1)  # the short way round
    cos = np.clip(np.abs(dot), -1.0, 1.0)
    theta = np.arccos(cos)
    sin = np.sin(theta)
    near = sin < 1e-9
    safe = np.where(near, 1.0, sin)
    a = np.where(near, 1.0 - w, np.sin((1.0 - w) * theta) / safe)
    b = np.where(near, w, np.sin(w * theta) / safe)
    out = a[:, None] * q0 + b[:, None] * target
    return np.asarray(out / np.linalg.norm(out, axis=1, keepdims=True), dtype=np.float64)


def segment_quat(frames: Frames, role: Role) -> FloatArray:
    return frames.thorax if role == Role.BACK else frames.head


def clip_position(frames: Frames, role: Role) -> FloatArray:
    return frames.back_pos if role == Role.BACK else frames.head_pos


def mounting_quat(mounting: Mounting) -> FloatArray:
    """The mounting as a quaternion (4,) rotating sensor-frame vectors into the segment frame."""
    return matrix_to_quat(mounting.segment_from_sensor())
