"""The conventions every module follows, written once. Tests in ``tests/test_conventions.py`` pin them.

Quaternions
    Scalar first, ``[w, x, y, z]``, unit norm, as VQF and Fusion use (scipy is scalar-last unless
    told ``scalar_first=True``). A quaternion ``q`` of a sensor rotates vectors from the sensor frame
    into the earth frame: ``v_earth = q ⊗ v_sensor ⊗ q*``. Arrays of quaternions have shape ``(N, 4)``.

Earth frame
    z up (ENU, as VQF returns). With a 6-axis filter the heading about z is arbitrary and drifts.

Units
    Seconds, m/s², rad/s inside the pipeline. Degrees appear only at the user-facing edges (the
    dashboard, JSON and CSV output, settings a person types).

Segment frame (thorax or head)
    x anterior (forward), y to the wearer's left, z superior (up).

Sensor frame of a clip as worn (back clip between the shoulder blades, head clip on the back of the
head, on a headband or cap)::

            x  (up the spine)
            ^
            |
     y <----o   z points backward, out of the body (toward the viewer behind the wearer)
    (left)

    So nominally segment x = -sensor z, segment y = sensor y, segment z = sensor x
    (``SEGMENT_FROM_SENSOR_NOMINAL``). Calibration replaces this with the measured mounting.

Anatomical angles of a segment relative to its neutral pose (degrees at the edges, radians inside)
    flexion          rotation about segment +y, positive forward (the top of the segment tips forward)
    lateral flexion  rotation about segment +x, positive to the wearer's right
    axial rotation   rotation about segment +z, positive to the wearer's left
    They are the angles of the intrinsic z-y-x sequence ``R = Rz(rotation) · Ry(flexion) ·
    Rx(lateral)`` of the rotation from the neutral to the current segment frame.

    Thoracic flexion and lateral flexion are tilt angles: they use only the direction of gravity in
    the segment frame, so turning the chair changes neither. With ``u`` the earth's up direction in
    the current segment frame (unit vector), ``flexion = atan2(-u_x, hypot(u_y, u_z))`` and
    ``lateral = atan2(u_y, u_z)``, the same as the sequence above with the rotation dropped.
    Neck angles are those of the head segment relative to the thorax segment.

Node roles
    ``Role.BACK`` (0) is the clip on the upper back; ``Role.HEAD`` (1) the optional head clip.
"""

from __future__ import annotations

import enum
from typing import Final

import numpy as np
from numpy.typing import ArrayLike, NDArray

FloatArray = NDArray[np.float64]

STANDARD_GRAVITY: Final = 9.80665  # m/s², the value the LSM6DS3TR-C sensitivities are quoted against


class Role(enum.IntEnum):
    """Where a clip is worn. The value is the byte on the wire."""

    BACK = 0
    HEAD = 1


# Rows are the segment axes written in sensor coordinates, so ``v_segment = M @ v_sensor``.
SEGMENT_FROM_SENSOR_NOMINAL: Final = np.array(
    [[0.0, 0.0, -1.0], [0.0, 1.0, 0.0], [1.0, 0.0, 0.0]], dtype=np.float64
)
SEGMENT_FROM_SENSOR_NOMINAL.setflags(write=False)


def _as_quats(q: ArrayLike) -> FloatArray:
    arr = np.asarray(q, dtype=np.float64)
    if arr.shape[-1:] != (4,):
        raise ValueError(f"quaternions must have shape (..., 4) [w, x, y, z], got {arr.shape}")
    return arr


def _as_vectors(v: ArrayLike) -> FloatArray:
    arr = np.asarray(v, dtype=np.float64)
    if arr.shape[-1:] != (3,):
        raise ValueError(f"vectors must have shape (..., 3), got {arr.shape}")
    return arr


def quat_normalize(q: ArrayLike) -> FloatArray:
    """Unit quaternions of the same shape ``(..., 4)``; a zero quaternion raises."""
    arr = _as_quats(q)
    norm = np.linalg.norm(arr, axis=-1, keepdims=True)
    if np.any(norm == 0.0):
        raise ValueError("cannot normalise a zero quaternion")
    return np.asarray(arr / norm, dtype=np.float64)


def quat_conj(q: ArrayLike) -> FloatArray:
    """Conjugate (the inverse of a unit quaternion), shape ``(..., 4)``."""
    arr = _as_quats(q)
    return np.asarray(arr * np.array([1.0, -1.0, -1.0, -1.0]), dtype=np.float64)


def quat_mul(a: ArrayLike, b: ArrayLike) -> FloatArray:
    """Hamilton product ``a ⊗ b`` (apply ``b`` first, then ``a``), broadcasting over ``(..., 4)``."""
    p, q = _as_quats(a), _as_quats(b)
    w1, x1, y1, z1 = np.moveaxis(p, -1, 0)
    w2, x2, y2, z2 = np.moveaxis(q, -1, 0)
    return np.stack(
        [
            w1 * w2 - x1 * x2 - y1 * y2 - z1 * z2,
            w1 * x2 + x1 * w2 + y1 * z2 - z1 * y2,
            w1 * y2 - x1 * z2 + y1 * w2 + z1 * x2,
            w1 * z2 + x1 * y2 - y1 * x2 + z1 * w2,
        ],
        axis=-1,
    )


def quat_rotate(q: ArrayLike, v: ArrayLike) -> FloatArray:
    """Rotate vectors ``v`` (..., 3) by unit quaternions ``q`` (..., 4): ``q ⊗ v ⊗ q*``."""
    qa, va = _as_quats(q), _as_vectors(v)
    w = qa[..., :1]
    u = qa[..., 1:]
    t = 2.0 * np.cross(u, va)
    return np.asarray(va + w * t + np.cross(u, t), dtype=np.float64)


def quat_from_axis_angle(axis: ArrayLike, angle: ArrayLike) -> FloatArray:
    """Quaternion of a right-handed rotation by ``angle`` (rad) about ``axis`` (..., 3)."""
    ax = _as_vectors(axis)
    norm = np.linalg.norm(ax, axis=-1, keepdims=True)
    if np.any(norm == 0.0):
        raise ValueError("rotation axis must not be zero")
    half = 0.5 * np.asarray(angle, dtype=np.float64)[..., None]
    return np.concatenate([np.cos(half), np.sin(half) * ax / norm], axis=-1)


def quat_to_matrix(q: ArrayLike) -> FloatArray:
    """Rotation matrices (..., 3, 3) with ``R @ v == quat_rotate(q, v)``."""
    w, x, y, z = np.moveaxis(quat_normalize(q), -1, 0)
    return np.stack(
        [
            np.stack([1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y)], -1),
            np.stack([2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x)], -1),
            np.stack([2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y)], -1),
        ],
        axis=-2,
    )


def matrix_to_quat(m: ArrayLike) -> FloatArray:
    """Unit quaternions (..., 4) with ``w >= 0`` from rotation matrices (..., 3, 3)."""
    mat = np.asarray(m, dtype=np.float64)
    if mat.shape[-2:] != (3, 3):
        raise ValueError(f"rotation matrices must have shape (..., 3, 3), got {mat.shape}")
    # Shepperd's method: pick the largest of the four squared components for stability.
    tr = np.trace(mat, axis1=-2, axis2=-1)
    d = np.stack([tr, mat[..., 0, 0], mat[..., 1, 1], mat[..., 2, 2]], axis=-1)
    k = np.argmax(d, axis=-1)
    q = np.empty((*mat.shape[:-2], 4))
    m00, m11, m22 = mat[..., 0, 0], mat[..., 1, 1], mat[..., 2, 2]
    m01, m02, m10 = mat[..., 0, 1], mat[..., 0, 2], mat[..., 1, 0]
    m12, m20, m21 = mat[..., 1, 2], mat[..., 2, 0], mat[..., 2, 1]
    cands = [
        np.stack([1 + tr, m21 - m12, m02 - m20, m10 - m01], -1),
        np.stack([m21 - m12, 1 + m00 - m11 - m22, m01 + m10, m02 + m20], -1),
        np.stack([m02 - m20, m01 + m10, 1 - m00 + m11 - m22, m12 + m21], -1),
        np.stack([m10 - m01, m02 + m20, m12 + m21, 1 - m00 - m11 + m22], -1),
    ]
    for i, c in enumerate(cands):
        sel = k == i
        q[sel] = c[sel]
    q = quat_normalize(q)
    return np.where(q[..., :1] < 0, -q, q)


def tilt_angles(up_in_segment: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Flexion and lateral flexion (rad) from the earth's up direction in the segment frame (..., 3).

    Heading-free, so a turning chair changes neither. See the module docstring for the signs.
    """
    u = _as_vectors(up_in_segment)
    ux, uy, uz = u[..., 0], u[..., 1], u[..., 2]
    return np.arctan2(-ux, np.hypot(uy, uz)), np.arctan2(uy, uz)


def anatomical_angles(q_rel: ArrayLike) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Flexion, lateral flexion and axial rotation (rad) of a relative rotation (..., 4).

    ``q_rel`` rotates vectors from the current segment frame into the reference (neutral or parent)
    segment frame; the angles follow ``R = Rz(rotation) · Ry(flexion) · Rx(lateral)``.
    """
    r = quat_to_matrix(q_rel)
    flexion = np.arcsin(np.clip(-r[..., 2, 0], -1.0, 1.0))
    lateral = np.arctan2(r[..., 2, 1], r[..., 2, 2])
    rotation = np.arctan2(r[..., 1, 0], r[..., 0, 0])
    return flexion, lateral, rotation


def quat_from_anatomical(flexion: ArrayLike, lateral: ArrayLike, rotation: ArrayLike) -> FloatArray:
    """Inverse of :func:`anatomical_angles`: ``Rz(rotation) · Ry(flexion) · Rx(lateral)``."""
    z = quat_from_axis_angle(np.array([0.0, 0.0, 1.0]), rotation)
    y = quat_from_axis_angle(np.array([0.0, 1.0, 0.0]), flexion)
    x = quat_from_axis_angle(np.array([1.0, 0.0, 0.0]), lateral)
    return quat_mul(quat_mul(z, y), x)
