"""Offline analysis in time-ordered pieces gives exactly the analysis of the whole input."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from sensorbridge.commands.analyze import analyze_recording
from sensorbridge.conventions import Role
from sensorbridge.pipeline.analysis import Analysis, analyze, analyze_chunks
from sensorbridge.pipeline.chunks import Piece, merge_in_time
from sensorbridge.pipeline.timeline import ANGLE_COLUMNS
from sensorbridge.recording import RecordingReader
from sensorbridge.samples import ImuBatch
from sensorbridge.sim.export import export_scenario
from sensorbridge.sim.stream import WearerStream


@pytest.fixture(scope="module")
def recording(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("day")
    stream = WearerStream.create("desk_short", seed=11, duration_s=200.0)
    export_scenario(stream, folder, write_csv=False)
    return folder / "recording.sbrec"


def whole(path: Path) -> tuple[ImuBatch, ImuBatch]:
    """Both clips decoded whole on the host clock, from the back clip's first sample (as analyze does)."""
    reader = RecordingReader.open(path)
    back = reader.load_node(Role.BACK, clock="host").batch
    head = reader.load_node(Role.HEAD, clock="host").batch
    zero = float(back.t[0])
    return tuple(ImuBatch(b.role, b.t - zero, b.acc, b.gyr) for b in (back, head))  # type: ignore[return-value]


def assert_same(a: Analysis, b: Analysis) -> None:
    assert a.summary == b.summary
    assert a.calibration == b.calibration
    assert a.slouch_episodes == b.slouch_episodes
    assert a.forward_head_episodes == b.forward_head_episodes
    assert a.intervals == b.intervals
    assert a.samples == b.samples
    np.testing.assert_array_equal(a.timeline.t, b.timeline.t)
    assert a.timeline.states() == b.timeline.states()
    for c in ANGLE_COLUMNS:
        np.testing.assert_array_equal(getattr(a.timeline, c), getattr(b.timeline, c))  # nan == nan here


def random_pieces(back: ImuBatch, head: ImuBatch, seed: int) -> Iterator[Piece]:
    """Pieces cut at random times (0.05-30 s apart), each clip cut at the same time."""
    rng = np.random.default_rng(seed)
    cuts = np.cumsum(rng.uniform(0.05, 30.0, size=200))
    lo = -np.inf
    for hi in [*cuts[cuts < back.t[-1] + 1.0], np.inf]:
        parts = []
        for b in (back, head):
            a, z = np.searchsorted(b.t, [lo, hi])
            parts.append(ImuBatch(b.role, b.t[a:z], b.acc[a:z], b.gyr[a:z]))
        yield parts[0], parts[1]
        lo = hi


def test_pieces_cut_anywhere_give_the_whole_input_analysis(recording: Path) -> None:
    back, head = whole(recording)
    reference = analyze(back, head)
    assert reference.summary.slouch_episodes + reference.summary.upright_s > 0  # a day with content
    for seed in (1, 2):
        assert_same(analyze_chunks(random_pieces(back, head, seed), head=True), reference)


def test_a_recording_decoded_chunk_by_chunk_gives_the_whole_recording_analysis(recording: Path) -> None:
    back, head = whole(recording)
    reference = analyze(back, head, exercise="chin_tuck")
    reader = RecordingReader.open(recording)
    zero = float(reader.load_node(Role.BACK, clock="host").batch.t[0])  # analyze_recording's origin

    def chunks(role: Role) -> Iterator[ImuBatch]:
        for c in reader.iter_node(role, clock="host", chunk_packets=97):  # ~17 s: many pieces
            yield ImuBatch(role, c.batch.t - zero, c.batch.acc, c.batch.gyr)

    pieces = list(merge_in_time(chunks(Role.BACK), chunks(Role.HEAD)))
    assert len(pieces) > 10
    ends = [max(float(b.t[-1]) for b in p if b is not None and len(b)) for p in pieces]
    starts = [min(float(b.t[0]) for b in p if b is not None and len(b)) for p in pieces]
    assert all(s >= e for s, e in zip(starts[1:], ends[:-1], strict=True))  # time-ordered pieces
    assert sum(len(p[0]) for p in pieces) == len(back)
    chunked = analyze_chunks(iter(pieces), head=True, exercise="chin_tuck")
    assert_same(chunked, reference)
    assert chunked.exercises == reference.exercises
    assert_same(analyze_recording(recording, exercise="chin_tuck"), reference)  # what the command runs


def test_stored_calibrations_and_a_late_window_give_the_same_result(recording: Path) -> None:
    back, head = whole(recording)
    window = (100.0, 124.0)  # read before any step: buffered up to its end
    reference = analyze(back, head, calibration_window=window)
    assert_same(analyze_chunks(random_pieces(back, head, 3), head=True, calibration_window=window), reference)
    stored = reference.calibrations
    ref_stored = analyze(back, head, calibrations=stored)
    assert ref_stored.calibration.message == "stored calibrations"
    assert_same(analyze_chunks(random_pieces(back, head, 4), head=True, calibrations=stored), ref_stored)


def test_pieces_that_go_back_in_time_are_refused(recording: Path) -> None:
    back, head = whole(recording)
    pieces = list(random_pieces(back, head, 5))
    pieces[3], pieces[4] = pieces[4], pieces[3]
    with pytest.raises(ValueError, match="out of time order"):
        analyze_chunks(iter(pieces), head=True)


def test_no_back_samples_is_refused() -> None:
    empty = ImuBatch(Role.BACK, np.zeros(0), np.zeros((0, 3)), np.zeros((0, 3)))
    with pytest.raises(ValueError, match="holds no samples"):
        analyze_chunks(iter([(empty, None)]), head=False)
