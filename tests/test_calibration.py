"""Calibration: the neutral hold, the mounting from a bend, intrinsics, and calibrations as values."""

from __future__ import annotations

import json

import numpy as np
import pytest

from calibration.errors import CalibrationError, CalibrationFormatError, RejectReason
from calibration.intrinsics import (
    calibrate_accelerometer,
    fit_accelerometer,
    gyro_bias_from_still,
    still_mask,
    still_positions,
)
from calibration.model import CALIBRATION_VERSION, ClipCalibration, SensorIntrinsics, nominal_mounting
from calibration.mounting import mounting_from_bend
from calibration.neutral import measure_neutral
from calibration.procedure import calibrate_clip
from sensorbridge.conventions import (
    SEGMENT_FROM_SENSOR_NOMINAL,
    STANDARD_GRAVITY,
    Role,
    quat_from_anatomical,
    quat_from_axis_angle,
    quat_to_matrix,
    tilt_angles,
)

FS = 104.0
UP = np.array([0.0, 0.0, 1.0])


def worn(rotated_deg: float = 0.0) -> np.ndarray:
    """``segment_from_sensor`` of a clip worn as the README shows, turned about its own z axis."""
    turn = quat_to_matrix(quat_from_axis_angle(np.array([0.0, 0.0, 1.0]), np.radians(rotated_deg)))
    return np.asarray(SEGMENT_FROM_SENSOR_NOMINAL @ turn)


def readings(
    m: np.ndarray, flexion_deg: np.ndarray, lateral_deg: np.ndarray | None = None, seed: int = 0
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Still-ish samples (t, acc, gyr) of a segment tilted by the given angles (N,), clip mounting ``m``."""
    rng = np.random.default_rng(seed)
    n = flexion_deg.shape[0]
    lat = np.zeros(n) if lateral_deg is None else lateral_deg
    seg = quat_to_matrix(quat_from_anatomical(np.radians(flexion_deg), np.radians(lat), np.zeros(n)))
    # up in the segment frame is Rᵀ e_z; in the sensor frame mᵀ of that.
    up_seg = np.einsum("nji,j->ni", seg, UP)
    acc = STANDARD_GRAVITY * up_seg @ m + rng.normal(0.0, 0.02, (n, 3))
    # Flexion turns the segment about its y axis, lateral flexion about its x axis (small-angle rates).
    rate_seg = (
        np.stack([np.gradient(np.radians(lat)), np.gradient(np.radians(flexion_deg)), np.zeros(n)], 1) * FS
    )
    gyr = rate_seg @ m + rng.normal(0.0, 0.003, (n, 3)) + np.array([0.004, -0.002, 0.003])
    return np.arange(n) / FS, acc, gyr


def test_neutral_hold_measures_up_and_bias() -> None:
    m = worn()
    t, acc, gyr = readings(m, np.full(520, 2.0))
    hold = measure_neutral(t, acc, gyr)
    # up in the sensor frame for a 2° forward lean: the segment's up tilted, seen through m
    flex, lat = tilt_angles(m @ hold.up_in_sensor)
    assert np.degrees(flex) == pytest.approx(2.0, abs=0.1)  # the lean the wearer held, in the body's frame
    assert abs(np.degrees(lat)) < 0.1
    np.testing.assert_allclose(hold.gyro_bias, [0.004, -0.002, 0.003], atol=5e-4)


@pytest.mark.parametrize(
    ("case", "reason"),
    [("short", RejectReason.TOO_SHORT), ("moved", RejectReason.MOVED), ("desk", RejectReason.NOT_ON_BODY)],
)
def test_neutral_hold_rejections_say_why_and_what_to_do(case: str, reason: RejectReason) -> None:
    m = worn()
    n = 150 if case == "short" else 520
    t, acc, gyr = readings(m, np.zeros(n))
    if case == "moved":
        gyr = gyr + 0.3 * np.sin(np.arange(n) / 10.0)[:, None]
    if case == "desk":
        acc = np.tile([0.0, 0.0, STANDARD_GRAVITY], (n, 1))  # face up on a table
    with pytest.raises(CalibrationError) as err:
        measure_neutral(t, acc, gyr)
    assert err.value.reason is reason
    assert err.value.hint


@pytest.mark.parametrize("rotated", [0.0, 30.0, -30.0])
def test_bend_recovers_the_forward_axis_of_a_rotated_clip(rotated: float) -> None:
    m = worn(rotated)
    bend = np.concatenate(
        [np.zeros(500), np.linspace(0, 30, 300), np.full(100, 30.0), np.linspace(30, 0, 300)]
    )
    t, acc, gyr = readings(m, bend, seed=1)
    cal = calibrate_clip(Role.BACK, t, acc, gyr)
    assert cal.mounting_measured
    assert cal.neutral_measured
    np.testing.assert_allclose(cal.matrix, m, atol=0.02)
    # A pure lateral flexion stays lateral (no cross-talk into flexion) through the measured mounting.
    _, acc2, _ = readings(m, np.zeros(10), np.full(10, 15.0), seed=2)
    f, lat = tilt_angles(acc2.mean(axis=0) @ cal.matrix.T)
    assert abs(np.degrees(f)) < 0.5
    assert np.degrees(lat) == pytest.approx(15.0, abs=0.5)


def test_without_the_bend_the_mounting_is_nominal() -> None:
    t, acc, gyr = readings(worn(), np.zeros(600))
    cal = calibrate_clip(Role.BACK, t, acc, gyr)
    assert not cal.mounting_measured
    np.testing.assert_allclose(cal.matrix, nominal_mounting(cal.up_in_sensor))
    np.testing.assert_allclose(cal.matrix, SEGMENT_FROM_SENSOR_NOMINAL, atol=0.01)


def test_a_small_bend_is_refused_with_a_hint() -> None:
    _t, acc, _ = readings(worn(), np.linspace(0.0, 5.0, 200))
    with pytest.raises(CalibrationError) as err:
        mounting_from_bend(np.array([1.0, 0.0, 0.0]), acc)
    assert err.value.reason is RejectReason.NO_MOVEMENT
    assert "bend forward" in (err.value.hint or "")


def test_procedure_refuses_a_window_with_no_still_stretch() -> None:
    t, acc, gyr = readings(worn(), np.zeros(600))
    gyr = gyr + 0.5 * np.sin(np.arange(600) / 5.0)[:, None]
    with pytest.raises(CalibrationError) as err:
        calibrate_clip(Role.BACK, t, acc, gyr)
    assert err.value.reason is RejectReason.MOVED


def test_still_mask_and_gyro_bias() -> None:
    rng = np.random.default_rng(5)
    gyr = rng.normal(0.0, 0.002, (1040, 3)) + 0.01
    gyr[500:700] += 0.5  # a movement
    still = still_mask(gyr, FS, max_rate=0.05)
    assert still[:400].all()
    assert not still[520:680].any()
    np.testing.assert_allclose(gyro_bias_from_still(gyr, still), [0.01] * 3, atol=1e-3)
    with pytest.raises(CalibrationError):
        gyro_bias_from_still(gyr, np.zeros(1040, bool))


def test_six_position_fit_recovers_offsets_and_scales() -> None:
    rng = np.random.default_rng(7)
    offset, scale = np.array([0.12, -0.08, 0.2]), np.array([1.01, 0.985, 1.004])
    dirs = np.vstack([np.eye(3), -np.eye(3), rng.normal(size=(4, 3))])
    dirs /= np.linalg.norm(dirs, axis=1, keepdims=True)
    raw = STANDARD_GRAVITY * dirs / scale + offset + rng.normal(0.0, 0.002, dirs.shape)
    fit = fit_accelerometer(raw)
    np.testing.assert_allclose(fit.offset, offset, atol=0.01)
    np.testing.assert_allclose(fit.scale, scale, atol=0.002)
    assert fit.rms_residual < 0.01
    with pytest.raises(CalibrationError):
        fit_accelerometer(raw[:5])
    with pytest.raises(CalibrationError):
        fit_accelerometer(np.abs(raw))  # never points an axis down


def test_intrinsics_apply_the_model() -> None:
    intr = SensorIntrinsics((0.1, 0.0, -0.1), (1.0, 2.0, 1.0), (0.01, 0.02, 0.03))
    acc, gyr = intr.apply(np.array([[1.1, 1.0, 0.9]]), np.array([[0.01, 0.02, 0.03]]))
    np.testing.assert_allclose(acc, [[1.0, 2.0, 1.0]])
    np.testing.assert_allclose(gyr, [[0.0, 0.0, 0.0]])
    with pytest.raises(ValueError, match="N, 3"):
        intr.apply(np.zeros((2, 3)), np.zeros((3, 3)))


def test_calibration_round_trips_through_json() -> None:
    t, acc, gyr = readings(worn(20.0), np.concatenate([np.zeros(500), np.linspace(0, 25, 300)]))
    cal = calibrate_clip(Role.HEAD, t, acc, gyr, intrinsics=SensorIntrinsics(gyro_bias=(0.1, 0.2, 0.3)))
    again = ClipCalibration.from_json(cal.to_json())
    assert again == cal
    d = json.loads(cal.to_json())
    assert d["version"] == CALIBRATION_VERSION
    assert d["role"] == "head"


@pytest.mark.parametrize(
    "mutate",
    [
        lambda d: d.update(version=99),
        lambda d: d.pop("segment_from_sensor"),
        lambda d: d.update(segment_from_sensor=[[2, 0, 0], [0, 1, 0], [0, 0, 1]]),
        lambda d: d.update(role="knee"),
    ],
)
def test_bad_stored_calibrations_are_refused(mutate: object) -> None:
    d = ClipCalibration.nominal(Role.BACK).to_dict()
    mutate(d)  # type: ignore[operator]
    with pytest.raises(CalibrationFormatError):
        ClipCalibration.from_dict(d)
    with pytest.raises(CalibrationFormatError):
        ClipCalibration.from_json("[1, 2]")


def test_bench_procedure_finds_the_six_faces_in_a_recording() -> None:
    rng = np.random.default_rng(11)
    offset, scale = np.array([0.05, -0.1, 0.15]), np.array([0.99, 1.01, 1.0])
    faces = np.vstack([np.eye(3), -np.eye(3)])
    acc_parts, gyr_parts = [], []
    for face in faces:
        n = int(4 * FS)
        acc_parts.append(STANDARD_GRAVITY * face / scale + offset + rng.normal(0, 0.01, (n, 3)))
        gyr_parts.append(rng.normal(0, 0.002, (n, 3)))
        # turning it over: a second of motion between faces
        acc_parts.append(rng.normal(0, 3.0, (int(FS), 3)))
        gyr_parts.append(rng.normal(0, 1.0, (int(FS), 3)))
    acc, gyr = np.vstack(acc_parts), np.vstack(gyr_parts)
    assert still_positions(acc, gyr, FS).shape == (6, 3)
    fit = calibrate_accelerometer(acc, gyr, FS)
    np.testing.assert_allclose(fit.offset, offset, atol=0.01)
    np.testing.assert_allclose(fit.scale, scale, atol=0.002)
