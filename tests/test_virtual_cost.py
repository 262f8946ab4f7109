"""The streaming cost measurement the benchmark calls: figures present, shares adding up."""

from __future__ import annotations

import pytest

from sensorbridge.virtual import measure_streaming_cost
from sensorbridge.virtual.cost import SHARES


def test_cost_of_two_clips_is_split_into_shares() -> None:
    res = measure_streaming_cost(6.0, virtual_time=True, pipeline=False)
    assert set(res["samples"]) == {"back", "head"}
    assert all(n == pytest.approx(6.0 * 104, rel=0.05) for n in res["samples"].values())
    assert res["cpu_s_per_s"] > 0.0
    assert set(res["shares"]) == set(SHARES)
    assert sum(s["fraction"] for s in res["shares"].values()) == pytest.approx(1.0, abs=0.01)
    assert res["shares"]["virtual_stack"]["per_s"] > res["shares"]["client"]["per_s"] > 0.0


def test_bad_arguments_raise() -> None:
    with pytest.raises(ValueError, match="positive"):
        measure_streaming_cost(0.0)
