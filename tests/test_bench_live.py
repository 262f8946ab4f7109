"""The live-cost section's pure part: per-packet percentiles from the timed steps."""

from __future__ import annotations

import numpy as np
import pytest

from bench.errors import BenchError
from bench.report import Figure
from bench.sections.live import packet_figures


def _by_name(figures: list[Figure]) -> dict[str, Figure]:
    return {f.name: f for f in figures}


def _keyed(ns: list[int], first_key: float = 0.0) -> list[list[float]]:
    return [[first_key + i * 0.173, n] for i, n in enumerate(ns)]


def test_percentiles_per_step_and_per_packet_in_ms() -> None:
    rng = np.random.default_rng(7)
    client_ns = {"back": [100_000] * 97 + [1_000_000] * 3, "head": [100_000] * 100}  # 3 slow of 200
    engine_ns = {"back": rng.integers(1_000_000, 2_000_000, 100).tolist(), "head": [1_500_000] * 100}
    client = {role: _keyed(v, first_key=10.0 * k) for k, (role, v) in enumerate(client_ns.items())}
    engine = {role: _keyed(v, first_key=10.0 * k) for k, (role, v) in enumerate(engine_ns.items())}
    figs = _by_name(packet_figures(client, engine))
    assert figs["per packet, client: p50"].value == pytest.approx(0.1)
    assert figs["per packet, client: p99"].value == pytest.approx(1.0)  # the slowest 1.5 % show
    both = np.array(client_ns["back"] + client_ns["head"]) + np.array(engine_ns["back"] + engine_ns["head"])
    assert figs["per packet, total: p50"].value == pytest.approx(np.percentile(both / 1e6, 50))
    assert figs["per packet, total: p99"].value == pytest.approx(np.percentile(both / 1e6, 99))
    assert {f.unit for f in figs.values()} == {"ms"}


def test_the_total_pairs_the_two_steps_of_the_same_packet_by_key() -> None:
    # The engine saw one packet the client step was not timed for (in flight at the start) and
    # missed the last one (in flight at the end): only the three common packets make the total.
    client = {"back": [[1.0, 1_000_000], [2.0, 2_000_000], [3.0, 3_000_000], [4.0, 9_000_000]]}
    engine = {"back": [[0.5, 7_000_000], [1.0, 1_000_000], [2.0, 1_000_000], [3.0, 1_000_000]]}
    figs = _by_name(packet_figures(client, engine))
    assert figs["per packet, total: p50"].value == pytest.approx(3.0)  # 2, 3 and 4 ms
    assert "3 packets timed by both" in figs["per packet, total: p50"].note
    assert figs["per packet, client: p50"].value == pytest.approx(2.5)  # all four client steps count


def test_no_common_packet_leaves_the_total_unavailable_not_guessed() -> None:
    figs = _by_name(packet_figures({"back": [[1.0, 5]]}, {"back": [[2.0, 5]]}))
    assert figs["per packet, total: p50"].value is None
    assert figs["per packet, total: p50"].missing == "no packet was timed by both steps"


def test_no_packet_timed_is_an_error() -> None:
    with pytest.raises(BenchError, match="no packet was timed"):
        packet_figures({"back": []}, {"back": []})
