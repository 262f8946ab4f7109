"""What flows from a sample source (a clip, a recording, a CSV file, the simulator) into the pipeline.

Everything is in the conventions of :mod:`sensorbridge.conventions`: seconds on the host's clock (or
the input's own clock offline), m/s² and rad/s in the sensor frame.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sensorbridge.conventions import FloatArray, Role


@dataclass(frozen=True)
class ImuBatch:
    """Consecutive samples of one node. ``t`` (N,) s, ``acc`` (N, 3) m/s², ``gyr`` (N, 3) rad/s."""

    role: Role
    t: FloatArray
    acc: FloatArray
    gyr: FloatArray

    def __post_init__(self) -> None:
        n = self.t.shape[0] if self.t.ndim == 1 else -1
        if n < 0 or self.acc.shape != (n, 3) or self.gyr.shape != (n, 3):
            raise ValueError(
                f"ImuBatch needs t (N,), acc (N, 3), gyr (N, 3); got {self.t.shape}, "
                f"{self.acc.shape}, {self.gyr.shape}"
            )

    def __len__(self) -> int:
        return int(self.t.shape[0])

    @staticmethod
    def concat(batches: list[ImuBatch]) -> ImuBatch:
        """One batch from consecutive batches of the same node."""
        if not batches:
            raise ValueError("nothing to concatenate")
        roles = {b.role for b in batches}
        if len(roles) != 1:
            raise ValueError(f"batches of different nodes: {sorted(roles)}")
        return ImuBatch(
            batches[0].role,
            np.concatenate([b.t for b in batches]),
            np.concatenate([b.acc for b in batches]),
            np.concatenate([b.gyr for b in batches]),
        )


@dataclass(frozen=True)
class Gap:
    """Samples of one node known to be missing between ``start`` and ``end`` (s)."""

    role: Role
    start: float
    end: float
    samples_lost: int
