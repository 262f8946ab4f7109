"""`sensorbridge import RECORDING` reads the recording chunk by chunk: the store must hold exactly what
importing the whole input at once stored (the clips decoded whole, :func:`analyze` over them), row for
row, including gaps, alerts and calibrations; a torn tail is noted and a recording without the back clip
refused, as before."""

from __future__ import annotations

import datetime as dt
import shutil
import sqlite3
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from sensorbridge.cli import main
from sensorbridge.commands.import_ import TIMELINE_HZ, import_recording
from sensorbridge.conventions import Role
from sensorbridge.pipeline.analysis import analyze
from sensorbridge.recording import RecordingReader, RecordingWriter
from sensorbridge.sim import WearerStream
from sensorbridge.sim.export import SIM_EPOCH_UNIX, LinkFaults, export_scenario
from sensorbridge.store.ingest import IngestReport, ingest_analysis
from sensorbridge.store.store import Store
from sensorbridge.store.summary import summarise_day

UTC = ZoneInfo("UTC")
# Columns stamped with the time the rows were written, not with anything the recording says.
WRITE_TIME_COLUMNS = {"created_at", "last_seen", "read_at"}


@pytest.fixture(scope="module")
def recording(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two clips, 15 min of desk work, 1 % of packets lost and a 20-s outage: gaps to store too."""
    out = tmp_path_factory.mktemp("rec")
    stream = WearerStream.create("desk_day", seed=7, duration_s=900.0)
    export_scenario(stream, out, write_csv=False, faults=LinkFaults(0.01, ((300.0, 20.0),)))
    return out / "recording.sbrec"


def import_whole(store: Store, path: Path, window: tuple[float, float] | None) -> IngestReport:
    """What ``import RECORDING`` did before it read in chunks: each clip decoded whole on the host
    clock, :func:`analyze` over both, the result stored as it is stored now."""
    reader = RecordingReader.open(path)
    back = reader.load_node(Role.BACK, clock="host").batch
    head = reader.load_node(Role.HEAD, clock="host").batch
    zero = float(back.t[0])
    absolute = None if window is None else (zero + window[0], zero + window[1])
    analysis = analyze(back, head, calibration_window=absolute)
    clips = []
    for role in (Role.BACK, Role.HEAD):
        meta = reader.metadata(role)
        if meta.get("address"):
            clips.append(store.upsert_clip(str(meta["address"]), role, firmware=meta.get("firmware")))
    report = ingest_analysis(
        store,
        analysis,
        start_unix=float(analysis.intervals[0].start),
        source="recording",
        recording_path=str(path.resolve()),
        clip_ids=clips,
    )
    if analysis.calibration.ok:
        wearer = store.ensure_wearer("me")
        for role, cal in analysis.calibrations.items():
            if cal.neutral_measured:
                store.add_calibration(
                    wearer, role, cal.to_dict(), format_version=cal.version, in_force_from=report.start_unix
                )
    return report


def rows(db: Path) -> dict[str, list[tuple[object, ...]]]:
    """Every table's rows in insertion order, without the write-time columns."""
    conn = sqlite3.connect(db)
    try:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        out = {}
        for table in tables:
            cols = [r[1] for r in conn.execute(f"PRAGMA table_info({table})")]
            keep = ", ".join(c for c in cols if c not in WRITE_TIME_COLUMNS)
            out[table] = conn.execute(f"SELECT {keep} FROM {table} ORDER BY rowid").fetchall()
        return out
    finally:
        conn.close()


@pytest.mark.parametrize("window", [None, (1.0, 26.0)])
def test_the_chunked_import_stores_what_the_whole_input_import_stored(
    recording: Path, tmp_path: Path, window: tuple[float, float] | None
) -> None:
    with Store.open(tmp_path / "whole.db") as store:
        want = import_whole(store, recording, window)
        want_day = summarise_day(store, dt.datetime.fromtimestamp(SIM_EPOCH_UNIX, UTC).date(), UTC)
    with Store.open(tmp_path / "chunked.db") as store:
        got, analysis = import_recording(store, recording, window=window)
        got_day = summarise_day(store, dt.datetime.fromtimestamp(SIM_EPOCH_UNIX, UTC).date(), UTC)
    assert got == want
    # The comparison covers gap, alert and episode rows too.
    assert min(got.gaps, got.alerts, got.episodes) > 0
    stored, reference = rows(tmp_path / "chunked.db"), rows(tmp_path / "whole.db")
    assert len(stored["intervals"]) == got.intervals
    assert len(stored["calibrations"]) == 2
    assert stored == reference
    assert got_day == want_day
    assert analysis.timeline_hz == TIMELINE_HZ  # only the sparse timeline was kept
    assert len(analysis.timeline.t) <= 900.0 * TIMELINE_HZ + 2


def test_a_torn_tail_is_noted_and_everything_before_it_stored(
    recording: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    torn = tmp_path / "torn.sbrec"
    shutil.copyfile(recording, torn)
    with torn.open("r+b") as f:
        f.truncate(torn.stat().st_size - 7)  # the writer killed mid-record
    assert main(["--db", str(tmp_path / "chunked.db"), "import", str(torn)]) == 0
    assert "ends in a torn record" in capsys.readouterr().err
    with Store.open(tmp_path / "whole.db") as store:
        import_whole(store, torn, None)
    assert rows(tmp_path / "chunked.db") == rows(tmp_path / "whole.db")


def test_a_recording_without_the_back_clip_is_refused(
    recording: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    packets, host = RecordingReader.open(recording).packets(Role.HEAD)
    head_only = tmp_path / "head.sbrec"
    with RecordingWriter(head_only, autoflush=False) as w:
        for data, t in zip(packets[:200], host[:200].tolist(), strict=True):
            w.write_packet(Role.HEAD, t, data)
    assert main(["--db", str(tmp_path / "e.db"), "import", str(head_only)]) == 2
    err = capsys.readouterr().err
    assert "holds no back-clip packets" in err
    assert "what to do" in err
    with Store.open(tmp_path / "e.db") as store:
        assert store.sessions(0, 2e9) == []
