"""Orientation accuracy on BROAD trials (Laidig et al., Data 2021, CC BY 4.0): the project's online
and offline paths side by side with VQF called directly.

Metric (as ``../shared/data/broad/README.md`` defines it): with ``e = q_est ⊗ q_true*`` (earth frame),
the inclination error is ``2·arccos(clip(sqrt(e_w² + e_z²), 0, 1))``; a trial's figure is its RMS over
the movement samples, in degrees. Run ``python -m sensorbridge.pipeline.broad DIR`` for the table.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.io import loadmat
from vqf import VQF, offlineVQF

from calibration.model import SensorIntrinsics
from sensorbridge.conventions import FloatArray, Role, quat_conj, quat_mul, quat_normalize
from sensorbridge.pipeline.node import NodeStream
from sensorbridge.pipeline.orientation import offline_orientation
from sensorbridge.pipeline.settings import PipelineSettings, StreamSettings
from sensorbridge.samples import ImuBatch


@dataclass(frozen=True)
class Trial:
    name: str
    rate_hz: float
    gyr: FloatArray  # (N, 3) rad/s
    acc: FloatArray  # (N, 3) m/s²
    truth: FloatArray  # (N, 4) [w, x, y, z], nan where the optical system lost the marker
    movement: np.ndarray  # (N,) bool


def load_trial(path: Path) -> Trial:
    d = loadmat(str(path))
    return Trial(
        path.stem,
        float(np.asarray(d["sampling_rate"]).item()),
        np.ascontiguousarray(d["imu_gyr"], dtype=np.float64),
        np.ascontiguousarray(d["imu_acc"], dtype=np.float64),
        np.asarray(d["opt_quat"], dtype=np.float64),
        np.asarray(d["movement"]).ravel().astype(bool),
    )


def inclination_rmse_deg(est: FloatArray, truth: FloatArray, mask: np.ndarray) -> float:
    """RMS (°) of the inclination error over ``mask`` (N,); ``est`` and ``truth`` (N, 4) [w, x, y, z]."""
    if est.shape != truth.shape or est.shape[1:] != (4,) or mask.shape != est.shape[:1]:
        raise ValueError(
            f"need est and truth (N, 4) and mask (N,), got {est.shape}, {truth.shape}, {mask.shape}"
        )
    ok = mask & np.all(np.isfinite(truth), axis=1)
    e = quat_mul(quat_normalize(est[ok]), quat_conj(quat_normalize(truth[ok])))
    err = 2.0 * np.arccos(np.clip(np.sqrt(e[:, 0] ** 2 + e[:, 3] ** 2), 0.0, 1.0))
    return float(np.degrees(np.sqrt(np.mean(err**2))))


def project_online(trial: Trial, chunk: int = 18) -> FloatArray:
    """Quaternions (N, 4) from the project's node stream, fed ``chunk`` samples at a time as live."""
    settings = PipelineSettings(stream=StreamSettings(rate_hz=trial.rate_hz))
    node = NodeStream(Role.BACK, settings, SensorIntrinsics())
    t = np.arange(trial.gyr.shape[0]) / trial.rate_hz
    parts = []
    for i in range(0, t.size, chunk):
        out = node.push(
            ImuBatch(Role.BACK, t[i : i + chunk], trial.acc[i : i + chunk], trial.gyr[i : i + chunk])
        )
        parts.append(out.quat)
    return np.concatenate(parts)


def evaluate(trial: Trial) -> dict[str, float]:
    """Inclination RMSE (°) of VQF online and offline called directly and of the project's two paths."""
    ts = 1.0 / trial.rate_hz
    direct_on = VQF(ts).updateBatch(trial.gyr, trial.acc)["quat6D"]
    direct_off = offlineVQF(trial.gyr, trial.acc, None, ts)["quat6D"]
    ours_on = project_online(trial)
    ours_off = offline_orientation(trial.gyr, trial.acc, trial.rate_hz).quat
    m = trial.movement
    return {
        "vqf_online": inclination_rmse_deg(direct_on, trial.truth, m),
        "project_online": inclination_rmse_deg(ours_on, trial.truth, m),
        "vqf_offline": inclination_rmse_deg(direct_off, trial.truth, m),
        "project_offline": inclination_rmse_deg(ours_off, trial.truth, m),
    }


def main(argv: list[str]) -> int:
    folder = Path(argv[0] if argv else "../shared/data/broad")
    files = sorted(folder.glob("*.mat"))
    if not files:
        print(f"no .mat trials in {folder}", file=sys.stderr)
        return 2
    cols = ("vqf_online", "project_online", "vqf_offline", "project_offline")
    print(f"{'trial':45s}" + "".join(f"{c:>16s}" for c in cols))
    rows = []
    for f in files:
        r = evaluate(load_trial(f))
        rows.append([r[c] for c in cols])
        print(f"{f.stem:45s}" + "".join(f"{r[c]:16.3f}" for c in cols))
    print(f"{'mean':45s}" + "".join(f"{v:16.3f}" for v in np.mean(rows, axis=0)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
