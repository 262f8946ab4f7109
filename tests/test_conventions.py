"""Pins every convention of sensorbridge.conventions: change a sign or an order and these fail."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.spatial.transform import Rotation

from sensorbridge import conventions as c

DEG = np.pi / 180


def test_quaternions_are_scalar_first_and_rotate_sensor_into_earth() -> None:
    # 90° about earth z: sensor x ends up along earth y.
    q = c.quat_from_axis_angle([0, 0, 1], np.pi / 2)
    assert q == pytest.approx([np.cos(np.pi / 4), 0, 0, np.sin(np.pi / 4)])
    assert c.quat_rotate(q, [1, 0, 0]) == pytest.approx([0, 1, 0], abs=1e-12)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(-1, 1), min_size=4, max_size=4).filter(lambda v: np.linalg.norm(v) > 0.1))
def test_rotation_agrees_with_scipy_scalar_first(raw: list[float]) -> None:
    q = c.quat_normalize(raw)
    v = np.array([0.3, -1.2, 2.0])
    ref = Rotation.from_quat(q, scalar_first=True)
    assert c.quat_rotate(q, v) == pytest.approx(ref.apply(v), abs=1e-9)
    assert c.quat_to_matrix(q) == pytest.approx(ref.as_matrix(), abs=1e-9)
    back = c.matrix_to_quat(c.quat_to_matrix(q))
    assert abs(float(np.dot(back, q))) == pytest.approx(1.0, abs=1e-9)  # same rotation, sign free


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.floats(-1, 1), min_size=4, max_size=4).filter(lambda v: np.linalg.norm(v) > 0.1),
    st.lists(st.floats(-1, 1), min_size=4, max_size=4).filter(lambda v: np.linalg.norm(v) > 0.1),
)
def test_product_applies_the_right_factor_first(a: list[float], b: list[float]) -> None:
    qa, qb = c.quat_normalize(a), c.quat_normalize(b)
    v = np.array([1.0, 2.0, 3.0])
    assert c.quat_rotate(c.quat_mul(qa, qb), v) == pytest.approx(c.quat_rotate(qa, c.quat_rotate(qb, v)))
    assert c.quat_mul(qa, c.quat_conj(qa)) == pytest.approx([1, 0, 0, 0], abs=1e-12)


def test_clip_as_worn_reads_gravity_up_its_x_axis() -> None:
    # An upright wearer: segment z is up. The accelerometer measures specific force, +g upward.
    up_in_segment = np.array([0.0, 0.0, 1.0])
    up_in_sensor = c.SEGMENT_FROM_SENSOR_NOMINAL.T @ up_in_segment
    assert up_in_sensor == pytest.approx([1, 0, 0])  # sensor x runs up the spine
    forward_in_sensor = c.SEGMENT_FROM_SENSOR_NOMINAL.T @ np.array([1.0, 0.0, 0.0])
    assert forward_in_sensor == pytest.approx([0, 0, -1])  # sensor z points backward
    left_in_sensor = c.SEGMENT_FROM_SENSOR_NOMINAL.T @ np.array([0.0, 1.0, 0.0])
    assert left_in_sensor == pytest.approx([0, 1, 0])
    assert np.linalg.det(c.SEGMENT_FROM_SENSOR_NOMINAL) == pytest.approx(1.0)


def test_flexion_is_positive_forward() -> None:
    # Tip the segment forward by 20°: a rotation about its left (+y) axis by +20°.
    q = c.quat_from_axis_angle([0, 1, 0], 20 * DEG)
    top = c.quat_rotate(q, [0, 0, 1])
    assert top[0] > 0  # the top of the segment moves anterior
    flex, lat, rot = c.anatomical_angles(q)
    assert (flex, lat, rot) == pytest.approx((20 * DEG, 0, 0))
    up_in_segment = c.quat_rotate(c.quat_conj(q), [0, 0, 1])
    assert c.tilt_angles(up_in_segment) == pytest.approx((20 * DEG, 0))


def test_lateral_flexion_is_positive_to_the_right() -> None:
    q = c.quat_from_axis_angle([1, 0, 0], 15 * DEG)
    top = c.quat_rotate(q, [0, 0, 1])
    assert top[1] < 0  # the top of the segment moves toward the wearer's right (-y)
    assert c.anatomical_angles(q) == pytest.approx((0, 15 * DEG, 0))
    up_in_segment = c.quat_rotate(c.quat_conj(q), [0, 0, 1])
    assert c.tilt_angles(up_in_segment) == pytest.approx((0, 15 * DEG))


def test_axial_rotation_is_positive_to_the_left() -> None:
    q = c.quat_from_axis_angle([0, 0, 1], 30 * DEG)
    nose = c.quat_rotate(q, [1, 0, 0])
    assert nose[1] > 0  # the face turns toward the wearer's left
    assert c.anatomical_angles(q) == pytest.approx((0, 0, 30 * DEG))


def test_tilt_angles_ignore_heading() -> None:
    pose = c.quat_from_anatomical(12 * DEG, -5 * DEG, 0.0)
    for heading in np.linspace(-np.pi, np.pi, 9):
        turned = c.quat_mul(c.quat_from_axis_angle([0, 0, 1], heading), pose)
        up = c.quat_rotate(c.quat_conj(turned), [0, 0, 1])
        assert c.tilt_angles(up) == pytest.approx((12 * DEG, -5 * DEG))


@settings(max_examples=200, deadline=None)
@given(st.floats(-85, 85), st.floats(-170, 170), st.floats(-170, 170))
def test_anatomical_angles_round_trip_and_match_tilt(flex: float, lat: float, rot: float) -> None:
    q = c.quat_from_anatomical(flex * DEG, lat * DEG, rot * DEG)
    assert np.array(c.anatomical_angles(q)) / DEG == pytest.approx([flex, lat, rot], abs=1e-6)
    up = c.quat_rotate(c.quat_conj(q), [0, 0, 1])
    assert np.array(c.tilt_angles(up)) / DEG == pytest.approx([flex, lat], abs=1e-6)


def test_gimbal_lock_stays_finite() -> None:
    q = c.quat_from_anatomical(90 * DEG, 0.0, 0.0)
    angles = c.anatomical_angles(q)
    assert np.all(np.isfinite(angles))
    assert angles[0] == pytest.approx(90 * DEG, abs=1e-6)


def test_tiny_angles_keep_their_sign() -> None:
    q = c.quat_from_anatomical(1e-6, -1e-6, 1e-6)
    flex, lat, rot = c.anatomical_angles(q)
    assert flex > 0
    assert lat < 0
    assert rot > 0


def test_shapes_are_checked() -> None:
    with pytest.raises(ValueError, match=r"\(\.\.\., 4\)"):
        c.quat_mul([1, 0, 0], [1, 0, 0, 0])
    with pytest.raises(ValueError, match=r"\(\.\.\., 3\)"):
        c.quat_rotate([1, 0, 0, 0], [1, 0])
    with pytest.raises(ValueError, match="zero"):
        c.quat_normalize([0, 0, 0, 0])
    with pytest.raises(ValueError, match="zero"):
        c.quat_from_axis_angle([0, 0, 0], 1.0)
    with pytest.raises(ValueError, match="3, 3"):
        c.matrix_to_quat(np.eye(4))


def test_functions_broadcast_over_arrays() -> None:
    qs = c.quat_from_axis_angle(np.tile([0.0, 1.0, 0.0], (5, 1)), np.linspace(0, 1, 5))
    assert qs.shape == (5, 4)
    assert c.quat_rotate(qs, np.tile([1.0, 0, 0], (5, 1))).shape == (5, 3)
    assert c.anatomical_angles(qs)[0] == pytest.approx(np.linspace(0, 1, 5))


def test_roles_are_the_wire_bytes() -> None:
    assert (int(c.Role.BACK), int(c.Role.HEAD)) == (0, 1)
