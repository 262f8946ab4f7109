"""Scenarios, ground truth, determinism, chunking and live requests of the wearer simulator."""

from __future__ import annotations

import numpy as np
import pytest

from sensorbridge.conventions import Role
from sensorbridge.posture import PostureState
from sensorbridge.sim import SCENARIOS, Action, ScenarioError, SimError, SimOptions, WearerStream
from sensorbridge.sim.stretches import BAD_REPS, Exercise
from sensorbridge.sim.timeline import Ch, LabelKind
from sensorbridge.sim.truth import SLOUCH_DWELL_S, SLOUCH_THRESHOLD_DEG, angles_at, compute_truth


def test_same_seed_same_samples_and_other_seed_differs() -> None:
    a = WearerStream.create("desk_short", seed=7).next_chunk(500)
    b = WearerStream.create("desk_short", seed=7).next_chunk(500)
    c = WearerStream.create("desk_short", seed=8).next_chunk(500)
    for role in (Role.BACK, Role.HEAD):
        np.testing.assert_array_equal(a[role].raw, b[role].raw)
        np.testing.assert_array_equal(a[role].device_us, b[role].device_us)
    assert not np.array_equal(a[Role.BACK].raw, c[Role.BACK].raw)


def test_chunking_does_not_change_a_single_number() -> None:
    whole = WearerStream.create("desk_short", seed=2).node(Role.BACK).next_chunk(3000)
    node = WearerStream.create("desk_short", seed=2).node(Role.BACK)
    parts = [node.next_chunk(n) for n in (1, 17, 18, 500, 1464, 1000)]
    np.testing.assert_array_equal(np.concatenate([p.raw for p in parts]), whole.raw)
    np.testing.assert_array_equal(np.concatenate([p.device_us for p in parts]), whole.device_us)
    assert parts[-1].first_index == 2000


def test_without_head_clip_there_is_one_node_and_no_neck_truth() -> None:
    stream = WearerStream.create("chin_tuck", seed=1, options=SimOptions(head=False))
    assert stream.roles == (Role.BACK,)
    with pytest.raises(SimError, match="no head clip"):
        stream.node(Role.HEAD)
    truth = compute_truth(stream)
    assert np.all(np.isnan(truth.dense.neck_flexion))
    assert not np.any(np.isnan(truth.dense.thoracic_flexion))


def test_desk_short_truth_has_its_planted_events() -> None:
    stream = WearerStream.create("desk_short", seed=4)
    truth = compute_truth(stream)
    planted = [lab for lab in stream.timeline.labels if lab.kind == LabelKind.SLOUCH]
    long_ones = [lab for lab in planted if lab.end - lab.start > 45.0]
    assert len(truth.slouch_episodes) == len(long_ones) >= 1
    for ep in truth.slouch_episodes:
        assert ep.seconds >= SLOUCH_DWELL_S
        assert ep.peak > SLOUCH_THRESHOLD_DEG + 3
        inside = (truth.dense.t >= ep.start) & (truth.dense.t <= ep.end)
        assert np.all(truth.dense.thoracic_flexion[inside] >= SLOUCH_THRESHOLD_DEG - 1e-9)
    whats = {m["what"] for m in truth.report["movements"]}
    assert {"reach", "turn_chair", "stand_up", "walk", "sit_down"} <= whats
    assert len(truth.forward_head_episodes) == 1
    states = set(truth.dense.states())
    assert states == {
        PostureState.UPRIGHT,
        PostureState.SLOUCHED,
        PostureState.MOVING,
        PostureState.CALIBRATING,
    }
    summary = truth.report["summary"]
    assert sum(summary[f"{s}_s"] for s in PostureState) == pytest.approx(summary["duration_s"])


def test_turning_the_chair_changes_no_truth_angle() -> None:
    stream = WearerStream.create("desk_short", seed=4)
    turn = next(lab for lab in stream.timeline.labels if lab.info.get("what") == "turn_chair")
    t = np.linspace(turn.start, turn.end, 50)
    osc_free = angles_at(stream, t)
    # Only sway moves the angles during a turn: well under a degree.
    assert np.ptp(osc_free["thoracic_flexion"]) < 1.0
    assert np.ptp(osc_free["thoracic_lateral"]) < 1.0


@pytest.mark.parametrize("exercise", list(Exercise))
def test_bad_stretch_truth_names_every_planted_fault(exercise: Exercise) -> None:
    truth = compute_truth(WearerStream.create(f"{exercise}_bad", seed=9))
    [ex] = truth.report["exercises"]
    planted = [f for rep in BAD_REPS[exercise] for f in rep]
    named = [f for h in ex["holds"] for f in h["faults"]]
    assert sorted(named) == sorted(planted)
    for h in ex["holds"]:
        assert h["valid"] == (not h["faults"] and h["seconds"] >= 5.0)
        if "too_short" in h["faults"]:
            assert h["seconds"] < 4.0
        elif "quick_nod" not in h["faults"]:
            assert h["seconds"] >= 5.9
    assert truth.slouch_episodes == ()


@pytest.mark.parametrize(("exercise", "holds_per_rep"), [("chin_tuck", 1), ("lateral_flexion", 2)])
def test_good_stretch_counts_every_hold(exercise: str, holds_per_rep: int) -> None:
    truth = compute_truth(WearerStream.create(exercise, seed=3))
    [ex] = truth.report["exercises"]
    assert ex["attempts"] == 6 * holds_per_rep
    assert ex["valid_reps"] == 6
    assert all(h["valid"] for h in ex["holds"])


def test_lateral_flexion_goes_right_then_left() -> None:
    stream = WearerStream.create("lateral_flexion", seed=3)
    truth = compute_truth(stream)
    holds = truth.report["exercises"][0]["holds"]
    for h in holds[:2]:
        mid = (truth.dense.t >= h["start"]) & (truth.dense.t <= h["end"])
        lateral = truth.dense.neck_lateral[mid].mean()
        assert (lateral > 25.0) if h["side"] == "right" else (lateral < -25.0)


def test_not_worn_reads_gravity_on_z_and_is_not_worn_throughout() -> None:
    stream = WearerStream.create("not_worn", seed=1, duration_s=10)
    chunk = stream.node(Role.BACK).next_chunk(100)
    acc_z = chunk.raw[:, 2].astype(float) * 0.122e-3 * 9.80665
    assert abs(acc_z.mean() - 9.80665) < 0.5
    truth = compute_truth(stream)
    assert set(truth.dense.states()) == {PostureState.NOT_WORN}
    assert truth.report["calibration"] is None
    assert stream.request(Action.SLOUCH) is None


def test_live_slouch_then_sit_up_makes_one_truth_episode() -> None:
    stream = WearerStream.create("interactive", seed=5, duration_s=30)
    node = stream.node(Role.BACK)
    node.next_chunk(node.samples_until(40.0))
    start = stream.request(Action.SLOUCH)
    assert start is not None
    assert start >= 40.0
    node.next_chunk(node.samples_until(100.0))
    assert stream.request(Action.SIT_UP) is not None
    truth = compute_truth(stream, until=130.0)
    [episode] = truth.slouch_episodes
    assert 40.0 < episode.start < 46.0
    assert 100.0 < episode.end < 104.0


def test_live_walk_away_and_come_back_only_in_order() -> None:
    stream = WearerStream.create("interactive", seed=5, duration_s=30)
    stream.next_chunk(104 * 30)
    assert stream.request(Action.COME_BACK) is None
    assert stream.request(Action.WALK_AWAY) is not None
    assert stream.request(Action.REACH) is None  # away from the desk
    stream.next_chunk(104 * 20)
    assert stream.request(Action.COME_BACK) is not None
    stream.next_chunk(104 * 30)
    end = stream.timeline.end()
    assert stream.pose_value(Ch.PZ, end) == pytest.approx(0.0)  # seated again
    assert abs(stream.pose_value(Ch.PX, end)) < 1e-9
    assert abs(stream.pose_value(Ch.PY, end)) < 1e-9
    truth = compute_truth(stream)
    whats = [m["what"] for m in truth.report["movements"]]
    assert whats[0] == "stand_up"
    assert whats[-1] == "sit_down"


def test_live_bad_stretch_plants_one_fault() -> None:
    stream = WearerStream.create("interactive", seed=6, duration_s=30)
    stream.next_chunk(104 * 30)
    stream.request(Action.LATERAL_FLEXION_BAD)
    truth = compute_truth(stream)
    [ex] = truth.report["exercises"]
    assert ex["exercise"] == "lateral_flexion"
    assert len([f for h in ex["holds"] for f in h["faults"]]) == 1


def test_every_scenario_builds_and_streams() -> None:
    for name in SCENARIOS:
        stream = WearerStream.create(name, seed=0, duration_s=600 if "desk" in name else None)
        chunk = stream.next_chunk(10)
        assert all(len(c) == 10 for c in chunk.values())
        assert stream.duration_s > 20


def test_unknown_scenario_and_too_short_durations_are_refused() -> None:
    with pytest.raises(ScenarioError, match="unknown scenario") as err:
        WearerStream.create("desk_night")
    assert err.value.hint is not None
    assert "desk_day" in err.value.hint
    with pytest.raises(ScenarioError, match="takes"):
        WearerStream.create("chin_tuck", duration_s=10)
    with pytest.raises(ScenarioError, match="positive"):
        WearerStream.create("desk_day", duration_s=0)


def test_live_requests_wait_for_calibration_and_count_reps_per_set() -> None:
    stream = WearerStream.create("interactive", seed=6, duration_s=30)
    start = stream.request(Action.CHIN_TUCK)  # before a single sample: calibration still comes first
    assert start is not None
    calibrating = next(lab for lab in stream.timeline.labels if lab.kind == LabelKind.CALIBRATING)
    assert start >= calibrating.end
    stream.node(Role.BACK).next_chunk(104 * 60)
    stream.request(Action.CHIN_TUCK)
    truth = compute_truth(stream)
    [ex] = truth.report["exercises"]
    assert [h["set"] for h in ex["holds"]] == [0, 1]
    assert ex["valid_reps"] == 2


def test_a_clip_break_lays_the_clips_on_the_desk_and_back() -> None:
    stream = WearerStream.create("desk_breaks", seed=3, duration_s=900)
    [off] = [lab for lab in stream.timeline.labels if lab.kind == LabelKind.NOT_WORN]
    truth = compute_truth(stream)
    inside = (truth.dense.true_s > off.start) & (truth.dense.true_s < off.end)
    assert set(np.array(truth.dense.states())[inside]) == {PostureState.NOT_WORN}
    assert np.all(np.isnan(truth.dense.thoracic_flexion[inside]))
    assert not np.any(np.isnan(truth.dense.thoracic_flexion[~inside]))
    whats = [m["what"] for m in truth.report["movements"]]
    assert "take_off" in whats
    assert "put_on" in whats
    node = stream.node(Role.BACK)
    chunk = node.next_chunk(node.samples_until(stream.duration_s))
    lsb = node.settings.lsb()
    on_desk = (chunk.true_s > off.start + 1.0) & (chunk.true_s < off.end - 1.0)
    acc = chunk.raw[on_desk, :3] * lsb[:3]
    np.testing.assert_allclose(acc.mean(axis=0), [0.0, 0.0, 9.80665], atol=0.4)  # face up, bias aside
    assert np.abs(chunk.raw[on_desk, 3:] * lsb[3:]).max() < 0.05  # still: noise and bias only
    worn_again = chunk.true_s > off.end + 10.0
    assert (chunk.raw[worn_again, 0] * lsb[0]).mean() > 8.0  # sensor x up the spine again
