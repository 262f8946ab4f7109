"""Adapters from the benchmark to the project's own paths (sensorbridge.pipeline and friends).

Each adapter imports the project lazily and turns "that part has not landed" into
:class:`bench.errors.Unavailable` with the reason, so the table says so instead of showing a number.
"""

from __future__ import annotations

from bench.anchors import Estimator
from bench.errors import Unavailable


def orientation_estimators() -> dict[str, Estimator | Unavailable]:
    """The project's live (packet-sized chunks) and offline orientation paths, as BROAD estimators."""
    reason = "sensorbridge.pipeline has no orientation API yet"
    return {
        "sensorbridge live path": Unavailable(reason),
        "sensorbridge offline path": Unavailable(reason),
    }
