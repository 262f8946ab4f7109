"""The store's measurements, each in its own child process (see :mod:`bench.isolate`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def build_month(path: str, worn_days: int) -> dict[str, Any]:
    """Write the store's synthetic month (8 worn hours a day) into a new database at ``path``."""
    from sensorbridge.store.benchdata import build_month as build

    truth = build(Path(path), worn_days=worn_days)
    return {"seconds": truth.seconds_to_build, "days": len(truth.days)}


def summarise_month(path: str) -> dict[str, Any]:
    """Open the database and summarise the month (best of three), as ``sensorbridge summary --month``."""
    from sensorbridge.store.benchdata import measure_month_summary

    return dict(measure_month_summary(Path(path)))
