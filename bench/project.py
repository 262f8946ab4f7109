"""Adapters from the benchmark to the project's own paths (sensorbridge.pipeline and friends).

Each adapter imports the project lazily and turns "that part has not landed" into
:class:`bench.errors.Unavailable` with the reason, so the table says so instead of showing a number.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from bench.anchors import Estimator
from bench.errors import Unavailable
from sensorbridge.conventions import FloatArray
from sensorbridge.protocol import MAX_SAMPLES_PER_PACKET
from sensorbridge.samples import ImuBatch

LIVE_CHUNK = MAX_SAMPLES_PER_PACKET  # the live path sees one packet's samples at a time


def _live(gyr: FloatArray, acc: FloatArray, rate_hz: float) -> FloatArray:
    """The live path: the project's causal filter fed one packet's worth of samples per call."""
    from sensorbridge.pipeline.orientation import OrientationFilter
    from sensorbridge.pipeline.settings import OrientationSettings

    filt = OrientationFilter(OrientationSettings(), rate_hz)
    parts = [
        filt.update_batch(gyr[i : i + LIVE_CHUNK], acc[i : i + LIVE_CHUNK]).quat
        for i in range(0, gyr.shape[0], LIVE_CHUNK)
    ]
    return np.concatenate(parts)


def _offline(gyr: FloatArray, acc: FloatArray, rate_hz: float) -> FloatArray:
    """The acausal option: the project's offline refinement over the whole trial."""
    from sensorbridge.pipeline.orientation import offline_orientation

    return offline_orientation(gyr, acc, rate_hz).quat


def orientation_estimators() -> dict[str, Estimator | Unavailable]:
    """The project's live (packet-sized chunks) and offline (acausal) orientation paths."""
    try:
        from sensorbridge.pipeline import orientation  # noqa: F401 - is it there at all?
    except ImportError as e:
        reason = f"sensorbridge.pipeline.orientation cannot be imported: {e}"
        return {
            "sensorbridge live path (packet chunks)": Unavailable(reason),
            "sensorbridge offline path (acausal)": Unavailable(reason),
        }
    return {"sensorbridge live path (packet chunks)": _live, "sensorbridge offline path (acausal)": _offline}


# ---------------------------------------------------------------------------------------------
# A simulated day: made by the wearer simulator, re-analysed by the project's batch path.


def require_day_tools() -> None:
    """Raise :class:`Unavailable` unless the simulator, the recording format and analyze() are there."""
    raise Unavailable("the wearer simulator, the recording format and analyze() have not all landed")


def simulate_day(path: str, hours: float, seed: int) -> int:
    """Write a two-clip desk day of ``hours`` at 104 Hz to the recording ``path``; return its samples."""
    raise Unavailable("no simulator yet")


def load_day(path: str) -> list[ImuBatch]:
    """Both nodes of a recorded day as :class:`ImuBatch` (back first), decoded, in memory."""
    raise Unavailable("no recording reader yet")


def analyze_recording(path: str) -> dict[str, Any]:
    """The end-to-end analysis of a recording; returns the day's summary figures (JSON types)."""
    raise Unavailable("no analyze() yet")
