"""The benchmark's metric functions: BROAD's inclination error, percentiles, rates."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from bench.metrics import inclination_errors, inclination_rmse, percentile, rate
from sensorbridge.conventions import quat_from_axis_angle, quat_mul

Z = np.array([0.0, 0.0, 1.0])


def _random_quats(rng: np.random.Generator, n: int) -> np.ndarray:
    q = rng.normal(size=(n, 4))
    return q / np.linalg.norm(q, axis=1, keepdims=True)


def test_identical_orientations_have_no_error() -> None:
    q = _random_quats(np.random.default_rng(1), 50)
    assert np.allclose(inclination_errors(q, q), 0.0, atol=1e-7)


def test_a_heading_difference_does_not_count() -> None:
    rng = np.random.default_rng(2)
    truth = _random_quats(rng, 40)
    heading = quat_from_axis_angle(Z, rng.uniform(-np.pi, np.pi, 40))
    estimate = quat_mul(heading, truth)  # rotated about the earth's vertical only
    assert np.allclose(inclination_errors(estimate, truth), 0.0, atol=1e-6)


def test_a_tilt_in_the_earth_frame_is_the_error() -> None:
    truth = _random_quats(np.random.default_rng(3), 10)
    tilt = np.radians(7.0)
    estimate = quat_mul(quat_from_axis_angle(np.array([1.0, 0.0, 0.0]), np.full(10, tilt)), truth)
    assert np.allclose(inclination_errors(estimate, truth), tilt, atol=1e-9)


def test_matches_the_angle_between_the_up_directions_seen_by_the_sensor() -> None:
    # A second implementation: the angle between the earth's up axis in each estimate's sensor frame.
    rng = np.random.default_rng(4)
    est, true = _random_quats(rng, 200), _random_quats(rng, 200)
    up_est = Rotation.from_quat(est, scalar_first=True).inv().apply(Z)
    up_true = Rotation.from_quat(true, scalar_first=True).inv().apply(Z)
    expected = np.arccos(np.clip(np.sum(up_est * up_true, axis=1), -1.0, 1.0))
    assert np.allclose(inclination_errors(est, true), expected, atol=1e-6)


def test_sign_of_a_quaternion_does_not_matter() -> None:
    q = _random_quats(np.random.default_rng(5), 20)
    assert np.allclose(inclination_errors(-q, q), 0.0, atol=1e-7)


def test_rmse_uses_movement_samples_only_and_counts_missing_truth() -> None:
    n = 100
    truth = np.tile([1.0, 0.0, 0.0, 0.0], (n, 1))
    angles = np.where(np.arange(n) < 50, np.radians(2.0), np.radians(40.0))
    estimate = quat_from_axis_angle(np.array([0.0, 1.0, 0.0]), angles)
    movement = np.arange(n) < 50
    truth[10] = np.nan  # an optical dropout inside the movement phase
    truth[80] = np.nan  # and one outside it, which is not counted
    err = inclination_rmse(estimate, truth, movement[:, None])
    assert err.rmse_deg == pytest.approx(2.0, abs=1e-9)
    assert (err.used, err.no_truth) == (49, 1)


def test_rmse_refuses_bad_input() -> None:
    q = np.tile([1.0, 0.0, 0.0, 0.0], (5, 1))
    with pytest.raises(ValueError, match="movement"):
        inclination_rmse(q, q, np.ones(4))
    with pytest.raises(ValueError, match="no movement sample"):
        inclination_rmse(q, q, np.zeros(5))
    bad = q.copy()
    bad[2] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        inclination_rmse(bad, q, np.ones(5))
    with pytest.raises(ValueError, match=r"\(N, 4\)"):
        inclination_errors(q[:, :3], q[:, :3])


def test_percentile_and_rate() -> None:
    sample = np.arange(1.0, 101.0)
    assert percentile(sample, 50) == pytest.approx(50.5)
    assert percentile(sample, 99) == pytest.approx(99.01)
    assert rate(3_000_000, 1.5) == pytest.approx(2_000_000)
    with pytest.raises(ValueError, match="non-empty"):
        percentile([], 50)
    with pytest.raises(ValueError, match="outside"):
        percentile(sample, 101)
    with pytest.raises(ValueError, match="rate"):
        rate(10, 0.0)
