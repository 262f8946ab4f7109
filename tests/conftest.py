"""Shared test set-up: no test writes into the user's own database.

``monitor`` and ``record`` store every session they run (``--db`` / ``SENSORBRIDGE_DB``, else the user
data directory), so each test gets its own database file unless it names one.
"""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def _private_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SENSORBRIDGE_DB", str(tmp_path / "sensorbridge-test.db"))
