"""`sensorbridge export` and the export tables."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from sensorbridge.cli import main
from sensorbridge.conventions import Role
from sensorbridge.posture import PostureState, StateInterval
from sensorbridge.protocol import LogRecord, LogRecordFlags
from sensorbridge.store.export import export_range, to_csv
from sensorbridge.store.records import StretchHold, StretchSet
from sensorbridge.store.store import Store

BERLIN = ZoneInfo("Europe/Berlin")


def _fill(path: Path) -> None:
    with Store.open(path) as store:
        w = store.ensure_wearer()
        for day in (dt.date(2026, 4, 1), dt.date(2026, 4, 2), dt.date(2026, 4, 3)):
            t = dt.datetime.combine(day, dt.time(23, 30), tzinfo=BERLIN).timestamp()  # crosses midnight
            holds = (
                StretchHold(t, t + 5, True),
                StretchHold(t + 10, t + 12, False, ("too_short", "trunk_lean")),
            )
            sets = [StretchSet("lateral_flexion", t, t + 60, 2, 1, holds)]
            store.add_session(
                w,
                t,
                t + 3600,
                intervals=[StateInterval(t, t + 3600, PostureState.UPRIGHT)],
                stretch_sets=sets,
            )
        clip = store.upsert_clip("AA:00:00:00:00:09", Role.BACK)
        t_cal = dt.datetime(2026, 4, 1, 8, tzinfo=BERLIN).timestamp()
        store.add_calibration(
            w, Role.BACK, {"neutral": [0.0, 0.0, 1.0]}, format_version=1, in_force_from=t_cal
        )
        h = int(dt.datetime(2026, 4, 2, 12, tzinfo=BERLIN).timestamp())
        store.add_device_log(
            clip, [LogRecord(h, 30, 5), LogRecord(77, 10, 0, 0, LogRecordFlags.CLOCK_UNSYNCED)], read_at=h
        )


def test_a_range_exports_whole_sessions_and_placed_log_hours(tmp_path: Path) -> None:
    path = tmp_path / "e.db"
    _fill(path)
    with Store.open(path) as store:
        data = export_range(store, dt.date(2026, 4, 2), dt.date(2026, 4, 2), BERLIN)
        everything = export_range(
            store, dt.date(2026, 4, 1), dt.date(2026, 4, 3), BERLIN, include_unplaced=True
        )
    # The sessions starting 1 April 23:30 and 2 April 23:30 both touch 2 April.
    assert [s["start_local"][:16] for s in data["sessions"]] == ["2026-04-01T23:30", "2026-04-02T23:30"]
    assert len(data["intervals"]) == 2
    assert data["stretch_sets"][0]["holds"][1]["faults"] == ["too_short", "trunk_lean"]
    assert [r["clock_synced"] for r in data["device_log"]] == [1]
    assert [r["clock_synced"] for r in everything["device_log"]] == [1, 0]
    assert everything["device_log"][1]["start_local"] is None  # device time: no wall-clock placement
    assert data["calibrations"][0]["data"] == {"neutral": [0.0, 0.0, 1.0]}
    assert data["clips"][0]["address"] == "AA:00:00:00:00:09"
    rows = list(csv.DictReader(io.StringIO(to_csv(everything))))
    tables = [r["table"] for r in rows]
    assert tables.count("sessions") == 3
    assert tables.count("stretch_holds") == 6
    assert json.loads(next(r["data"] for r in rows if r["table"] == "calibrations")) == {
        "neutral": [0.0, 0.0, 1.0]
    }
    assert {r["faults"] for r in rows if r["table"] == "stretch_holds"} == {"", "too_short;trunk_lean"}


def test_export_command_writes_json_and_csv(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "e.db"
    _fill(path)
    out = tmp_path / "out.json"
    argv = ["--db", str(path), "export", "--from", "2026-04-01", "--to", "2026-04-03", "--format", "json"]
    assert main([*argv, "--out", str(out), "--tz", "Europe/Berlin"]) == 0
    assert "3 sessions" in capsys.readouterr().err
    data = json.loads(out.read_text())
    assert (data["first"], data["last"], data["tz"]) == ("2026-04-01", "2026-04-03", "Europe/Berlin")
    assert (
        main(
            ["--db", str(path), "export", "--from", "2026-04-03", "--format", "csv", "--tz", "Europe/Berlin"]
        )
        == 0
    )
    text = capsys.readouterr().out
    assert text.startswith("table,")
    assert text.count("\nsessions,") == 2
    assert main(["--db", str(path), "export", "--from", "2026-04-03", "--to", "2026-04-01"]) == 2
    assert "before --from" in capsys.readouterr().err
