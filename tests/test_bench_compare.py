"""Two runs side by side: figures matched by section and name."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.compare import compare, main


def _doc(figures: list[dict[str, object]]) -> dict[str, object]:
    return {"sections": {"batch": {"figures": figures}}}


def test_compare_matches_figures_and_shows_the_ratio() -> None:
    old = _doc([
        {"name": "rate", "value": 2_000_000, "unit": "samples/s"},
        {"name": "gone", "value": 1.0, "unit": "s"},
    ])  # fmt: skip
    new = _doc([
        {"name": "rate", "value": 3_000_000, "unit": "samples/s"},
        {"name": "fresh", "value": None, "unit": "s", "missing": "why"},
    ])  # fmt: skip
    lines = compare(old, new).splitlines()
    assert lines[2] == "| batch | rate | 2 M samples/s | 3 M samples/s | 1.5 |"
    assert lines[3] == "| batch | gone | 1 s | — |  |"
    assert lines[4] == "| batch | fresh | — | not available |  |"


def test_main_refuses_a_file_that_is_not_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = tmp_path / "a.json"
    good.write_text(json.dumps(_doc([])), encoding="utf-8")
    bad = tmp_path / "b.json"
    bad.write_text("not json", encoding="utf-8")
    assert main([str(good), str(bad)]) == 2
    assert "cannot read" in capsys.readouterr().err
    assert main([str(good), str(good)]) == 0
