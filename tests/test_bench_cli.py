"""The benchmark's command line: a clear failure without BROAD, and a tiny end-to-end run."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import scipy.io

from bench.broad import find_trials, load_trial
from bench.cli import main
from bench.errors import BroadMissingError


def test_without_the_broad_folder_it_fails_clearly_before_running_anything(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out.json"
    assert main(["--broad", str(tmp_path / "nowhere"), "--json", str(out)]) == 2
    err = capsys.readouterr().err
    assert "the BROAD folder" in err
    assert "does not exist" in err
    assert "what to do: pass the folder holding the BROAD .mat trials" in err
    assert not out.exists()


def test_an_empty_broad_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(BroadMissingError, match=r"holds no \.mat trial"):
        find_trials(tmp_path)


def test_a_mat_file_that_is_not_a_trial_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.mat"
    scipy.io.savemat(path, {"something": np.zeros(3)})
    with pytest.raises(BroadMissingError, match="is not a BROAD trial: no imu_acc"):
        load_trial(path)


def _still_trial(path: Path, n: int = 600) -> None:
    """A clip lying still and level: every estimator should find zero inclination error."""
    scipy.io.savemat(
        path,
        {
            "imu_gyr": np.zeros((n, 3)),
            "imu_acc": np.tile([0.0, 0.0, 9.81], (n, 1)),
            "imu_mag": np.tile([20.0, 0.0, -40.0], (n, 1)),
            "opt_quat": np.tile([1.0, 0.0, 0.0, 0.0], (n, 1)),
            "movement": np.ones((n, 1), dtype=np.uint8),
            "sampling_rate": np.array([[100.0]]),
        },
    )


def test_orientation_section_end_to_end_on_a_tiny_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broad = tmp_path / "broad"
    broad.mkdir()
    _still_trial(broad / "01_still.mat")
    _still_trial(broad / "02_still.mat")
    out = tmp_path / "bench.json"
    assert main(["--quick", "--broad", str(broad), "--only", "orientation", "--json", str(out)]) == 0
    table = capsys.readouterr().out
    assert table.startswith("| Section | Measure | Value | Note |")
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["quick"] is True
    assert doc["versions"]["vqf"]
    section = doc["sections"]["orientation"]
    assert section["status"] == "ok"
    scored = [f for f in section["figures"] if f["value"] is not None and "mean inclination" in f["name"]]
    assert len(scored) >= 5  # VQF offline and online, Madgwick, Mahony, imufusion (+ the project's)
    for fig in scored:
        assert set(fig["details"]["per_trial_deg"]) == {"01_still", "02_still"}
        assert fig["value"] < 0.5, fig["name"]
    tuned = [f for f in scored if "best tuned on these trials" in f["name"]]
    assert [f["name"].split(",")[0] for f in tuned] == ["ahrs Madgwick", "ahrs Mahony", "imufusion"]
    names = [f["name"] for f in section["figures"]]
    for fig in tuned:  # each right under the fixed row it tunes
        assert names[names.index(fig["name"]) - 1] == f"{fig['details']['fixed_row']}: mean inclination RMSE"
        assert fig["details"]["quick"] is True
        assert "chosen: " in fig["note"]
        assert "chosen: " in table
