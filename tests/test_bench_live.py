"""The live-cost section's pure part: per-packet percentiles from the timed steps."""

from __future__ import annotations

import numpy as np
import pytest

from bench.errors import BenchError
from bench.sections.live import packet_figures


def _by_name(figures: list) -> dict:  # type: ignore[type-arg]
    return {f.name: f for f in figures}


def test_percentiles_per_step_and_per_packet_in_ms() -> None:
    rng = np.random.default_rng(7)
    client = {"back": [100_000] * 97 + [1_000_000] * 3, "head": [100_000] * 100}  # ns: 3 slow of 200
    engine = {"back": rng.integers(1_000_000, 2_000_000, 100).tolist(), "head": [1_500_000] * 100}
    figs = _by_name(packet_figures(client, engine))
    assert figs["per packet, client: p50"].value == pytest.approx(0.1)
    assert figs["per packet, client: p99"].unit == "ms"
    assert figs["per packet, client: p99"].value == pytest.approx(1.0)  # the slowest 1.5 % show
    total = (np.array(client["back"] + client["head"]) + np.array(engine["back"] + engine["head"])) / 1e6
    assert figs["per packet, total: p50"].value == pytest.approx(np.percentile(total, 50))
    assert figs["per packet, total: p99"].value == pytest.approx(np.percentile(total, 99))
    assert {f.unit for f in figs.values()} == {"ms"}


def test_unequal_counts_leave_the_total_unavailable_not_guessed() -> None:
    figs = _by_name(packet_figures({"back": [1, 2, 3]}, {"back": [1, 2]}))
    assert figs["per packet, total: p50"].value is None
    assert "unequal" in (figs["per packet, total: p50"].missing or "")
    assert figs["per packet, client: p50"].value is not None


def test_no_packet_timed_is_an_error() -> None:
    with pytest.raises(BenchError, match="no packet was timed"):
        packet_figures({"back": []}, {"back": []})
