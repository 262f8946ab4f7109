"""`sensorbridge summary` end to end through the CLI, on a real database file."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from sensorbridge.cli import main
from sensorbridge.store.benchdata import build_month


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("cli") / "cli.db"
    build_month(path, worn_days=10, worn_hours=2.0, seed=1)
    return path


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_day_json_carries_the_analyze_keys(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(
        capsys, "--db", str(db), "summary", "--date", "2026-03-03", "--json", "--tz", "Europe/Berlin"
    )
    assert code == 0
    day = json.loads(out)
    for key in (
        "duration_s",
        "upright_s",
        "slouched_s",
        "moving_s",
        "not_worn_s",
        "no_data_s",
        "slouch_episodes",
    ):
        assert key in day
    assert day["duration_s"] == pytest.approx(7200)
    assert day["upright_s"] + day["slouched_s"] + day["moving_s"] == pytest.approx(7200)
    assert len(day["hours"]) == 24


def test_day_table_is_readable(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "--db", str(db), "summary", "--date", "2026-03-03", "--tz", "Europe/Berlin")
    assert code == 0
    assert "2026-03-03 (Europe/Berlin)" in out
    assert "upright of worn" in out
    assert "chin_tuck" in out


def test_day_csv_hours_add_up_to_the_total(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(
        capsys, "--db", str(db), "summary", "--date", "2026-03-29", "--csv", "--tz", "Europe/Berlin"
    )
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert len(rows) == 23 + 1  # the spring DST day has 23 hours, then the total
    total = rows[-1]
    assert total["start"] == "total 2026-03-29"
    assert sum(float(r["upright_s"]) for r in rows[:-1]) == pytest.approx(float(total["upright_s"]))


def test_week_and_month(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(
        capsys, "--db", str(db), "summary", "--week", "--date", "2026-03-04", "--json", "--tz", "UTC"
    )
    assert code == 0
    week = json.loads(out)
    assert (week["first"], week["last"], len(week["days"])) == ("2026-03-02", "2026-03-08", 7)
    code, out, _ = _run(
        capsys, "--db", str(db), "summary", "--month", "--date", "2026-03-04", "--csv", "--tz", "UTC"
    )
    assert code == 0
    assert len(out.strip().splitlines()) == 1 + 31
    code, out, _ = _run(capsys, "--db", str(db), "summary", "--month", "--date", "2026-03-04", "--tz", "UTC")
    assert code == 0
    assert "slouch trend" in out
    assert "stretch streak" in out


def test_bad_input_says_what_to_do(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(capsys, "--db", str(db), "summary", "--date", "yesterday")
    assert code == 2
    assert "YYYY-MM-DD" in err
    code, _, err = _run(capsys, "--db", str(db), "summary", "--tz", "Nowhere/Land")
    assert code == 2
    assert "unknown time zone" in err


def test_an_empty_database_says_nothing_was_recorded(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = _run(
        capsys, "--db", str(tmp_path / "empty.db"), "summary", "--date", "2026-01-01", "--tz", "UTC"
    )
    assert code == 0
    assert "Nothing recorded this day." in out
