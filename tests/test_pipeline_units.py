"""Pipeline parts on small constructed data: the regulariser, the orientation wrapper, the state
machine (slouch dwell, hysteresis, merging, motion gating, not worn, alerts, snooze), the heading loop,
stretch verification, gaps, and chunk-invariance of the engine."""

from __future__ import annotations

import json

import numpy as np
import pytest
from vqf import VQF

from sensorbridge.conventions import (
    SEGMENT_FROM_SENSOR_NOMINAL,
    STANDARD_GRAVITY,
    Role,
    matrix_to_quat,
    quat_conj,
    quat_from_anatomical,
    quat_mul,
    quat_rotate,
)
from sensorbridge.pipeline.analysis import analyze
from sensorbridge.pipeline.angles import (
    HeadingTracker,
    RateRule,
    relative_angles,
    thoracic_angles,
    up_in_sensor,
)
from sensorbridge.pipeline.clocks import estimate_head_offset
from sensorbridge.pipeline.engine import Engine, TickFrame
from sensorbridge.pipeline.exercises import ExerciseMachine, UnknownExerciseError
from sensorbridge.pipeline.heading_smoother import HeadingLog, smooth
from sensorbridge.pipeline.live import LivePipeline
from sensorbridge.pipeline.orientation import OrientationFilter
from sensorbridge.pipeline.resample import Resampler, StreamOrderError
from sensorbridge.pipeline.settings import OrientationSettings, PipelineSettings
from sensorbridge.pipeline.states import CODE, PostureTracker, TickInputs
from sensorbridge.posture import PostureState
from sensorbridge.samples import ImuBatch

FS = 104.0
S = PipelineSettings()


def clip_samples(
    flexion_deg: np.ndarray, lateral_deg: np.ndarray | None = None, t0: float = 0.0, seed: int = 0
) -> ImuBatch:
    """A back clip worn nominally on a thorax following the given angles (N,), sampled at 104 Hz."""
    rng = np.random.default_rng(seed)
    n = flexion_deg.shape[0]
    lat = np.zeros(n) if lateral_deg is None else lateral_deg
    q_seg = quat_from_anatomical(np.radians(flexion_deg), np.radians(lat), np.zeros(n))
    q = quat_mul(q_seg, matrix_to_quat(SEGMENT_FROM_SENSOR_NOMINAL))  # sensor -> earth
    acc = quat_rotate(quat_conj(q), np.array([0.0, 0.0, STANDARD_GRAVITY])) + rng.normal(0, 0.03, (n, 3))
    dq = quat_mul(quat_conj(q[:-1]), q[1:])
    w = 2.0 * dq[:, 1:] * np.sign(dq[:, :1]) * FS
    gyr = np.vstack([w, w[-1:]]) + rng.normal(0, 0.002, (n, 3))
    return ImuBatch(Role.BACK, t0 + np.arange(n) / FS, acc, gyr)


def smooth_steps(seconds: float, steps: list[tuple[float, float, float]]) -> np.ndarray:
    """Flexion (°) at 104 Hz: 0, with (start, end, degrees) plateaus entered over 2 s ramps."""
    t = np.arange(int(seconds * FS)) / FS
    out = np.zeros_like(t)
    for a, b, deg in steps:
        up = np.clip((t - a) / 2.0, 0, 1)
        down = np.clip((b - t) / 2.0, 0, 1)
        out += deg * np.minimum(up, down)
    return out


# -- regulariser ------------------------------------------------------------------------------


def test_resampler_passes_regular_samples_and_fills_holes_the_same_in_any_chunks() -> None:
    rng = np.random.default_rng(1)
    t = np.arange(400) / FS + rng.normal(0, 0.0005, 400)
    t = np.delete(t, [50, 51, 52, 200])  # a 4-period hole and a 2-period hole
    t = np.delete(t, np.arange(300, 330))  # a 0.3 s gap: too long to bridge
    acc, gyr = rng.normal(size=(t.size, 3)), rng.normal(size=(t.size, 3))
    whole = Resampler(FS, 0.1).push(t, acc, gyr)
    r = Resampler(FS, 0.1)
    parts = [r.push(t[i : i + 7], acc[i : i + 7], gyr[i : i + 7]) for i in range(0, t.size, 7)]
    np.testing.assert_array_equal(np.concatenate([p.t for p in parts]), whole.t)
    np.testing.assert_array_equal(np.concatenate([p.acc for p in parts]), whole.acc)
    assert whole.filled == 4  # 3 + 1 interpolated samples
    assert len(whole.gaps) == 1
    start, end, lost = whole.gaps[0]
    assert end - start == pytest.approx(30 / FS, abs=0.002)
    assert lost == 30
    assert np.all(np.diff(whole.t) < 1.6 / FS) or np.any(np.diff(whole.t) > 0.1)


def test_resampler_drops_duplicates_and_refuses_time_going_back() -> None:
    r = Resampler(FS, 0.1)
    t = np.array([0.0, 0.0001, 1 / FS, 2 / FS])
    out = r.push(t, np.zeros((4, 3)), np.zeros((4, 3)))
    assert out.dropped == 1
    assert out.t.size == 3
    with pytest.raises(StreamOrderError):
        r.push(np.array([0.5 / FS]), np.zeros((1, 3)), np.zeros((1, 3)))
    with pytest.raises(StreamOrderError):
        Resampler(FS, 0.1).push(np.array([1.0, 0.5]), np.zeros((2, 3)), np.zeros((2, 3)))


def test_orientation_filter_chunks_equal_one_batch_and_vqf() -> None:
    b = clip_samples(smooth_steps(20, [(5, 12, 25)]))
    f = OrientationFilter(OrientationSettings(), FS)
    chunks = [f.update_batch(b.gyr[i : i + 13], b.acc[i : i + 13]).quat for i in range(0, len(b), 13)]
    direct = VQF(1 / FS, tauAcc=3.0).updateBatch(b.gyr, b.acc)["quat6D"]
    np.testing.assert_array_equal(np.concatenate(chunks), direct)
    with pytest.raises(ValueError, match="N, 3"):
        f.update_batch(b.gyr[:, :2], b.acc[:, :2])


def test_thoracic_angles_follow_the_conventions() -> None:
    b = clip_samples(smooth_steps(40, [(5, 20, 20)]), lateral_deg=np.full(int(40 * FS), -8.0))
    q = OrientationFilter(OrientationSettings(), FS).update_batch(b.gyr, b.acc).quat
    f, lat = thoracic_angles(q, SEGMENT_FROM_SENSOR_NOMINAL)
    i = int(15 * FS)
    assert np.degrees(f[i]) == pytest.approx(20.0, abs=0.5)  # forward is positive
    assert np.degrees(lat[i]) == pytest.approx(-8.0, abs=0.5)  # to the left is negative
    with pytest.raises(ValueError, match="N, 4"):
        up_in_sensor(q[:, :3])


# -- state machine on ticks -------------------------------------------------------------------


def ticks(flex: np.ndarray, *, gyro: np.ndarray | None = None, t0: float = 0.0) -> TickInputs:
    n = flex.shape[0]
    t = t0 + (np.arange(n) + 0.5) / 10.0
    z = np.zeros(n)
    return TickInputs(t, np.ones(n, bool), flex, z, np.full(n, np.nan), z if gyro is None else gyro, z,
                      np.zeros(n, bool))  # fmt: skip


def run_tracker(x: TickInputs, chunk: int = 37) -> tuple[np.ndarray, list, list, list]:  # type: ignore[type-arg]
    tr = PostureTracker(S)
    states, relabels, alerts, eps = [], [], [], []
    for i in range(0, x.t.size, chunk):
        sl = slice(i, i + chunk)
        part = TickInputs(*(getattr(x, f)[sl] for f in TickInputs.__dataclass_fields__))
        o = tr.step(part)
        states.append(o.states)
        relabels += o.relabels
        alerts += o.alerts
        eps += o.episodes
    eps += tr.flush().episodes
    return np.concatenate(states), relabels, alerts, eps


def test_a_slouch_counts_after_its_dwell_from_when_it_began_however_it_wobbles() -> None:
    flex = np.zeros(2000)
    flex[200:1400] = 18.0
    flex[600:630] = 10.0  # a wobble above angle - hysteresis: still slouched
    flex[900:940] = 2.0  # a 4 s dip: shorter than the merge time, one episode
    states, relabels, alerts, eps = run_tracker(ticks(flex))
    assert len(eps) == 1
    assert eps[0].start == pytest.approx(20.0)
    assert eps[0].end == pytest.approx(140.0)
    assert states[200 + 290] == CODE[PostureState.UPRIGHT]  # causal: not yet 30 s
    assert states[200 + 310] == CODE[PostureState.SLOUCHED]
    assert relabels[0].start == pytest.approx(20.0)
    assert [a.level for a in alerts] == [1]  # the next reminder would come after 120 s


def test_short_slouches_and_dips_do_not_count() -> None:
    flex = np.zeros(1500)
    flex[100:350] = 20.0  # 25 s: under the dwell
    flex[500:700] = 20.0
    flex[700:800] = 0.0  # 10 s apart: two candidates of 20 s, no episode
    flex[800:1000] = 20.0
    _, _, alerts, eps = run_tracker(ticks(flex))
    assert eps == []
    assert alerts == []


def test_motion_gates_slouching_and_alerts_escalate_then_snooze() -> None:
    flex = np.full(6000, 20.0)
    gyro = np.zeros(6000)
    gyro[:50] = 100.0  # reaching first: moving, not slouched
    states, _, alerts, _ = run_tracker(ticks(flex, gyro=gyro))
    assert states[10] == CODE[PostureState.MOVING]
    assert [a.level for a in alerts] == [1, 2, 3, 3, 3]
    assert np.diff([a.t for a in alerts]).min() >= S.slouch.alert_repeat_s - 0.2
    tr = PostureTracker(S)
    tr.snooze(400.0)
    out = tr.step(ticks(flex))
    assert out.alerts[0].t >= 400.0


def test_a_clip_lying_flat_is_not_worn_from_when_it_was_put_down() -> None:
    flex = np.zeros(600)
    flex[100:] = 90.0
    states, relabels, _, eps = run_tracker(ticks(flex))
    assert states[-1] == CODE[PostureState.NOT_WORN]
    assert eps == []
    assert any(r.to is PostureState.NOT_WORN and r.start == pytest.approx(10.0) for r in relabels)


def test_drift_tracker_is_capped() -> None:
    tr = PostureTracker(S)
    tr.step(ticks(np.full(50000, 7.0)))
    assert tr.drift == pytest.approx(S.slouch.drift_cap_deg)
    assert tr.slouch.start is None  # 7° never became a slouch


# -- neck heading loop ------------------------------------------------------------------------


def _track(yaw_angle: np.ndarray, moving: np.ndarray | None = None) -> np.ndarray:
    n = yaw_angle.shape[0]
    ident = np.tile([1.0, 0.0, 0.0, 0.0], (n, 1))
    z = np.zeros(n)
    yaw = np.stack([np.cos(yaw_angle / 2), z, z, np.sin(yaw_angle / 2)], axis=1)
    mv = np.zeros(n, bool) if moving is None else moving
    tr = HeadingTracker(600.0, 0.1)
    return np.concatenate([
        tr.track(ident[i : i + 500], yaw[i : i + 500], ~mv[i : i + 500], np.zeros(500, bool), mv[i : i + 500])
        for i in range(0, n, 500)
    ])  # fmt: skip


def test_heading_loop_removes_offsets_slowly_and_steps_across_trunk_movements() -> None:
    t = np.arange(30000) / 10.0  # 3000 s of ticks
    offset = np.where(t > 100, np.radians(5.0), 0.0)  # the filters' headings part by 5° at 100 s
    residual = np.degrees(_track(offset) + offset)
    assert abs(residual[-1]) < 0.05  # gone after 5 τ
    assert 1.75 < abs(residual[np.searchsorted(t, 700.0)]) < 1.95  # e^-1 of it after one τ
    glance = np.where((t > 1000) & (t < 1020), np.radians(10.0), 0.0)
    moved = np.degrees(_track(glance))
    assert np.max(np.abs(moved)) < 0.4  # a 20 s glance of 10° moves it by about 20/600 of itself
    # A chair turn steps the relative heading by 2° (scale errors): held across the movement.
    moving = (t > 500) & (t < 502)
    step = np.where(t > 501, np.radians(2.0), 0.0)
    after = np.degrees(_track(step, moving) + step)
    assert np.max(np.abs(after[t > 503])) < 1e-9


def test_heading_loop_takes_out_the_drift_rate_learnt_while_the_head_is_still() -> None:
    t = np.arange(12000) / 10.0  # 1200 s of ticks
    rate = np.radians(0.05) / 10.0  # the filters' relative heading drifts 0.05°/s (rad per tick)
    glance = np.radians(10.0) * np.clip(np.minimum(t - 400, 432 - t) / 2.0, 0, 1)  # held 30 s
    offset = rate * np.arange(t.size)
    raw = glance + offset  # what the two filters make of it
    yaw_rel = np.diff(raw, prepend=0.0)  # what they integrated per tick
    n = t.size
    ident = np.tile([1.0, 0.0, 0.0, 0.0], (n, 1))
    z = np.zeros(n)
    head = np.stack([np.cos(raw / 2), z, z, np.sin(raw / 2)], axis=1)
    still, off = np.ones(n, bool), np.zeros(n, bool)

    def residual(rel_still_dps: float) -> tuple[np.ndarray, float]:
        tr = HeadingTracker(1200.0, 0.1, rel_still_rad_s=np.radians(rel_still_dps))
        parts = [tr.track(ident[i : i + 700], head[i : i + 700], still[i : i + 700], off[i : i + 700],
                          off[i : i + 700], yaw_rel[i : i + 700]) for i in range(0, n, 700)]  # fmt: skip
        return np.degrees(raw + np.concatenate(parts) - glance), tr.drift  # the neck rotation's error

    (with_rate, learnt), (without, _) = residual(1.0), residual(0.0)
    assert learnt == pytest.approx(rate, rel=1e-6)
    # While the rate is learnt (drift_tau 20 s) about rate × drift_tau = 1° builds up; then it stops
    # growing and the slow pull takes it away.
    assert np.max(np.abs(with_rate)) < 1.05
    assert np.all(np.diff(np.abs(with_rate[t > 200])) <= 1e-9)
    # A glance (5°/s, held 30 s) is not taken for drift: only the slow pull moves the error, by its
    # share over τ = 1200 s (10° for about 32 s, the 0.7° left for 40 s).
    i400, i440 = np.searchsorted(t, [400.0, 440.0])
    assert abs(with_rate[i440] - with_rate[i400]) < (10.0 * 32 + 0.8 * 40) / 1200
    assert np.max(np.abs(without[t > 600])) > 5.0  # the slow pull alone lags a steady drift


def test_heading_hold_spans_a_walk_whose_steps_dip_under_the_threshold() -> None:
    t = np.arange(3000) / 10.0
    # A 10 s walk from 100 s: the trunk-moving flag drops for 2 of every 5 ticks (the steps), and the
    # scale errors turn the relative heading by 3° over it; the neck itself does not turn.
    walking = (t >= 100) & (t < 110)
    moving = walking & (np.arange(t.size) % 5 < 3)
    turn = np.radians(3.0) * np.clip((t - 100) / 10, 0, 1)
    n = t.size
    ident = np.tile([1.0, 0.0, 0.0, 0.0], (n, 1))
    z = np.zeros(n)
    head = np.stack([np.cos(turn / 2), z, z, np.sin(turn / 2)], axis=1)

    def rotation_error(release_s: float) -> np.ndarray:
        tr = HeadingTracker(600.0, 0.1, release_s=release_s)
        parts = [tr.track(ident[i : i + 500], head[i : i + 500], ~walking[i : i + 500],
                          np.zeros(500, bool), moving[i : i + 500]) for i in range(0, n, 500)]  # fmt: skip
        return np.degrees(np.concatenate(parts) + turn)

    assert np.max(np.abs(rotation_error(0.5))) < 1e-9  # one hold, pinned throughout
    assert np.max(np.abs(rotation_error(0.0))) > 0.1  # a hold per step lets the turn through between


def test_heading_hold_keeps_the_neck_rotation_exactly_while_the_thorax_is_bent() -> None:
    # A reach: the thorax bends 35° forward and 10° sideways while scale errors turn the head filter's
    # heading by 2°; the neck is turned 8° throughout. The hold must keep exactly that rotation (its
    # upright approximation, rotation(0) + δ, was off by degrees with the thorax bent).
    n = 60
    ramp = np.clip((np.arange(n) - 1) / 20.0, 0.0, 1.0)
    thorax = quat_from_anatomical(np.radians(35.0) * ramp, np.radians(10.0) * ramp, np.zeros(n))
    neck = quat_from_anatomical(np.zeros(n), np.zeros(n), np.full(n, np.radians(8.0)))
    part = quat_from_anatomical(np.zeros(n), np.zeros(n), np.radians(2.0) * ramp)
    head = quat_mul(part, quat_mul(thorax, neck))
    moving = np.ones(n, bool)
    tr = HeadingTracker(600.0, 0.1, release_s=0.5)
    tr.start_at(0.0)  # right at the start
    delta = tr.track(thorax, head, ~moving, np.zeros(n, bool), moving)
    _, lateral, rotation = relative_angles(thorax, head, delta)
    assert np.degrees(rotation) == pytest.approx(8.0, abs=1e-6)
    # and, δ being right, nothing of the heading turn shows as sideways tilt of the head
    assert np.degrees(lateral) == pytest.approx(0.0, abs=1e-6)


def _rate_rule_ticks(n: int, neck_rates: np.ndarray) -> tuple[np.ndarray, ...]:
    """A reach: the thorax bent 30° forward and bending further at 30°/s about its y axis; the head
    filter's earth frame 0.1 rad (5.7°) of heading from the back filter's; the head held as the thorax
    is, adding ``neck_rates`` (3,) rad/s of its own (its frame). Both segments' quaternions and rates
    (each in its own frame), (n, ...) each."""
    bent = quat_from_anatomical(np.radians(30.0), 0.0, 0.0)
    q_thorax = np.tile(bent, (n, 1))
    q_head = np.tile(quat_mul(quat_from_anatomical(0.0, 0.0, -0.1), bent), (n, 1))  # Rz(-δ) first
    rate_thorax = np.tile([0.0, np.radians(30.0), 0.0], (n, 1))
    return q_thorax, q_head, rate_thorax, rate_thorax + neck_rates


@pytest.mark.parametrize("axis", [1, 2], ids=["nodding", "turning"])
def test_rate_rule_finds_the_relative_heading_from_a_trunk_turn_despite_the_neck_moving(axis: int) -> None:
    # The head nods along (20°/s about its y axis) or turns toward what the hand reaches for (about
    # its z axis): neither may bias the fit.
    ticks = _rate_rule_ticks(20, np.radians(20.0) * np.eye(3)[axis])
    rule = RateRule(0.1, np.radians(5.0), np.radians(1.0), np.radians(10.0))
    delta = 0.0
    for tick in rule.inputs(*ticks, np.ones(20, bool)):
        assert tick is not None
        delta = rule.correct(delta, tick)
    assert delta == pytest.approx(0.1, abs=1e-6)
    # Slow sway (under the rule's 5°/s) and excluded ticks show nothing.
    q_thorax, q_head, rate_thorax, rate_head = ticks
    assert rule.inputs(q_thorax, q_head, 0.1 * rate_thorax, 0.1 * rate_head, np.ones(20, bool)) == [None] * 20
    assert rule.inputs(*ticks, np.zeros(20, bool)) == [None] * 20


def test_rate_rule_leaves_out_a_tick_where_the_head_turns_on_its_own() -> None:
    rule = RateRule(0.1, np.radians(5.0), np.radians(1.0), np.radians(0.16))
    delta = 0.1
    for tick in rule.inputs(*_rate_rule_ticks(40, np.zeros(3)), np.ones(40, bool)):
        assert tick is not None
        delta = rule.correct(delta, tick)
    assert delta == pytest.approx(0.1, abs=1e-9)  # right already: nothing to change
    # The head turns sideways by 40°/s during the trunk's turn: far outside the estimate's spread.
    (tick,) = rule.inputs(*_rate_rule_ticks(1, np.array([np.radians(40.0), 0.0, 0.0])), np.ones(1, bool))
    assert tick is not None
    assert rule.correct(0.1, tick) == 0.1


def _slouch_day(lateral_deg: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The thorax upright, slouched 20° from 300 to 600 s, upright again; the neck neutral but for
    ``lateral_deg`` of sideways tilt while slouched; the head filter's heading parts from the back
    filter's by 3° at 100 s (drift the rate learner missed). Segment quaternions and the times."""
    t = np.arange(9000) / 10.0
    n = t.size
    z = np.zeros(n)
    slouched = (t >= 300) & (t < 600)
    thorax = quat_from_anatomical(np.where(slouched, np.radians(20.0), 0.0), z, z)
    neck = quat_from_anatomical(z, np.where(slouched, np.radians(lateral_deg), 0.0), z)
    part = quat_from_anatomical(z, z, np.where(t >= 100, np.radians(3.0), 0.0))
    return thorax, quat_mul(part, quat_mul(thorax, neck)), t


def test_heading_error_is_measured_from_the_lateral_flexion_while_slouched() -> None:
    def rotation_error(lateral_deg: float, incline_tau_s: float) -> tuple[np.ndarray, np.ndarray]:
        qt, qh, t = _slouch_day(lateral_deg)
        n = t.size
        still, off = np.ones(n, bool), np.zeros(n, bool)
        tr = HeadingTracker(600.0, 0.1, incline_tau_s=incline_tau_s)
        parts = [tr.track(qt[i : i + 700], qh[i : i + 700], still[i : i + 700], off[i : i + 700],
                          off[i : i + 700]) for i in range(0, n, 700)]  # fmt: skip
        delta = np.concatenate(parts)
        _, _, rot = relative_angles(qt, qh, delta)
        return np.degrees(rot), t

    without, t = rotation_error(0.0, 0.0)
    with_rule, _ = rotation_error(0.0, 30.0)
    before, end = np.searchsorted(t, [299.0, 599.0])
    # Upright the rule cannot see the error: both are the slow pull's alone until the slouch.
    assert with_rule[before] == pytest.approx(without[before])
    assert 2.0 < abs(without[before]) < 3.0
    # Slouched, the error shows in the lateral flexion and is gone within a few τ of 30 s.
    assert abs(with_rule[end]) < 0.05
    assert abs(without[end]) > 1.0
    # A head really tilted 3° sideways while slouched implies a heading error of 9° (± the 2° there
    # is): not taken for one. (Under 5° of implied error it would be: the rule's assumption.)
    for lateral_deg in (3.0, -3.0):
        tilted, _ = rotation_error(lateral_deg, 30.0)
        assert tilted[end] == pytest.approx(without[end])


def test_the_recheck_takes_out_what_the_filters_inclination_made_of_a_slouch() -> None:
    # The head filter's inclination is off by 0.4° sideways from the slouch's start until 60 s after
    # it: slouched, the rule reads that as about 1.2° of heading (0.4° / sin 20°); upright afterwards
    # the same 0.4° is in the lateral flexion, where δ cannot put it, and the recheck takes it out.
    def rotation_error(tilted: bool, recheck_s: float) -> tuple[np.ndarray, np.ndarray]:
        qt, qh, t = _slouch_day(0.0)
        n = t.size
        z = np.zeros(n)
        off_by = np.radians(0.4) * (tilted & (t >= 300) & (t < 660))
        qh = quat_mul(quat_from_anatomical(z, off_by, z), qh)  # about the earth's x axis
        still, off = np.ones(n, bool), np.zeros(n, bool)
        tr = HeadingTracker(600.0, 0.1, incline_tau_s=30.0, recheck_s=recheck_s)
        parts = [tr.track(qt[i : i + 700], qh[i : i + 700], still[i : i + 700], off[i : i + 700],
                          off[i : i + 700]) for i in range(0, n, 700)]  # fmt: skip
        _, _, rot = relative_angles(qt, qh, np.concatenate(parts))
        return np.degrees(rot), t

    clean, t = rotation_error(False, 20.0)
    misread, _ = rotation_error(True, 0.0)
    rechecked, _ = rotation_error(True, 20.0)
    after = np.searchsorted(t, 700.0)
    assert abs(misread[after] - clean[after]) > 0.6  # 0.88°
    assert abs(rechecked[after] - clean[after]) < 0.25  # 0.14°
    # Without an offset there is nothing to take out.
    assert clean[after] == pytest.approx(rotation_error(False, 0.0)[0][after], abs=1e-6)


def test_node_ticks_carry_the_yaw_the_filter_integrated() -> None:
    n = int(60 * FS)
    rot = np.radians(10.0) * np.arange(n) / FS  # the upright wearer turns at 10°/s about the vertical
    q_seg = quat_from_anatomical(np.zeros(n), np.zeros(n), rot)
    q = quat_mul(q_seg, matrix_to_quat(SEGMENT_FROM_SENSOR_NOMINAL))
    acc = quat_rotate(quat_conj(q), np.array([0.0, 0.0, STANDARD_GRAVITY]))
    dq = quat_mul(quat_conj(q[:-1]), q[1:])
    w = 2.0 * dq[:, 1:] * np.sign(dq[:, :1]) * FS
    batch = ImuBatch(Role.BACK, np.arange(n) / FS, acc, np.vstack([w, w[-1:]]))
    engine = Engine(S)
    node = engine.node(Role.BACK)
    ticks = node.push(batch).ticks
    assert len(ticks) > 500
    # From one tick's centre to the next, one tick period (0.1 s) at 10°/s, whatever the samples'
    # phase (the middle samples were 10 or 11 sample periods apart).
    np.testing.assert_allclose(np.degrees(ticks.yaw[1:]), 1.0, atol=0.002)


# -- stretches --------------------------------------------------------------------------------


def frame(neck_flexion: np.ndarray, t0: float = 0.0) -> TickFrame:
    n = neck_flexion.shape[0]
    z = np.zeros(n)
    return TickFrame(t0 + (np.arange(n) + 0.5) / 10, np.full(n, CODE[PostureState.UPRIGHT], np.int8), z, z,
                     neck_flexion, z, z)  # fmt: skip


def test_chin_tuck_holds_are_counted_and_short_ones_named() -> None:
    x = np.zeros(600)
    x[50:120] = 14.0  # 7 s
    x[200:230] = 14.0  # 3 s: too short
    x[300:304] = 14.0  # a flick: quick nod
    x[400:470] = -8.0  # chin up: the head jutting forward
    m = ExerciseMachine("chin_tuck", S)
    m.step(frame(x[:333]), has_head=True)
    m.step(frame(x[333:], t0=33.3), has_head=True)
    m.finish()
    r = m.report()
    assert r.attempts == 4
    assert [h.valid for h in r.holds] == [True, False, False, False]
    assert r.holds[0].seconds == pytest.approx(7.0, abs=0.15)
    assert "too_short" in r.holds[1].faults
    assert "quick_nod" in r.holds[2].faults
    assert "head_jut" in r.holds[3].faults
    assert r.valid_reps == 1


def test_neck_stretches_need_the_head_clip_and_names_are_checked() -> None:
    m = ExerciseMachine("lateral_flexion", S)
    progress = m.step(frame(np.zeros(10)), has_head=False)
    assert progress[0].phase == "not_verifiable"
    assert not m.report().verifiable
    with pytest.raises(UnknownExerciseError) as err:
        ExerciseMachine("push_up", S)
    assert "chin_tuck" in (err.value.hint or "")


# -- engine and entry points ------------------------------------------------------------------


def test_engine_output_does_not_depend_on_chunking_and_marks_gaps() -> None:
    b = clip_samples(smooth_steps(120, [(30, 90, 20)]))
    keep = np.ones(len(b), bool)
    keep[int(60 * FS) : int(63 * FS)] = False  # a 3 s gap
    b = ImuBatch(Role.BACK, b.t[keep], b.acc[keep], b.gyr[keep])

    def run(chunk: int) -> tuple[TickFrame, int]:
        e = Engine(S)
        frames, gaps = [], 0
        for i in range(0, len(b), chunk):
            o = e.push(ImuBatch(Role.BACK, b.t[i : i + chunk], b.acc[i : i + chunk], b.gyr[i : i + chunk]))
            frames.append(o.frame)
            gaps += len(o.gaps)
        frames.append(e.finish().frame)
        cat = TickFrame(
            *(np.concatenate([getattr(f, k) for f in frames]) for k in TickFrame.__dataclass_fields__)
        )
        return cat, gaps

    a, gaps_a = run(18)
    c, gaps_c = run(5000)
    np.testing.assert_array_equal(a.state, c.state)
    np.testing.assert_allclose(a.thoracic_flexion, c.thoracic_flexion, atol=1e-9, equal_nan=True)
    assert gaps_a == gaps_c == 1
    in_gap = (a.t > 60.2) & (a.t < 62.8)
    assert np.all(a.state[in_gap] == CODE[PostureState.NO_DATA])
    assert np.isnan(a.thoracic_flexion[in_gap]).all()


def test_analyze_json_has_the_documented_fields() -> None:
    b = clip_samples(smooth_steps(200, [(40, 120, 20)]))
    a = analyze(b, calibration_window=(0.0, 10.0))
    d = json.loads(a.to_json(timeline_hz=2.0))
    assert d["calibration"]["ok"] is True
    assert set(d["timeline"]) >= {"t", "thoracic_flexion", "thoracic_lateral", "neck_flexion", "neck_lateral",
                                  "neck_rotation", "state"}  # fmt: skip
    assert len(d["timeline"]["t"]) == 400
    assert d["timeline"]["neck_flexion"][0] is None
    assert d["summary"]["slouch_episodes"] == 1 == len(d["slouch_episodes"])
    assert d["slouch_episodes"][0]["peak_flexion"] == pytest.approx(20.0, abs=0.5)
    s = d["summary"]
    parts = ("upright_s", "slouched_s", "moving_s", "not_worn_s", "no_data_s", "calibrating_s")
    assert sum(s[k] for k in parts) == pytest.approx(s["duration_s"], abs=0.01)
    with pytest.raises(UnknownExerciseError):
        analyze(b, exercise="yoga")


def test_live_calibration_procedure_runs_when_the_window_has_passed() -> None:
    flex = smooth_steps(40, [(12, 16, 30)])  # hold 0-12 s, then the bend
    b = clip_samples(flex, t0=1000.0)
    live = LivePipeline()
    live.start_calibration(1000.0, 20.0)
    states = []
    for i in range(0, len(b), 18):
        states += [s.state for s in live.update(ImuBatch(Role.BACK, b.t[i : i + 18], b.acc[i : i + 18],
                                                          b.gyr[i : i + 18]))]  # fmt: skip
    ev = live.drain()
    assert ev.calibration
    assert ev.calibration[0].ok
    assert ev.calibration[0].mounting_measured == (Role.BACK,)
    assert live.calibrations[Role.BACK].mounting_measured
    assert states[50] is PostureState.CALIBRATING
    assert states[-1] is PostureState.UPRIGHT


def test_clock_offset_needs_shared_movement_to_be_confident() -> None:
    rng = np.random.default_rng(4)
    n = int(300 * FS)
    t = np.arange(n) / FS
    back = ImuBatch(Role.BACK, t, np.zeros((n, 3)), rng.normal(0, 0.01, (n, 3)))
    head = ImuBatch(Role.HEAD, t, np.zeros((n, 3)), rng.normal(0, 0.01, (n, 3)))
    assert not estimate_head_offset(back, head).confident  # noise alone lines up nowhere
    bursts = np.zeros(n)
    for start in (30, 95, 170, 240):
        bursts[int(start * FS) : int((start + 3) * FS)] = 1.5
    moved = ImuBatch(Role.BACK, t, back.acc, back.gyr + bursts[:, None])
    late = ImuBatch(Role.HEAD, t - 4.0, head.acc, head.gyr + bursts[:, None])
    est = estimate_head_offset(moved, late)
    assert est.confident
    assert est.offset_s == pytest.approx(4.0, abs=0.06)


@pytest.mark.parametrize("rate", [50.0, 200.0])
def test_another_imus_rate_is_measured_not_assumed(rate: float) -> None:
    base = clip_samples(smooth_steps(200, [(40, 120, 20)]))
    # Resample the 104 Hz clip to another IMU's rate (the thorax moves slowly: linear is enough).
    t = np.arange(0.0, base.t[-1], 1.0 / rate)
    acc = np.stack([np.interp(t, base.t, base.acc[:, i]) for i in range(3)], axis=1)
    gyr = np.stack([np.interp(t, base.t, base.gyr[:, i]) for i in range(3)], axis=1)
    a = analyze(ImuBatch(Role.BACK, t, acc, gyr), calibration_window=(0.0, 10.0))
    assert a.samples["back_filtered"] == pytest.approx(t.size, rel=0.001)  # no filling, no dropping
    (ep,) = a.slouch_episodes
    assert ep.peak_flexion == pytest.approx(20.0, abs=0.7)
    mid = (a.timeline.t > 60) & (a.timeline.t < 100)
    assert np.nanmean(a.timeline.thoracic_flexion[mid]) == pytest.approx(20.0, abs=0.5)


def test_a_refused_head_clip_does_not_discard_the_back_clips_calibration() -> None:
    back = clip_samples(smooth_steps(40, [(12, 16, 30)]))
    n = len(back)
    rng = np.random.default_rng(9)
    desk = np.tile([0.0, 0.0, STANDARD_GRAVITY], (n, 1)) + rng.normal(0, 0.02, (n, 3))
    head = ImuBatch(Role.HEAD, back.t.copy(), desk, rng.normal(0, 0.002, (n, 3)))
    a = analyze(back, head, calibration_window=(0.0, 20.0))
    assert not a.calibration.ok
    assert "head clip" in a.calibration.message
    assert a.calibration.roles == (Role.BACK,)
    assert a.calibrations[Role.BACK].mounting_measured
    assert not a.calibrations[Role.HEAD].neutral_measured


def _log(segments: list[tuple[int, float]], n: int = 100) -> HeadingLog:
    """A heading log of still, upright ticks with both segments aligned: one run of ``n`` ticks from
    each ``(first tick, forward δ)``."""
    log = HeadingLog()
    ident = np.tile([1.0, 0.0, 0.0, 0.0], (n, 1))
    z, off = np.zeros(n), np.zeros(n, bool)
    for k0, delta in segments:
        rates = np.zeros((n, 3))
        log.add(np.arange(k0, k0 + n), ident, ident, ~off, off, off, z, rates, rates, np.full(n, delta))
    return log


def test_heading_smoother_averages_a_backward_pass_within_each_stretch_between_long_gaps() -> None:
    log = _log([(0, 0.2), (1000, -0.3)])

    def tracker() -> HeadingTracker:
        return HeadingTracker(600.0, 0.1)

    split = smooth(log, tracker, max_gap_ticks=600)
    # Each stretch's backward pass starts from its own forward end: nothing to change here.
    assert split.delta[:100] == pytest.approx(0.2, abs=5e-3)
    assert split.delta[100:] == pytest.approx(-0.3, abs=5e-3)
    # Were the 900-tick gap short enough to keep the filters, the first stretch would be averaged with
    # a backward pass carried over from the second.
    joined = smooth(log, tracker, max_gap_ticks=10_000)
    assert joined.delta[:100] == pytest.approx(-0.05, abs=0.01)
    assert joined.at(np.array([1050])) == pytest.approx(-0.3, abs=5e-3)
    # The diagnostic the live tracker gives: the largest change from the first δ (0.2 → -0.3 rad).
    assert split.max_correction == pytest.approx(0.5, abs=5e-3)


def test_a_heading_plan_refuses_ticks_the_first_pass_never_logged() -> None:
    plan = smooth(_log([(0, 0.1)], n=10), lambda: HeadingTracker(600.0, 0.1), max_gap_ticks=600)
    assert plan.at(np.array([3, 9])) == pytest.approx([0.1, 0.1], abs=1e-3)
    with pytest.raises(RuntimeError, match="did not log"):
        plan.at(np.array([10]))
    with pytest.raises(RuntimeError, match="did not log"):
        smooth(HeadingLog(), lambda: HeadingTracker(600.0, 0.1), 600).at(np.array([0]))
