"""`sensorbridge import`: a simulated recording and its CSV twins analysed into the store and summarised."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from sensorbridge.cli import main
from sensorbridge.conventions import Role
from sensorbridge.pipeline.values import ExerciseReport, HoldRecord
from sensorbridge.posture import PostureState, SlouchEpisode, StateInterval
from sensorbridge.sim import WearerStream
from sensorbridge.sim.export import SIM_EPOCH_UNIX, export_scenario
from sensorbridge.store.errors import StoreError
from sensorbridge.store.ingest import ingest_analysis
from sensorbridge.store.store import Store
from sensorbridge.store.summary import summarise_day

BERLIN = ZoneInfo("Europe/Berlin")
SIM_DAY = dt.datetime.fromtimestamp(SIM_EPOCH_UNIX, BERLIN).date()


@pytest.fixture(scope="module")
def sim(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sim")
    export_scenario(WearerStream.create("desk_day", seed=5, duration_s=600.0), out)
    return out


def _cli(db: Path, *argv: str) -> int:
    return main(["--db", str(db), *argv])


def test_a_recording_is_analysed_into_the_store_and_matches_the_truth(
    sim: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TZ", "Europe/Berlin")
    db = tmp_path / "r.db"
    assert _cli(db, "import", str(sim / "recording.sbrec")) == 0
    out = capsys.readouterr().out
    assert "imported session 1" in out
    assert "calibration: calibrated back, head" in out
    truth = json.loads((sim / "truth.json").read_text())["summary"]
    with Store.open(db) as store:
        (session,) = store.sessions(SIM_EPOCH_UNIX - 60, SIM_EPOCH_UNIX + 3600)
        assert session.source == "recording"
        assert session.recording_path == str((sim / "recording.sbrec").resolve())
        assert store.conn.execute("SELECT COUNT(*) FROM session_clips").fetchone() == (2,)
        day = summarise_day(store, SIM_DAY, BERLIN)
    # Every figure within 1 % or 1 s of the truth, except where the calibration window differs: the
    # default window (12 s) is shorter than the scripted hold and bend (24.5 s); that time is upright.
    assert day.duration_s == pytest.approx(truth["duration_s"], abs=1.0)
    assert day.slouched_s == pytest.approx(truth["slouched_s"], abs=max(1.0, 0.01 * truth["slouched_s"]))
    assert day.moving_s == pytest.approx(truth["moving_s"], abs=max(1.0, 0.01 * truth["moving_s"]))
    assert day.not_worn_s == truth["not_worn_s"]
    assert day.no_data_s == truth["no_data_s"]
    assert day.slouch_episodes == truth["slouch_episodes"]
    calibration_shortfall = truth["calibrating_s"] - day.calibrating_s
    assert day.upright_s == pytest.approx(truth["upright_s"] + calibration_shortfall, abs=1.0)


def test_csv_twins_land_at_start_and_agree_with_the_recording(
    sim: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "c.db"
    argv = [
        "import",
        "--back",
        str(sim / "back.csv"),
        "--head",
        str(sim / "head.csv"),
        "--tz",
        "Europe/Berlin",
    ]
    assert _cli(db, *argv, "--calibration", "0:25", "--start", "2026-03-29T01:55:00") == 0
    assert _cli(db, "import", str(sim / "recording.sbrec")) == 0
    capsys.readouterr()
    with Store.open(db) as store:
        csv_day = summarise_day(store, dt.date(2026, 3, 29), BERLIN)  # across the spring DST change
        rec_day = summarise_day(store, SIM_DAY, BERLIN)
        assert store.sessions(0, 2e9)[1].source == "csv"
    assert csv_day.hours[1].start == "2026-03-29T01:00:00+01:00"
    h = csv_day.hours[1]
    recorded = h.upright_s + h.slouched_s + h.moving_s + h.calibrating_s + h.not_worn_s + h.no_data_s
    assert recorded == pytest.approx(300.0, abs=1.0)  # 01:55-02:00, then 03:00-03:05 in the next row
    for key in ("duration_s", "upright_s", "slouched_s", "moving_s", "calibrating_s"):
        a, b = getattr(csv_day, key), getattr(rec_day, key)
        assert a == pytest.approx(b, abs=max(1.0, 0.01 * b)), key
    assert csv_day.slouch_episodes == rec_day.slouch_episodes


def test_the_configured_slouch_angle_applies_to_what_is_imported(
    sim: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The wearer's config (here a 60° slouch angle nobody reaches) decides what the store keeps, as it
    # does for `analyze` and live monitoring.
    recording = str(sim / "recording.sbrec")
    assert _cli(tmp_path / "default.db", "import", recording) == 0
    config = tmp_path / "config.toml"
    config.write_text("slouch_angle_deg = 60.0\n")
    monkeypatch.setenv("SENSORBRIDGE_CONFIG", str(config))
    assert _cli(tmp_path / "lenient.db", "import", recording) == 0
    with Store.open(tmp_path / "default.db") as store:
        default = summarise_day(store, SIM_DAY, BERLIN)
    with Store.open(tmp_path / "lenient.db") as store:
        lenient = summarise_day(store, SIM_DAY, BERLIN)
    assert default.slouch_episodes >= 1
    assert default.slouched_s > 30.0
    assert lenient.slouch_episodes == 0
    assert lenient.slouched_s == 0.0
    assert lenient.duration_s == pytest.approx(default.duration_s)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["import"], "either a RECORDING or --back"),
        (["import", "x.sbrec", "--back", "b.csv"], "either a RECORDING or --back"),
        (["import", "--back", "b.csv", "--calibration", "0:12"], "--start is needed"),
        (["import", "--back", "b.csv", "--calibration", "12", "--start", "2026-01-01T00:00"], "START:END"),
        (["import", "--back", "b.csv", "--calibration", "5:1", "--start", "2026-01-01T00:00"], "before END"),
        (["import", "--back", "b.csv", "--start", "yesterday"], "not an ISO time"),
    ],
)
def test_bad_invocations_say_what_to_do(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    assert _cli(tmp_path / "e.db", *argv) == 2
    err = capsys.readouterr().err
    assert message in err
    assert "what to do" in err


def test_a_file_that_is_not_a_recording_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bogus = tmp_path / "notes.sbrec"
    bogus.write_text("hello")
    assert _cli(tmp_path / "e.db", "import", str(bogus)) == 2
    assert "not a sensorbridge recording" in capsys.readouterr().err
    with Store.open(tmp_path / "e.db") as store:
        assert store.sessions(0, 2e9) == []


@dataclasses.dataclass(frozen=True)
class _Analysis:
    intervals: list[StateInterval]
    slouch_episodes: list[SlouchEpisode]
    exercises: list[ExerciseReport]
    alerts: list[Any] = dataclasses.field(default_factory=list)


def test_ingest_keeps_stretch_holds_and_refuses_an_empty_analysis(tmp_path: Path) -> None:
    holds = (
        HoldRecord(100.0, 105.5, 5.5, True),
        HoldRecord(110.0, 112.0, 2.0, False, ("too_short",)),
        HoldRecord(120.0, 125.0, 5.0, False, ("head_turn", "trunk_lean"), side="left"),
    )
    a = _Analysis(
        [StateInterval(0.0, 200.0, PostureState.UPRIGHT)],
        [],
        [ExerciseReport("lateral_flexion", True, 3, 1, holds), ExerciseReport("chin_tuck", False, 0, 0)],
    )
    t0 = dt.datetime(2026, 7, 1, 8, tzinfo=BERLIN).timestamp()
    with Store.open(tmp_path / "i.db") as store:
        report = ingest_analysis(store, a, start_unix=t0)
        assert report.stretch_sets == 1  # the chin tuck was never attempted: no set
        day = summarise_day(store, dt.date(2026, 7, 1), BERLIN)
        with pytest.raises(StoreError, match="no posture intervals"):
            ingest_analysis(store, _Analysis([], [], []), start_unix=t0)
        assert len(store.sessions(0, 2e9)) == 1
    (st,) = day.stretches
    assert (st["exercise"], st["holds"], st["valid_holds"], st["valid_reps"]) == ("lateral_flexion", 3, 1, 1)
    assert st["faults"] == {"head_turn": 1, "too_short": 1, "trunk_lean": 1}
    assert day.upright_s == 200.0
    assert Role.BACK == 0  # the roles the store writes are the wire's
