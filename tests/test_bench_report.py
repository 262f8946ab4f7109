"""The benchmark's table and JSON: formatting, one row per figure, sections that fail or are missing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.attempts import Attempts
from bench.context import Context, Section
from bench.errors import BenchError, PartialFailureError, Unavailable
from bench.report import Figure, SectionResult, Status, format_value, markdown_table, results_json
from bench.runner import exit_code, run_section


@pytest.mark.parametrize(
    ("value", "unit", "text"),
    [
        (3_104_000, "samples/s", "3.1 M samples/s"),
        (18_250, "samples/s", "18.2 k samples/s"),
        (0.5312, "°", "0.531 °"),
        (12.0, "ms", "12 ms"),
        (2_500_000_000, "", "2.5 G"),
        (0.0, "%", "0 %"),
        (512, "B", "512 B"),
        (3 * 1024 * 1024, "B", "3 MiB"),
        (1536, "B", "1.5 KiB"),
        (999.6, "s", "1000 s"),
        (0.000123, "s", "0.000123 s"),
        (1234.0, "s", "1234 s"),
    ],
)
def test_format_value(value: float, unit: str, text: str) -> None:
    assert format_value(value, unit) == text


def test_format_value_refuses_non_finite_numbers() -> None:
    with pytest.raises(ValueError, match="cannot format"):
        format_value(float("nan"), "s")


def test_a_figure_has_a_value_or_a_reason_never_both() -> None:
    with pytest.raises(ValueError, match="exactly one"):
        Figure("x", 1.0, missing="why")
    with pytest.raises(ValueError, match="exactly one"):
        Figure("x", None)
    with pytest.raises(ValueError, match="finite"):
        Figure("x", float("inf"))
    assert Figure.unavailable("x", "not landed").missing == "not landed"


def _results() -> list[SectionResult]:
    return [
        SectionResult(
            "orientation",
            "Orientation",
            Status.OK,
            (
                Figure("VQF | offline", 0.531, "°", "per trial: a 0.4"),
                Figure.unavailable("live path", "pipeline not there"),
            ),
        ),
        SectionResult("store", "Store", Status.UNAVAILABLE, reason="no store yet"),
        SectionResult("live", "Live", Status.FAILED, reason="boom"),
    ]


def test_markdown_table_has_one_row_per_figure_and_per_empty_section() -> None:
    lines = markdown_table(_results()).splitlines()
    assert lines[0] == "| Section | Measure | Value | Note |"
    assert len(lines) == 2 + 4
    assert lines[2] == "| Orientation | VQF \\| offline | 0.531 ° | per trial: a 0.4 |"
    assert lines[3] == "| Orientation | live path | not available | pipeline not there |"
    assert lines[4] == "| Store | (whole section) | not available | no store yet |"
    assert lines[5] == "| Live | (whole section) | failed | boom |"


def test_results_json_keeps_every_figure_and_status() -> None:
    doc = json.loads(json.dumps(results_json(_results())))
    assert doc["orientation"]["figures"][0]["value"] == 0.531
    assert doc["orientation"]["figures"][1] == {
        "name": "live path",
        "value": None,
        "unit": "",
        "note": "",
        "missing": "pipeline not there",
    }
    assert doc["store"]["status"] == "not available"
    assert doc["live"] == {
        "title": "Live",
        "status": "failed",
        "reason": "boom",
        "seconds": 0.0,
        "figures": [],
    }


def _ctx(tmp_path: Path) -> Context:
    return Context(tmp_path, quick=True, scratch=tmp_path, repo=tmp_path)


def _broken(ctx: Context) -> list[Figure]:
    raise BenchError("the thing broke", hint="fix it")


def _missing(ctx: Context) -> list[Figure]:
    raise Unavailable("the part has not landed")


def _fine(ctx: Context) -> list[Figure]:
    return [Figure("n", 1.0)]


def test_a_failing_section_is_reported_and_sets_the_exit_code(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    failed = run_section(Section("a", "A", _broken), _ctx(tmp_path))
    assert failed.status is Status.FAILED
    assert failed.reason == "the thing broke\n  what to do: fix it"
    assert "BenchError" in capsys.readouterr().err  # the traceback goes to stderr for whoever debugs it
    missing = run_section(Section("b", "B", _missing), _ctx(tmp_path))
    assert (missing.status, missing.reason) == (Status.UNAVAILABLE, "the part has not landed")
    fine = run_section(Section("c", "C", _fine), _ctx(tmp_path))
    assert fine.status is Status.OK
    assert exit_code([missing, fine]) == 0
    assert exit_code([missing, fine, failed]) == 1


def _partly(ctx: Context) -> list[Figure]:
    raise PartialFailureError("imufusion: ValueError: NaN", [Figure("VQF", 0.5, "°")])


def test_a_partly_failed_section_keeps_the_figures_it_has(tmp_path: Path) -> None:
    res = run_section(Section("o", "Orientation", _partly), _ctx(tmp_path))
    assert res.status is Status.FAILED
    assert [f.name for f in res.figures] == ["VQF"]
    assert exit_code([res]) == 1
    lines = markdown_table([res]).splitlines()
    assert lines[2] == "| Orientation | (section) | failed | imufusion: ValueError: NaN |"
    assert lines[3] == "| Orientation | VQF | 0.5 ° |  |"


def _boom(x: int) -> int:
    raise ValueError(f"bad {x}")


def _not_there() -> int:
    raise Unavailable("not landed")


def test_attempts_collect_failures_and_let_unavailable_through(capsys: pytest.CaptureFixture[str]) -> None:
    attempts = Attempts()
    assert attempts.run("double", lambda x: 2 * x, 4) == 8
    assert attempts.run("boom", _boom, 3) is None
    assert attempts.failures == ["boom: ValueError: bad 3"]
    assert "ValueError" in capsys.readouterr().err
    with pytest.raises(Unavailable, match="not landed"):
        attempts.run("missing", _not_there)
    with pytest.raises(PartialFailureError, match="boom: ValueError: bad 3") as info:
        attempts.finish([Figure("kept", 1.0)])
    assert [f.name for f in info.value.figures] == ["kept"]
    assert Attempts().finish([Figure("all fine", 2.0)])[0].value == 2.0
