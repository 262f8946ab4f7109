"""Loading BROAD trials (Laidig et al., Data 6(7):72, 2021, CC BY 4.0): see the folder's README.md."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import scipy.io

from bench.errors import BroadMissingError
from sensorbridge.conventions import FloatArray

_HINT = (
    "pass the folder holding the BROAD .mat trials, e.g. --broad ../shared/data/broad "
    "(make bench does this from the repository root)"
)


@dataclass(frozen=True)
class BroadTrial:
    """One trial: ``gyr`` (N, 3) rad/s and ``acc`` (N, 3) m/s² in the sensor frame, ``quat`` (N, 4)
    optical truth [w, x, y, z] sensor-to-earth (may hold NaN rows), ``movement`` (N,) bool."""

    name: str
    rate_hz: float
    gyr: FloatArray
    acc: FloatArray
    quat: FloatArray
    movement: np.ndarray

    def __len__(self) -> int:
        return int(self.gyr.shape[0])


def find_trials(folder: Path) -> list[Path]:
    """The trial files in ``folder``, sorted by name; raises :class:`BroadMissingError` if there is none."""
    if not folder.is_dir():
        raise BroadMissingError(f"the BROAD folder {folder} does not exist", hint=_HINT)
    paths = sorted(folder.glob("*.mat"))
    if not paths:
        raise BroadMissingError(f"the BROAD folder {folder} holds no .mat trial", hint=_HINT)
    return paths


def load_trial(path: Path) -> BroadTrial:
    """Read one trial and check its shapes; gyro and accelerometer come back C-contiguous float64."""
    try:
        raw = scipy.io.loadmat(str(path))
    except (OSError, ValueError) as e:
        raise BroadMissingError(f"cannot read the BROAD trial {path}: {e}", hint=_HINT) from e
    missing = {"imu_gyr", "imu_acc", "opt_quat", "movement", "sampling_rate"} - raw.keys()
    if missing:
        raise BroadMissingError(f"{path} is not a BROAD trial: no {', '.join(sorted(missing))}", hint=_HINT)
    gyr = np.ascontiguousarray(raw["imu_gyr"], dtype=np.float64)
    acc = np.ascontiguousarray(raw["imu_acc"], dtype=np.float64)
    quat = np.ascontiguousarray(raw["opt_quat"], dtype=np.float64)
    movement = np.asarray(raw["movement"]).reshape(-1).astype(bool)
    n = gyr.shape[0]
    if gyr.shape != (n, 3) or acc.shape != (n, 3) or quat.shape != (n, 4) or movement.shape != (n,):
        raise BroadMissingError(
            f"{path} has inconsistent shapes: gyr {gyr.shape}, acc {acc.shape}, quat {quat.shape}, "
            f"movement {movement.shape}",
            hint=_HINT,
        )
    return BroadTrial(path.stem, float(raw["sampling_rate"].reshape(-1)[0]), gyr, acc, quat, movement)
