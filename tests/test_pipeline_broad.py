"""Orientation on real data: BROAD excerpts (tests/data/broad, CC BY 4.0) through the project's paths.

The live path (the node stream fed packet-sized chunks) must equal VQF called directly, bit for bit,
and both it and the offline option must keep the inclination error small on these excerpts.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from vqf import VQF, offlineVQF

from sensorbridge.conventions import quat_mul
from sensorbridge.pipeline.broad import Trial, inclination_rmse_deg, project_online
from sensorbridge.pipeline.orientation import offline_orientation

DATA = Path(__file__).parent / "data" / "broad"
EXCERPTS = sorted(DATA.glob("*_excerpt.npz"))


def _load(path: Path) -> Trial:
    d = np.load(path)
    return Trial(
        path.stem,
        float(d["sampling_rate"]),
        d["imu_gyr"].astype(np.float64),
        d["imu_acc"].astype(np.float64),
        d["opt_quat"].astype(np.float64),
        d["movement"].astype(bool),
    )


def test_excerpts_are_present_with_their_licence() -> None:
    assert len(EXCERPTS) == 2
    assert (DATA / "LICENSE").is_file()
    assert "CC BY 4.0" in (DATA / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("path", EXCERPTS, ids=lambda p: p.stem)
def test_live_path_equals_vqf_online(path: Path) -> None:
    trial = _load(path)
    direct = VQF(1.0 / trial.rate_hz).updateBatch(trial.gyr, trial.acc)["quat6D"]
    ours = project_online(trial, chunk=18)
    np.testing.assert_array_equal(ours, direct)


@pytest.mark.parametrize(("path", "online_max", "offline_max"), [
    (EXCERPTS[0], 0.35, 0.35),
    (EXCERPTS[1], 0.65, 0.6),
], ids=lambda x: x.stem if isinstance(x, Path) else str(x))  # fmt: skip
def test_inclination_error_on_excerpts(path: Path, online_max: float, offline_max: float) -> None:
    trial = _load(path)
    online = inclination_rmse_deg(project_online(trial, chunk=50), trial.truth, trial.movement)
    offline = inclination_rmse_deg(
        offline_orientation(trial.gyr, trial.acc, trial.rate_hz).quat, trial.truth, trial.movement
    )
    direct_off = offlineVQF(trial.gyr, trial.acc, None, 1.0 / trial.rate_hz)["quat6D"]
    assert online < online_max
    assert offline < offline_max
    assert offline == pytest.approx(inclination_rmse_deg(direct_off, trial.truth, trial.movement), abs=1e-12)


def test_metric_ignores_heading_and_sees_tilt() -> None:
    rng = np.random.default_rng(3)
    q = rng.normal(size=(100, 4))
    q /= np.linalg.norm(q, axis=1, keepdims=True)
    yaw = np.array([np.cos(0.4), 0.0, 0.0, np.sin(0.4)])  # 46° about earth z
    mask = np.ones(100, bool)
    assert inclination_rmse_deg(quat_mul(yaw, q), q, mask) == pytest.approx(0.0, abs=1e-5)
    tilt = np.array([np.cos(np.radians(2.5)), np.sin(np.radians(2.5)), 0.0, 0.0])  # 5° about earth x
    assert inclination_rmse_deg(quat_mul(tilt, q), q, mask) == pytest.approx(5.0, abs=1e-5)
    with pytest.raises(ValueError, match="N, 4"):
        inclination_rmse_deg(q[:, :3], q, mask)
