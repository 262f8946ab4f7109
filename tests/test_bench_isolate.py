"""Running one measurement in a child process: arguments and result as JSON, peak memory reported."""

from __future__ import annotations

import pytest

from bench.errors import BenchError
from bench.isolate import ChildResult, run_isolated
from bench.machine import versions
from bench.sections.batch import fastest


def test_a_module_level_function_runs_in_a_child_and_reports_its_memory() -> None:
    res = run_isolated(versions, 120)
    assert res.result == versions()
    assert res.peak_rss_kib >= res.baseline_rss_kib > 1000  # an interpreter with numpy is megabytes


def test_arguments_travel_as_json_and_a_failing_child_is_an_error() -> None:
    with pytest.raises(BenchError, match=r"exited with 1: .*TypeError"):
        run_isolated(versions, 120, unexpected=1)


def test_only_module_level_functions_can_run_in_a_child() -> None:
    def local() -> dict[str, int]:
        return {}

    with pytest.raises(BenchError, match="not a module-level function"):
        run_isolated(local, 10)


def test_the_fastest_run_is_the_one_with_the_shortest_timed_part() -> None:
    runs = [ChildResult({"seconds": s}, 100, 200 + i) for i, s in enumerate([3.0, 1.5, 2.0])]
    assert fastest(runs).peak_rss_kib == 201
    with pytest.raises(ValueError, match="no run"):
        fastest([])
