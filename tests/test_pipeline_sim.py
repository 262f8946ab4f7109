"""The pipeline against the wearer simulator's ground truth (the issue's done-when figures).

Desk days across seeds, with clips misaligned by 15°, worn rotated 30° (the bend step measures it)
and without the head clip; the four stretches done well and with planted faults; clips on a desk;
and live streaming in packet-sized chunks agreeing with offline analysis.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest

from sensorbridge.conventions import Role
from sensorbridge.pipeline.analysis import Analysis, analyze
from sensorbridge.pipeline.live import LivePipeline
from sensorbridge.pipeline.states import STATES
from sensorbridge.pipeline.timeline import Timeline, apply_relabels
from sensorbridge.posture import PostureState
from sensorbridge.samples import ImuBatch
from sensorbridge.sim import SimOptions, WearerStream
from sensorbridge.sim.truth import Truth, compute_truth

ANGLES = ("thoracic_flexion", "thoracic_lateral", "neck_flexion", "neck_lateral", "neck_rotation")


def sim_batches(stream: WearerStream) -> dict[Role, ImuBatch]:
    """Every sample of each clip in SI units, both on the back clip's clock (the truth's)."""
    back = stream.nodes[Role.BACK].clock
    scale = 1.0 + back.errors.clock_ppm * 1e-6
    out = {}
    for role, node in stream.nodes.items():
        ch = node.next_chunk(node.samples_until(stream.duration_s))
        x = ch.raw.astype(np.float64) * node.settings.lsb()
        out[role] = ImuBatch(role, (ch.true_s - back.start_s) * scale, x[:, :3], x[:, 3:])
    return out


@dataclass(frozen=True)
class Run:
    truth: Truth
    analysis: Analysis
    batches: dict[Role, ImuBatch]


def run(
    scenario: str, seed: int, exercise: str | None = None, acausal: bool = False, **options: float | bool
) -> Run:
    opts = SimOptions(**options)  # type: ignore[arg-type]
    stream = WearerStream.create(scenario, seed=seed, options=opts)
    truth = compute_truth(WearerStream.create(scenario, seed=seed, options=opts))
    b = sim_batches(stream)
    cal = truth.report["calibration"]
    window = (cal["start"], cal["end"]) if cal else None
    a = analyze(b[Role.BACK], b.get(Role.HEAD), calibration_window=window, exercise=exercise, acausal=acausal)
    return Run(truth, a, b)


def rmse(tl: Timeline, truth: Truth, column: str) -> float:
    d = truth.dense
    est = np.interp(d.t, tl.t, getattr(tl, column))
    tru = getattr(d, column)
    states = np.array([s.value for s in d.states()])
    ok = ~np.isin(states, ["calibrating", "not_worn"]) & np.isfinite(tru) & np.isfinite(est)
    ok &= (d.t > tl.t[0]) & (d.t < tl.t[-1])
    return float(np.sqrt(np.mean((est[ok] - tru[ok]) ** 2)))


DESK_CASES: dict[str, tuple[int, dict[str, float | bool]]] = {
    "seed1": (1, {}),
    "seed2_mounting15": (2, {"mounting_error_deg": 15.0}),
    "seed3_rotated30": (3, {"rotated_deg": 30.0}),
    "seed4_no_head": (4, {"head": False}),
}


@pytest.fixture(scope="module", params=list(DESK_CASES), ids=list(DESK_CASES))
def desk(request: pytest.FixtureRequest) -> Run:
    seed, options = DESK_CASES[request.param]
    return run("desk_short", seed, None, **options)


def test_calibration_succeeds_and_measures_the_mounting(desk: Run) -> None:
    cal = desk.analysis.calibration
    assert cal.ok, cal.message
    assert Role.BACK in cal.mounting_measured


def test_thoracic_and_neck_angles_within_1_5_degrees(desk: Run) -> None:
    tl = desk.analysis.timeline
    for column in ("thoracic_flexion", "thoracic_lateral"):
        assert rmse(tl, desk.truth, column) < 1.5, column
    if Role.HEAD in desk.batches:
        for column in ("neck_flexion", "neck_lateral"):
            assert rmse(tl, desk.truth, column) < 1.5, column
        # The relative heading of two 6-axis filters drifts; the heading tracker takes out its rate
        # and measures the rest whenever the wearer slouches or the trunk turns about a horizontal
        # axis (0.44, 0.90, 1.28° on these seeds; 0.70, 0.89, 1.21° before the angular-rate rule).
        assert rmse(tl, desk.truth, "neck_rotation") < 1.5
    else:
        assert np.isnan(tl.neck_flexion).all()


def test_neck_rotation_over_an_hour_stays_within_1_5_degrees() -> None:
    # Over an hour the drift of the two filters' relative heading dominates (3.4° before its rate
    # was taken out, 2.2° with the rate alone, 1.54° before the angular-rate rule, 1.43° now).
    r = run("desk_day", 31)
    assert rmse(r.analysis.timeline, r.truth, "neck_rotation") < 1.5
    assert rmse(r.analysis.timeline, r.truth, "neck_flexion") < 1.5


@pytest.mark.parametrize(
    ("seed", "options"),
    [(52, {"mounting_error_deg": 15.0}), (3, {"rotated_deg": 30.0}), (1, {})],
    ids=["seed52_mounting15", "seed3_rotated30", "seed1"],
)
def test_acausal_reanalysis_holds_neck_rotation_under_1_5_degrees(
    seed: int, options: dict[str, float]
) -> None:
    # One of the live path's hardest of the 29 cases in tools/neck_eval.py, a clip worn rotated and an
    # easy case. With hindsight (VQF offline, the heading smoothed by a backward pass) each improves
    # (these: 1.35, 0.94, 0.34° against 1.45, 1.28, 0.44° live; largest of the 29 1.35°).
    live = run("desk_short", seed, **options)
    r = run("desk_short", seed, acausal=True, **options)
    assert r.analysis.acausal
    hindsight = rmse(r.analysis.timeline, r.truth, "neck_rotation")
    assert hindsight < 1.5
    assert hindsight < rmse(live.analysis.timeline, live.truth, "neck_rotation")
    for column in ANGLES[:4]:
        assert rmse(r.analysis.timeline, r.truth, column) < 1.0, column
    assert r.analysis.summary.slouched_s == pytest.approx(r.truth.report["summary"]["slouched_s"], rel=0.05)


def test_slouch_time_within_5_percent(desk: Run) -> None:
    truth_s = desk.truth.report["summary"]["slouched_s"]
    assert truth_s > 30.0  # the desk day always opens with a long slouch
    assert desk.analysis.summary.slouched_s == pytest.approx(truth_s, rel=0.05)


def test_every_long_slouch_found_and_no_false_episode(desk: Run) -> None:
    found = desk.analysis.slouch_episodes
    for ep in desk.truth.slouch_episodes:
        assert any(e.start < ep.end and ep.start < e.end for e in found), ep
    for e in found:
        assert any(e.start < ep.end and ep.start < e.end for ep in desk.truth.slouch_episodes), e
    assert len(found) == len(desk.truth.slouch_episodes)


def test_states_agree_with_truth(desk: Run) -> None:
    d = desk.truth.dense
    tl = desk.analysis.timeline
    idx = np.clip(np.searchsorted(tl.t - 0.5 * tl.tick_s, d.t, side="right") - 1, 0, len(tl) - 1)
    ours = np.array([STATES[c].value for c in tl.state[idx]])
    theirs = np.array([s.value for s in d.states()])
    assert np.mean(ours == theirs) > 0.97
    # Reaching and turning the chair are movement, never slouching.
    for mv in desk.truth.report["movements"]:
        m = (tl.t > mv["start"]) & (tl.t < mv["end"])
        assert not np.any(tl.state[m] == STATES.index(PostureState.SLOUCHED)), mv


EXERCISE_CASES = [
    "chin_tuck",
    "chin_tuck_bad",
    "cervical_flexion_bad",
    "lateral_flexion_bad",
    "shoulder_squeeze_bad",
]


@pytest.mark.parametrize("seed", [2, 7])
@pytest.mark.parametrize("scenario", EXERCISE_CASES)
def test_stretch_holds_counted_exactly_and_faults_named(scenario: str, seed: int) -> None:
    exercise = scenario.removesuffix("_bad")
    r = run(scenario, seed, exercise=exercise)
    (truth,) = [e for e in r.truth.report["exercises"] if e["exercise"] == exercise]
    (report,) = r.analysis.exercises
    assert report.verifiable
    assert report.attempts == truth["attempts"]
    assert sum(h.valid for h in report.holds) == truth["valid_holds"]
    assert report.valid_reps == truth["valid_reps"]
    for ours, planted in zip(report.holds, truth["holds"], strict=True):
        assert ours.start < planted["end"] + 0.5
        assert planted["start"] - 0.5 < ours.end
        assert set(planted["faults"]) <= set(ours.faults), (planted, ours)
        assert ours.valid == planted["valid"]


def test_neck_stretches_without_the_head_clip_are_not_verifiable() -> None:
    r = run("cervical_flexion", 8, exercise="cervical_flexion", head=False)
    (report,) = r.analysis.exercises
    assert not report.verifiable
    assert report.valid_reps == 0
    assert "head clip" in report.message


def test_clips_on_a_desk_are_not_worn() -> None:
    r = run("not_worn", 9)
    s = r.analysis.summary
    assert not r.analysis.calibration.ok  # nothing to calibrate on a desk: it says so
    assert s.not_worn_s > 0.9 * (s.duration_s - s.calibrating_s)
    assert s.slouch_episodes == 0


def test_live_streaming_agrees_with_offline_analysis() -> None:
    r = run("desk_short", 5)
    offline = r.analysis
    live = LivePipeline(calibrations=offline.calibrations, expect_head=True)
    live.mark_calibrating(offline.calibration.start or 0.0, offline.calibration.end or 0.0)
    samples = []
    back, head = r.batches[Role.BACK], r.batches[Role.HEAD]
    # Packets of 18 samples, the two clips interleaved by time as they would arrive.
    events = [(float(b.t[i]), b, i) for b in (back, head) for i in range(0, len(b), 18)]
    for _, b, i in sorted(events, key=lambda e: e[0]):
        samples += live.update(ImuBatch(b.role, b.t[i : i + 18], b.acc[i : i + 18], b.gyr[i : i + 18]))
    samples += live.finish()
    ev = live.drain()
    t = np.array([s.t for s in samples])
    state = np.array([STATES.index(s.state) for s in samples], dtype=np.int8)
    apply_relabels(t, state, ev.relabels)
    tl = offline.timeline
    np.testing.assert_allclose(t, tl.t)
    np.testing.assert_array_equal(state, tl.state)
    for column in ANGLES:
        ours = np.array(
            [np.nan if getattr(s.angles, column) is None else getattr(s.angles, column) for s in samples]
        )
        np.testing.assert_allclose(ours, getattr(tl, column), atol=0.1, equal_nan=True)
    assert [(e.start, e.end) for e in ev.episodes] == [(e.start, e.end) for e in offline.slouch_episodes]
    assert ev.alerts == offline.alerts
    assert ev.alerts  # the opening slouch alerted


def test_acausal_option_is_at_least_as_accurate_on_the_thorax() -> None:
    r = run("desk_short", 1)
    b = r.batches
    window = (r.analysis.calibration.start or 0.0, r.analysis.calibration.end or 0.0)
    refined = analyze(b[Role.BACK], b[Role.HEAD], calibration_window=window, acausal=True)
    for column in ANGLES:
        assert rmse(refined.timeline, r.truth, column) < 1.5, column
    for column in ("thoracic_flexion", "thoracic_lateral"):
        assert rmse(refined.timeline, r.truth, column) <= rmse(r.analysis.timeline, r.truth, column)
    assert refined.summary.slouched_s == pytest.approx(r.truth.report["summary"]["slouched_s"], rel=0.05)
