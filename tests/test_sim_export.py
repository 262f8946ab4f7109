"""`sensorbridge simulate`: the recording, the CSV files and the truth agree and are reproducible."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from sensorbridge.cli import main
from sensorbridge.conventions import Role
from sensorbridge.csv_import import read_imu_csv
from sensorbridge.protocol import MAX_SAMPLES_PER_PACKET, PacketFlags, SamplePacket
from sensorbridge.recording import RecordingReader


def simulate(out: Path, *extra: str) -> int:
    return main(["simulate", "chin_tuck_bad", "--out", str(out), "--seed", "3", *extra])


def test_simulate_writes_recording_csv_and_truth_that_agree(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "run"
    assert simulate(out, "--mounting-error", "10", "--rotated", "30") == 0
    assert "samples/s" in capsys.readouterr().out
    assert {p.name for p in out.iterdir()} == {
        "recording.sbrec",
        "back.csv",
        "head.csv",
        "truth.json",
        "truth.npz",
    }
    rec = RecordingReader.open(out / "recording.sbrec")
    assert rec.metadata()["scenario"] == "chin_tuck_bad"
    assert rec.metadata(Role.HEAD)["name"] == "SB-Head"
    blobs, host = rec.packets(Role.BACK)
    assert all(len(b) == 20 + 12 * MAX_SAMPLES_PER_PACKET for b in blobs)  # MTU 247
    assert SamplePacket.decode(blobs[0]).flags & PacketFlags.CLOCK_RESET
    assert np.all(np.diff(host) >= 0)
    for role in (Role.BACK, Role.HEAD):
        node = rec.load_node(role)
        csv = read_imu_csv(out / f"{role.name.lower()}.csv", role)
        assert node.gaps == ()
        assert len(node.batch) == len(csv)
        np.testing.assert_allclose(csv.acc, node.batch.acc, atol=1e-5)
        np.testing.assert_allclose(csv.gyr, node.batch.gyr, atol=1e-6)
    # Both clocks: the back CSV is the back clip's device clock; the head CSV is on that clock too.
    back_csv = read_imu_csv(out / "back.csv")
    np.testing.assert_allclose(back_csv.t, rec.load_node(Role.BACK).batch.t, atol=2e-5)
    truth = json.loads((out / "truth.json").read_text())
    assert truth["options"] == {"mounting_error_deg": 10.0, "rotated_deg": 30.0}
    assert truth["exercises"][0]["attempts"] == 6
    assert truth["duration_s"] == pytest.approx(back_csv.t[-1], abs=0.2)
    dense = np.load(out / "truth.npz")
    assert dense["t"].shape == dense["thoracic_flexion"].shape
    assert str(dense["state_names"][0]) == "upright"


def test_same_seed_gives_the_same_bytes(tmp_path: Path) -> None:
    assert simulate(tmp_path / "a", "--no-csv") == 0
    assert simulate(tmp_path / "b", "--no-csv") == 0
    a = (tmp_path / "a" / "recording.sbrec").read_bytes()
    assert a == (tmp_path / "b" / "recording.sbrec").read_bytes()
    assert (tmp_path / "a" / "truth.json").read_text() == (tmp_path / "b" / "truth.json").read_text()


def test_no_head_writes_one_node(tmp_path: Path) -> None:
    out = tmp_path / "solo"
    assert simulate(out, "--no-head") == 0
    assert not (out / "head.csv").exists()
    assert RecordingReader.open(out / "recording.sbrec").roles() == [Role.BACK]


def test_list_usage_errors_and_no_overwrite(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["simulate", "--list"]) == 0
    listing = capsys.readouterr().out
    assert "desk_day" in listing
    assert "lateral_flexion_bad" in listing
    assert main(["simulate", "desk_day"]) == 2
    assert "--out" in capsys.readouterr().err
    assert main(["simulate", "nap", "--out", str(tmp_path / "x")]) == 2
    assert "unknown scenario" in capsys.readouterr().err
    out = tmp_path / "once"
    assert simulate(out, "--no-csv") == 0
    assert simulate(out, "--no-csv") == 2
    assert "already holds" in capsys.readouterr().err


def test_rate_option_sets_the_clip_rate(tmp_path: Path) -> None:
    out = tmp_path / "fast"
    assert simulate(out, "--no-csv", "--no-head", "--rate", "208") == 0
    rec = RecordingReader.open(out / "recording.sbrec")
    node = rec.load_node(Role.BACK)
    assert np.median(np.diff(node.batch.t)) == pytest.approx(1 / 208, rel=1e-3)
    assert SamplePacket.decode(rec.packets(Role.BACK)[0][0]).period_ns == 4807692


def test_link_faults_leave_gaps_the_reader_finds_and_the_truth_marks_no_data(tmp_path: Path) -> None:
    out = tmp_path / "lossy"
    assert simulate(out, "--drop-rate", "0.05", "--outage", "40:6", "--outage", "70:2.5") == 0
    truth = json.loads((out / "truth.json").read_text())
    lost = truth["link"]["lost"]["back"]
    rec = RecordingReader.open(out / "recording.sbrec")
    node = rec.load_node(Role.BACK)
    assert [g.samples_lost for g in node.gaps] == [span["samples"] for span in lost]
    assert sum(span["samples"] for span in lost) > 6 * 104  # the outage alone
    for gap, span in zip(node.gaps, lost, strict=True):
        assert gap.start < span["start"] < span["end"] < gap.end
    csv = read_imu_csv(out / "back.csv")
    assert len(csv) == len(node.batch)  # the CSV leaves the same samples out
    dense = np.load(out / "truth.npz")
    names = [str(n) for n in dense["state_names"]]
    no_data = dense["state"] == names.index("no_data")
    assert truth["summary"]["no_data_s"] == pytest.approx(no_data.sum() / 20.0)
    assert truth["summary"]["no_data_s"] > 8.0
    inside = (dense["t"] > 41.0) & (dense["t"] < 45.0)
    assert np.all(no_data[inside])


def test_bad_fault_flags_are_refused(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert simulate(tmp_path / "x", "--outage", "soon") == 2
    assert "START:SECONDS" in capsys.readouterr().err
    assert simulate(tmp_path / "y", "--drop-rate", "0.9") == 2
    assert "drop-rate" in capsys.readouterr().err
