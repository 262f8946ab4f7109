"""Physics of the wearer simulator: gravity, tilt, gyro integration, lever arm, quantization."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sensorbridge.conventions import (
    STANDARD_GRAVITY,
    Role,
    quat_from_anatomical,
    quat_from_axis_angle,
    quat_mul,
    quat_normalize,
    quat_rotate,
)
from sensorbridge.protocol import AccelRange, GyroRange, accel_scale, gyro_scale
from sensorbridge.sim.body import BodyGeometry, Mounting, Oscillators, quat_zyx, rotate_vectors
from sensorbridge.sim.imu import ClipErrors, ImuModel, ImuSettings
from sensorbridge.sim.stream import NodeStream, SimError
from sensorbridge.sim.timeline import Ch, Script, Timeline

G = STANDARD_GRAVITY
IDEAL = ImuSettings(noiseless=True, rate_hz=208)


def still_timeline(**initial: float) -> Timeline:
    """A wearer frozen in one pose: no sway, no transitions."""
    tl = Timeline()
    tl.channels[Ch.SWAY].initial = 0.0
    for name, value in initial.items():
        tl.channels[Ch(name)].initial = value
    return tl


def node(
    tl: Timeline,
    role: Role = Role.BACK,
    mounting: Mounting | None = None,
    settings: ImuSettings = IDEAL,
    seed: int = 0,
) -> NodeStream:
    rng = np.random.default_rng(seed)
    return NodeStream(
        role, tl, Oscillators.from_rng(rng), BodyGeometry(), mounting or Mounting(), settings, rng
    )


def acc_of(raw: np.ndarray, code: AccelRange = AccelRange.G4) -> np.ndarray:
    return np.asarray(raw[:, :3], dtype=np.float64) * accel_scale(code)


def gyr_of(raw: np.ndarray, code: GyroRange = GyroRange.DPS500) -> np.ndarray:
    return np.asarray(raw[:, 3:], dtype=np.float64) * gyro_scale(code)


def test_upright_clip_reads_gravity_up_its_x_axis() -> None:
    # Worn as conventions.py says: sensor x up the spine, so a still upright wearer reads +g on x.
    chunk = node(still_timeline()).next_chunk(50)
    acc = acc_of(chunk.raw)
    np.testing.assert_allclose(acc.mean(axis=0), [G, 0.0, 0.0], atol=2 * accel_scale(AccelRange.G4))
    assert np.all(chunk.raw[:, 3:] == 0)


@pytest.mark.parametrize("deg", [-20.0, 5.0, 30.0, 60.0])
def test_thoracic_flexion_tips_gravity_onto_the_backward_axis(deg: float) -> None:
    # By hand: up in the segment is (-sin θ, 0, cos θ); sensor = Mᵀ·segment = (cos θ, 0, sin θ).
    th = math.radians(deg)
    acc = acc_of(node(still_timeline(th_flex=th)).next_chunk(20).raw).mean(axis=0)
    np.testing.assert_allclose(acc, G * np.array([math.cos(th), 0.0, math.sin(th)]), atol=0.003)


def test_lateral_flexion_to_the_right_raises_the_left_axis() -> None:
    phi = math.radians(15.0)
    acc = acc_of(node(still_timeline(th_lat=phi)).next_chunk(20).raw).mean(axis=0)
    np.testing.assert_allclose(acc, G * np.array([math.cos(phi), math.sin(phi), 0.0]), atol=0.003)


def test_turning_the_chair_does_not_tilt_a_still_clip() -> None:
    acc = acc_of(node(still_timeline(heading=2.0)).next_chunk(20).raw).mean(axis=0)
    np.testing.assert_allclose(acc, [G, 0.0, 0.0], atol=0.003)


def test_head_clip_sees_thorax_plus_neck_flexion() -> None:
    total = math.radians(10.0 + 25.0)
    tl = still_timeline(th_flex=math.radians(10.0), nk_flex=math.radians(25.0))
    acc = acc_of(node(tl, Role.HEAD).next_chunk(20).raw).mean(axis=0)
    np.testing.assert_allclose(acc, G * np.array([math.cos(total), 0.0, math.sin(total)]), atol=0.003)


def test_mounting_curvature_tilts_the_reading_at_neutral() -> None:
    acc = acc_of(node(still_timeline(), mounting=Mounting(curvature_deg=15.0)).next_chunk(20).raw)
    k = math.radians(15.0)
    np.testing.assert_allclose(acc.mean(axis=0), G * np.array([math.cos(k), 0.0, math.sin(k)]), atol=0.003)


def integrate_gyro(gyr: np.ndarray, dt: float) -> np.ndarray:
    """Body-frame rates (N, 3) integrated to a quaternion: q ← q ⊗ exp(ω dt / 2)."""
    q = np.array([1.0, 0.0, 0.0, 0.0])
    for w in gyr:
        angle = np.linalg.norm(w) * dt
        if angle > 0:
            q = quat_mul(q, quat_from_axis_angle(w, angle))
    return quat_normalize(q)


def rotation_angle_deg(q: np.ndarray) -> float:
    return math.degrees(2.0 * math.acos(min(1.0, abs(float(q[0])))))


def test_gyro_integrates_back_to_the_scripted_flexion() -> None:
    tl = still_timeline()
    Script(tl, now=0.5).move(2.0, th_flex=math.radians(30.0))
    n = node(tl, mounting=Mounting(rotated_deg=30.0))  # worn rotated: the axis is no longer sensor y
    chunk = n.next_chunk(int(3.0 * 208))
    q = integrate_gyro(gyr_of(chunk.raw), n.clock.period_s)
    # The segment rotated 30° about its y axis; in the sensor frame that axis is Mᵀ·ŷ.
    axis_sensor = n.mounting.segment_from_sensor().T @ np.array([0.0, 1.0, 0.0])
    expected = quat_from_axis_angle(axis_sensor, math.radians(30.0))
    err = rotation_angle_deg(quat_mul(np.array([1, -1, -1, -1]) * expected, q))
    assert err < 0.1


def test_gyro_integrates_a_chair_turn_about_the_vertical() -> None:
    tl = still_timeline()
    Script(tl, now=0.2).move(1.5, heading=math.radians(90.0))
    n = node(tl)
    q = integrate_gyro(gyr_of(n.next_chunk(int(2.0 * 208)).raw), n.clock.period_s)
    assert abs(rotation_angle_deg(q) - 90.0) < 0.1
    # Vertical is the sensor's x axis when upright: the rotation is about +x (a turn to the left).
    assert q[1] > 0.7


def test_lever_arm_centripetal_and_tangential_terms_during_a_chair_turn() -> None:
    tl = still_timeline()
    Script(tl, now=0.1).move(1.2, heading=math.radians(120.0))
    n = node(tl)
    t = n.clock.true_times(0, int(1.5 * 208))
    kin = n.kinematics(t)
    r = BodyGeometry().back_depth  # the back clip sits this far behind the vertical axis
    omega = kin.rate[:, 0]  # about sensor x = vertical while upright
    alpha = np.gradient(omega, t)
    # Centripetal toward the axis: forward = sensor -z. Tangential: a clip behind the axis moves to
    # the wearer's right (sensor -y) when the turn to the left speeds up.
    np.testing.assert_allclose(kin.specific_force[:, 2], -(omega**2) * r, atol=1e-4)
    inside = (t > 0.12) & (t < 1.28)  # np.gradient is poor where the turn starts and stops
    np.testing.assert_allclose(kin.specific_force[inside, 1], -alpha[inside] * r, atol=2e-3)
    assert np.max(omega**2 * r) > 0.5  # the test exercised a real lever-arm acceleration
    np.testing.assert_allclose(kin.specific_force[:, 0], G, atol=1e-6)


def test_ideal_readings_quantize_to_the_nearest_count_and_saturate_at_int16() -> None:
    settings = ImuSettings(noiseless=True, accel_range=AccelRange.G2, gyro_range=GyroRange.DPS125)
    model = ImuModel(settings, ClipErrors.draw(settings, np.random.default_rng(0)), np.random.default_rng(0))
    lsb_a, lsb_g = accel_scale(AccelRange.G2), gyro_scale(GyroRange.DPS125)
    force = np.array([[1.4 * lsb_a, -2.6 * lsb_a, 0.0], [3.0 * G, -3.0 * G, 0.0]])
    rate = np.array([[0.0, 10.49 * lsb_g, 0.0], [4.0, 0.0, -4.0]])
    raw, sat = model.measure(force, rate)
    assert raw.dtype == np.int16
    assert raw[0].tolist() == [1, -3, 0, 0, 10, 0]
    assert raw[1].tolist() == [32767, -32768, 0, 32767, 0, -32768]
    assert sat.tolist() == [False, True]


def test_noise_matches_the_datasheet_density() -> None:
    settings = ImuSettings(rate_hz=104, accel_drift_mg_rts=0.0, gyro_drift_dps_rts=0.0)
    chunk = node(still_timeline(), settings=settings, seed=3).next_chunk(20000)
    sigma = settings.noise_sigma()
    acc_std = acc_of(chunk.raw).std(axis=0)
    gyr_std = gyr_of(chunk.raw).std(axis=0)
    # 90 µg/√Hz over 52 Hz is 6.4 mg; 4 mdps/√Hz is 29 mdps (plus drift and quantization, small).
    np.testing.assert_allclose(acc_std, sigma[:3], rtol=0.1)
    np.testing.assert_allclose(gyr_std, sigma[3:], rtol=0.15)


def test_device_clock_runs_at_its_ppm_and_the_odr_at_its_own() -> None:
    n = node(still_timeline(), settings=ImuSettings(rate_hz=104), seed=5)
    chunk = n.next_chunk(10401)
    dt_dev = (chunk.device_us[-1] - chunk.device_us[0]) / 10400 * 1e-6
    expected = (1 / 104) * (1 + n.errors.odr_ppm * 1e-6) * (1 + n.errors.clock_ppm * 1e-6)
    assert abs(dt_dev - expected) < 1e-9
    assert chunk.device_us[0] == pytest.approx(n.errors.boot_s * 1e6, rel=1e-3)
    assert n.errors.odr_ppm != 0.0
    assert n.errors.clock_ppm != 0.0


def test_mounting_matrix_is_a_rotation() -> None:
    m = Mounting(curvature_deg=15.0, rotated_deg=30.0, error_axis=(0.3, -0.2, 0.9), error_deg=12.0)
    r = m.segment_from_sensor()
    np.testing.assert_allclose(r @ r.T, np.eye(3), atol=1e-12)
    assert np.linalg.det(r) == pytest.approx(1.0)


def test_fast_paths_match_the_conventions_helpers() -> None:
    rng = np.random.default_rng(11)
    f, lat, rot = rng.uniform(-1.5, 1.5, (3, 200))
    np.testing.assert_allclose(quat_zyx(f, lat, rot), quat_from_anatomical(f, lat, rot), atol=1e-12)
    q = quat_normalize(rng.normal(size=(200, 4)))
    v = rng.normal(size=(200, 3))
    np.testing.assert_allclose(rotate_vectors(q, v), quat_rotate(q, v), atol=1e-12)


def test_reconfigure_changes_rate_and_ranges_without_a_clock_jump() -> None:
    n = node(still_timeline(), settings=ImuSettings(rate_hz=104), seed=8)
    before = n.next_chunk(100)
    n.reconfigure(ImuSettings(rate_hz=208, accel_range=AccelRange.G8))
    after = n.next_chunk(100)
    assert after.first_index == 100
    step_before = np.diff(before.device_us).mean()
    step_after = np.diff(after.device_us).mean()
    assert step_after == pytest.approx(step_before / 2, rel=1e-2)
    # The first new sample follows one old period after the last old one (rounded to µs).
    assert after.device_us[0] - before.device_us[-1] == pytest.approx(step_before, abs=1.0)
    # Same gravity, counted at the new full scale: half the counts.
    assert after.raw[:, 0].mean() == pytest.approx(before.raw[:, 0].mean() / 2, rel=0.01)
    with pytest.raises(SimError, match="not one the clip supports"):
        n.reconfigure(ImuSettings(rate_hz=100))
