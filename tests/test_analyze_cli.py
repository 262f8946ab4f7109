"""``sensorbridge analyze`` end to end: CSV files and a recording from the simulator, JSON and
quaternion outputs, and the errors a person sees for bad command lines."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from test_pipeline_sim import sim_batches

from sensorbridge.cli import main
from sensorbridge.conventions import Role
from sensorbridge.csv_import import read_imu_csv, write_imu_csv
from sensorbridge.samples import ImuBatch
from sensorbridge.sim import WearerStream
from sensorbridge.sim.truth import compute_truth


def cfg(folder: Path) -> str:
    """An empty config file, so the user's own settings never leak into a test."""
    path = folder / "config.toml"
    path.write_text("", encoding="utf-8")
    return str(path)


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:  # type: ignore[type-arg]
    folder = tmp_path_factory.mktemp("sim")
    stream = WearerStream.create("desk_short", seed=21, duration_s=200.0)
    truth = compute_truth(WearerStream.create("desk_short", seed=21, duration_s=200.0))
    b = sim_batches(stream)
    write_imu_csv(folder / "back.csv", b[Role.BACK])
    write_imu_csv(folder / "head.csv", b[Role.HEAD])
    return folder, truth.report


def test_csv_input_to_json_and_quaternions(inputs: tuple[Path, dict], tmp_path: Path) -> None:  # type: ignore[type-arg]
    folder, truth = inputs
    cal = truth["calibration"]
    out = tmp_path / "a.json"
    qdir = tmp_path / "q"
    code = main([
        "--config", cfg(tmp_path), "analyze", "--back", str(folder / "back.csv"),
        "--head", str(folder / "head.csv"), "--calibration", f"{cal['start']}:{cal['end']}",
        "--json", str(out), "--timeline-hz", "2", "--quaternions", str(qdir),
    ])  # fmt: skip
    assert code == 0
    d = json.loads(out.read_text(encoding="utf-8"))
    assert d["calibration"]["ok"] is True
    assert d["calibration"]["start"] == pytest.approx(cal["start"])
    assert len(d["timeline"]["t"]) == pytest.approx(400, abs=2)
    keys = {"duration_s", "upright_s", "slouched_s", "moving_s", "not_worn_s", "no_data_s", "slouch_episodes"}
    assert set(d["summary"]) >= keys
    assert d["summary"]["slouched_s"] == pytest.approx(truth["summary"]["slouched_s"], rel=0.05)
    assert len(d["slouch_episodes"]) == len(truth["slouch_episodes"])
    assert d["exercises"] == []
    for name in ("back", "head"):
        q = np.loadtxt(qdir / f"{name}.csv", delimiter=",", skiprows=1)
        assert q.shape[1] == 5
        assert q.shape[0] == pytest.approx(200 * 104, rel=0.01)
        np.testing.assert_allclose(np.linalg.norm(q[:, 1:], axis=1), 1.0, atol=1e-5)


def test_exercise_without_head_is_reported_not_verifiable(
    inputs: tuple[Path, dict],  # type: ignore[type-arg]
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    folder, _ = inputs
    code = main(["--config", cfg(tmp_path), "analyze", "--back", str(folder / "back.csv"),
                 "--exercise", "chin_tuck", "--json", "-"])  # fmt: skip
    assert code == 0
    d = json.loads(capsys.readouterr().out)
    (ex,) = d["exercises"]
    assert ex["exercise"] == "chin_tuck"
    assert ex["verifiable"] is False
    assert ex["valid_reps"] == 0
    assert all(v is None for v in d["timeline"]["neck_flexion"])


def test_text_report_on_a_terminal_less_run(
    inputs: tuple[Path, dict],  # type: ignore[type-arg]
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    folder, _ = inputs
    assert main(["--config", cfg(tmp_path), "analyze", "--back", str(folder / "back.csv")]) == 0
    text = capsys.readouterr().out
    assert "slouch episodes:" in text
    assert "calibration: ok" in text


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        ([], "nothing to analyse"),
        (["--head", "h.csv"], "--head needs --back"),
        (["rec.sbrec", "--back", "b.csv"], "not both"),
        (["--back", "b.csv", "--calibration", "ten:20"], "is not START:END"),
        (["--back", "b.csv", "--calibration", "20:10"], "START must be before END"),
        (["--back", "missing.csv"], "missing.csv"),
        (["--back", "b.csv", "--timeline-hz", "0"], "out of range"),
    ],
)
def test_bad_command_lines_say_what_is_wrong(
    argv: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["--config", cfg(tmp_path), "analyze", *argv])
    assert code == 2
    err = capsys.readouterr().err
    assert message in err


def simulated(folder: Path, seed: int, capsys: pytest.CaptureFixture[str]) -> Path:
    """A 150-s simulated desk day (recording and CSV files) written by ``sensorbridge simulate``."""
    out = folder / "sim"
    argv = ["simulate", "desk_short", "--out", str(out), "--seed", str(seed), "--duration", "150"]
    assert main(["--config", cfg(folder), *argv]) == 0
    capsys.readouterr()
    return out


def test_recording_input_gives_the_same_day_as_its_csv_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = simulated(tmp_path, 4, capsys)
    results = []
    for source in (
        [str(out / "recording.sbrec")],
        ["--back", str(out / "back.csv"), "--head", str(out / "head.csv")],
    ):
        assert (
            main(["--config", cfg(tmp_path), "analyze", *source, "--calibration", "0:24.5", "--json", "-"])
            == 0
        )
        results.append(json.loads(capsys.readouterr().out))
    rec, csv = results
    assert rec["calibration"]["ok"] is True
    for key in ("slouched_s", "upright_s", "moving_s"):
        assert rec["summary"][key] == pytest.approx(csv["summary"][key], abs=1.0)


def test_a_head_csv_on_another_clock_is_shifted_onto_the_back_clock(
    inputs: tuple[Path, dict],  # type: ignore[type-arg]
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    folder, _ = inputs
    head = read_imu_csv(folder / "head.csv", Role.HEAD)
    write_imu_csv(tmp_path / "late.csv", ImuBatch(Role.HEAD, head.t - 12.5, head.acc, head.gyr))
    results = []
    for name in (folder / "head.csv", tmp_path / "late.csv"):
        argv = ["analyze", "--back", str(folder / "back.csv"), "--head", str(name), "--json", "-"]
        assert main(["--config", cfg(tmp_path), *argv]) == 0
        captured = capsys.readouterr()
        results.append((json.loads(captured.out), captured.err))
    (same, no_note), (moved, note) = results
    assert "shifted" not in no_note
    assert "12.50 s behind" in note
    assert moved["summary"] == same["summary"]
    a, b = (
        np.array(same["timeline"]["neck_flexion"], float),
        np.array(moved["timeline"]["neck_flexion"], float),
    )
    assert np.nanmax(np.abs(a - b)) < 0.5


def test_acausal_reanalysis_of_a_recording_and_its_csv_files_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = simulated(tmp_path, 6, capsys)
    results = []
    for source, flags in (
        ([str(out / "recording.sbrec")], []),
        ([str(out / "recording.sbrec")], ["--acausal"]),
        (["--back", str(out / "back.csv"), "--head", str(out / "head.csv")], ["--acausal"]),
    ):
        argv = ["analyze", *source, *flags, "--calibration", "0:24.5", "--json", "-"]
        assert main(["--config", cfg(tmp_path), *argv]) == 0
        results.append(json.loads(capsys.readouterr().out))
    live, rec, csv = results
    assert live["method"] == "live"
    assert rec["method"] == csv["method"] == "acausal"
    for key in ("slouched_s", "upright_s", "moving_s"):
        assert rec["summary"][key] == pytest.approx(csv["summary"][key], abs=1.0)
        assert rec["summary"][key] == pytest.approx(live["summary"][key], abs=2.0)
    rot_live, rot_rec = (np.array(d["timeline"]["neck_rotation"], float) for d in (live, rec))
    assert np.isfinite(rot_rec).sum() == np.isfinite(rot_live).sum() > 100
    assert not np.allclose(rot_rec[np.isfinite(rot_rec)], rot_live[np.isfinite(rot_live)])  # hindsight used
