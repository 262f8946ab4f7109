"""The virtual clip: a real BLE peripheral on bumble, and a bleak backend over it.

Import the parts from their modules (:mod:`.air`, :mod:`.clip`, :mod:`.backend`, :mod:`.rig`);
:func:`measure_streaming_cost` is here for the benchmark.
"""

from __future__ import annotations

from typing import Any


def measure_streaming_cost(seconds: float = 30.0, **kwargs: Any) -> dict[str, Any]:
    """Host CPU per second of streaming two virtual clips; see :mod:`sensorbridge.virtual.cost`."""
    from sensorbridge.virtual.cost import measure_streaming_cost as measure

    return measure(seconds, **kwargs)
