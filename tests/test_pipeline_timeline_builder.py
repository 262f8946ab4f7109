"""Keeping only the timeline at the output rate gives what sampling the whole per-tick record gives,
with the same intervals and summary; relabels never reach ticks already settled."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from sensorbridge.commands.analyze import analyze_recording
from sensorbridge.conventions import Role
from sensorbridge.pipeline.analysis import Analysis, analyze
from sensorbridge.pipeline.engine import TickFrame
from sensorbridge.pipeline.settings import PipelineSettings
from sensorbridge.pipeline.states import PostureTracker, TickInputs
from sensorbridge.pipeline.timeline import ANGLE_COLUMNS
from sensorbridge.pipeline.timeline_builder import TimelineBuilder
from sensorbridge.pipeline.values import Relabel
from sensorbridge.posture import PostureState
from sensorbridge.recording import RecordingReader
from sensorbridge.samples import ImuBatch
from sensorbridge.sim.export import LinkFaults, export_scenario
from sensorbridge.sim.stream import WearerStream


@pytest.fixture(scope="module")
def recording(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Ten minutes of a desk day with the clips taken off for a break: slouches and not-worn relabels."""
    folder = tmp_path_factory.mktemp("breaks")
    export_scenario(WearerStream.create("desk_breaks", seed=3, duration_s=600.0), folder, write_csv=False)
    return folder / "recording.sbrec"


@pytest.fixture(scope="module")
def per_tick(recording: Path) -> Analysis:
    reader = RecordingReader.open(recording)
    back, head = (reader.load_node(r, clock="host").batch for r in (Role.BACK, Role.HEAD))
    zero = float(back.t[0])
    return analyze(*(ImuBatch(b.role, b.t - zero, b.acc, b.gyr) for b in (back, head)))


def test_the_day_has_relabelled_states(per_tick: Analysis) -> None:
    states = set(per_tick.timeline.states())
    assert {PostureState.NOT_WORN, PostureState.SLOUCHED, PostureState.MOVING} <= states
    assert per_tick.slouch_episodes


@pytest.mark.parametrize("hz", [1.0, 0.7, 3.0, 10.0])
def test_a_timeline_kept_at_a_rate_is_the_per_tick_one_sampled(
    recording: Path, per_tick: Analysis, hz: float
) -> None:
    a = analyze_recording(recording, timeline_hz=hz)
    assert a.intervals == per_tick.intervals
    assert a.summary == per_tick.summary
    assert a.to_dict(hz) == per_tick.to_dict(hz)
    sampled = per_tick.timeline.sample(hz)
    np.testing.assert_array_equal(a.timeline.t, sampled.t)
    np.testing.assert_array_equal(a.timeline.state, sampled.state)
    for c in ANGLE_COLUMNS:
        np.testing.assert_array_equal(getattr(a.timeline, c), getattr(sampled, c))
    assert a.timeline.tick_s == sampled.tick_s


def test_another_rate_than_the_one_kept_is_refused(recording: Path) -> None:
    a = analyze_recording(recording, timeline_hz=2.0)
    with pytest.raises(ValueError, match="kept its timeline at 2 Hz"):
        a.to_dict(1.0)


def frame(t0: float, n: int, state: int = 5) -> TickFrame:
    t = np.asarray(t0 + 0.1 * np.arange(n) + 0.05, dtype=np.float64)
    z = np.zeros(n)
    return TickFrame(t, np.full(n, state, np.int8), z, z, z, z, z)


def test_a_relabel_reaching_settled_ticks_is_an_error() -> None:
    b = TimelineBuilder(0.1, 20.0, 1.0)
    b.add(frame(0.0, 50), [])
    b.settle(3.0)
    assert b.ticks == 30
    upright = frozenset({PostureState.UPRIGHT})
    b.add(frame(5.0, 10), [Relabel(3.5, 4.0, PostureState.SLOUCHED, upright)])  # pending ticks only: fine
    with pytest.raises(RuntimeError, match="already settled"):
        b.add(frame(6.0, 10), [Relabel(2.0, 4.0, PostureState.SLOUCHED, upright)])


def ticks(t0: float, flexion: list[float], lateral: float = 0.0) -> TickInputs:
    n = len(flexion)
    t = t0 + 0.1 * np.arange(n) + 0.05
    ok = np.ones(n, bool)
    z = np.zeros(n)
    return TickInputs(t, ok, np.array(flexion), np.full(n, lateral), np.full(n, np.nan), z, z, ~ok)


def test_the_relabel_horizon_follows_an_open_slouch_and_an_unexplained_tilt() -> None:
    tracker = PostureTracker(PipelineSettings())
    assert tracker.relabel_horizon() == math.inf
    tracker.step(ticks(0.0, [0.0] * 10))
    assert tracker.relabel_horizon() == math.inf  # upright: every tick is final
    tracker.step(ticks(1.0, [25.0] * 50))  # slouching for 5 s: not yet confirmed
    assert tracker.relabel_horizon() == pytest.approx(1.0)
    out = tracker.step(ticks(6.0, [25.0] * 300))  # past the 30 s dwell: confirmed, relabelled from 1 s
    assert [r.start for r in out.relabels] == [pytest.approx(1.0)]
    assert tracker.relabel_horizon() == pytest.approx(36.0)  # only a merged dip can still be relabelled
    tracker.step(ticks(36.0, [0.0] * 100))  # the slouch ends after the merge time
    assert tracker.relabel_horizon() == math.inf
    tracker.step(ticks(46.0, [80.0] * 30))  # tilted like a clip on a desk for 3 s: not yet not-worn
    assert tracker.relabel_horizon() == pytest.approx(46.0)


def test_engine_steps_of_one_or_five_minutes_give_the_same_result(
    recording: Path, per_tick: Analysis
) -> None:
    reader = RecordingReader.open(recording)
    back, head = (reader.load_node(r, clock="host").batch for r in (Role.BACK, Role.HEAD))
    zero = float(back.t[0])
    short = analyze(*(ImuBatch(b.role, b.t - zero, b.acc, b.gyr) for b in (back, head)), chunk_s=60.0)
    assert per_tick.timeline.t[-1] > 300.0  # the default 300-s steps cut this input too
    assert short.to_dict(1.0) == per_tick.to_dict(1.0)
    assert short.intervals == per_tick.intervals
    assert short.alerts == per_tick.alerts
    assert short.slouch_episodes == per_tick.slouch_episodes
    assert short.forward_head_episodes == per_tick.forward_head_episodes


def test_gaps_are_listed_in_the_same_order_whatever_the_engine_step(tmp_path: Path) -> None:
    faults = LinkFaults(drop_rate=0.02, outages=((290.0, 20.0), (420.0, 3.0)))
    export_scenario(
        WearerStream.create("desk_short", seed=6, duration_s=480.0), tmp_path, False, None, faults
    )
    reader = RecordingReader.open(tmp_path / "recording.sbrec")
    back, head = (reader.load_node(r, clock="host").batch for r in (Role.BACK, Role.HEAD))
    zero = float(back.t[0])
    inputs = [ImuBatch(b.role, b.t - zero, b.acc, b.gyr) for b in (back, head)]
    runs = [analyze(inputs[0], inputs[1], chunk_s=s) for s in (60.0, 300.0, 37.0)]
    assert len(runs[0].gaps) > 10
    assert {g.role for g in runs[0].gaps} == {Role.BACK, Role.HEAD}
    for other in runs[1:]:
        assert other.gaps == runs[0].gaps
        assert other.to_dict(1.0) == runs[0].to_dict(1.0)
