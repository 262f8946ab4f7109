"""Adapters from the benchmark to the project's own paths (sensorbridge.pipeline and friends).

Each adapter imports the project lazily and turns "that part has not landed" into
:class:`bench.errors.Unavailable` with the reason, so the table says so instead of showing a number.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from bench.anchors import Estimator
from bench.errors import Unavailable
from sensorbridge.conventions import FloatArray
from sensorbridge.protocol import MAX_SAMPLES_PER_PACKET
from sensorbridge.samples import ImuBatch

LIVE_CHUNK = MAX_SAMPLES_PER_PACKET  # the live path sees one packet's samples at a time


def _live(gyr: FloatArray, acc: FloatArray, rate_hz: float) -> FloatArray:
    """The live path: the project's per-node stream (resampling, intrinsics, its VQF filter) fed one
    packet's worth of samples per call, through the pipeline's own BROAD helper."""
    from sensorbridge.pipeline.broad import Trial, project_online

    n = gyr.shape[0]
    trial = Trial("bench", rate_hz, gyr, acc, np.full((n, 4), np.nan), np.zeros(n, bool))
    return project_online(trial, chunk=LIVE_CHUNK)


def _offline(gyr: FloatArray, acc: FloatArray, rate_hz: float) -> FloatArray:
    """The acausal option: the project's offline refinement over the whole trial."""
    from sensorbridge.pipeline.orientation import offline_orientation

    return offline_orientation(gyr, acc, rate_hz).quat


def orientation_estimators() -> dict[str, Estimator | Unavailable]:
    """The project's live (packet-sized chunks) and offline (acausal) orientation paths."""
    try:
        from sensorbridge.pipeline import broad, orientation  # noqa: F401 - are they there at all?
    except ImportError as e:
        reason = f"sensorbridge.pipeline's orientation paths cannot be imported: {e}"
        return {
            "sensorbridge live path (packet chunks)": Unavailable(reason),
            "sensorbridge offline path (acausal)": Unavailable(reason),
        }
    return {"sensorbridge live path (packet chunks)": _live, "sensorbridge offline path (acausal)": _offline}


# ---------------------------------------------------------------------------------------------
# A simulated day: made by the wearer simulator, re-analysed by the project's batch path.


DAY_SCENARIO = "desk_day"  # the simulator's working day: slouches, reaches, chair turns, walking away
RECORDING_NAME = "recording.sbrec"  # what the simulator's export writes into its folder


def require_day_tools() -> None:
    """Raise :class:`Unavailable` unless the simulator, the recording format and analyze() are there."""
    try:
        from sensorbridge.commands.analyze import load_inputs  # noqa: F401
        from sensorbridge.pipeline.analysis import analyze  # noqa: F401
        from sensorbridge.recording import RecordingReader  # noqa: F401
        from sensorbridge.sim.export import export_scenario  # noqa: F401
        from sensorbridge.sim.stream import WearerStream  # noqa: F401
    except ImportError as e:
        raise Unavailable(f"the simulator, recordings or analyze() cannot be imported: {e}") from e


def simulate_day(folder: str, hours: float, seed: int) -> int:
    """Simulate a two-clip desk day of ``hours`` at 104 Hz into ``folder`` (a recording as the clips
    would have delivered it: 18-sample packets with host receive times); return its sample count."""
    from sensorbridge.sim.export import export_scenario
    from sensorbridge.sim.stream import WearerStream

    stream = WearerStream.create(DAY_SCENARIO, seed=seed, duration_s=hours * 3600.0)
    summary = export_scenario(stream, folder, write_csv=False)
    return sum(summary.samples.values())


def load_day(folder: str) -> list[ImuBatch]:
    """Both nodes of a simulated day as :class:`ImuBatch` (back first), decoded, on host time."""
    from sensorbridge.recording import RecordingReader

    reader = RecordingReader.open(Path(folder) / RECORDING_NAME)
    return [reader.load_node(role, clock="host").batch for role in reader.roles()]


WARM_UP_S = 30.0


def _still_pair(seconds: float) -> tuple[ImuBatch, ImuBatch]:
    """Two clips lying still for ``seconds`` at 104 Hz: an input that exercises every stage once."""
    from sensorbridge.conventions import STANDARD_GRAVITY, Role

    t = np.arange(int(seconds * 104.0)) / 104.0
    acc = np.tile([STANDARD_GRAVITY, 0.0, 0.0], (t.size, 1))  # sensor x up: a clip worn upright
    gyr = np.zeros((t.size, 3))
    return ImuBatch(Role.BACK, t, acc, gyr), ImuBatch(Role.HEAD, t.copy(), acc.copy(), gyr.copy())
