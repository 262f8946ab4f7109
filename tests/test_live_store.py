"""The live engine's store sink: a run of virtual clips lands in a real SQLite file as it streams.

Everything runs on the virtual-time loop (no sleeps; the clips' world time jumps), and every figure
is read back from the database file, through a second connection where the test watches it live.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import math
from pathlib import Path

import pytest

from sensorbridge.conventions import Role
from sensorbridge.live import LiveEngine, LiveError, LiveSnapshot
from sensorbridge.live_store import StoreSink
from sensorbridge.pipeline.live import LiveEvents, LivePipeline
from sensorbridge.posture import Angles, PostureSample, PostureState
from sensorbridge.protocol import LogRecord
from sensorbridge.store.store import Store
from sensorbridge.virtual.clip import ClipSpec
from sensorbridge.virtual.faults import Faults
from sensorbridge.virtual.rig import VirtualSource
from sensorbridge.virtual.timeloop import run_virtual

LOG = tuple(LogRecord(1_790_000_000 + 3600 * i, 40, 15, 2) for i in range(3))


def _run_engine(db: Path, seconds: float, *, calibrate_s: float | None) -> tuple[StoreSink, float, int]:
    """Two virtual clips (the back one dropping 3 % of its notifications and handing over a log)
    through a storing engine for ``seconds`` of world time. Returns the sink, the largest lag seen
    between the newest posture tick and the newest stored interval end, and how often it was checked."""
    lag = {"max": 0.0, "checks": 0}

    async def go() -> StoreSink:
        source = VirtualSource(
            [
                ClipSpec(Role.BACK, Faults(drop_rate=0.03), seed=1, log_records=LOG),
                ClipSpec(Role.HEAD, seed=2),
            ],
            scenario="desk_short",
            seed=3,
        )
        pipeline = LivePipeline(expect_head=True)
        with Store.open(db) as store, Store.open(db) as watcher:
            sink = StoreSink.for_pipeline(store, pipeline.settings, source="virtual", autoflush=False)
            engine = LiveEngine(source, pipeline, vibrate=False, sink=sink)
            cal_started = False

            def watch(snap: LiveSnapshot) -> None:
                nonlocal cal_started
                back = snap.nodes.get(Role.BACK)
                if calibrate_s is not None and not cal_started and back is not None and back.last_t:
                    cal_started = True
                    pipeline.start_calibration(back.last_t, calibrate_s)
                if snap.posture is None or snap.events % 4:
                    return
                with watcher.reading("watch") as c:
                    (stored_end,) = c.execute("SELECT MAX(t_end) FROM intervals").fetchone()
                if stored_end is not None:  # from the first flush on
                    lag["max"] = max(lag["max"], snap.posture.t - stored_end)
                    lag["checks"] += 1

            engine.subscribe(watch)
            task = asyncio.ensure_future(engine.run())
            await source.started.wait()  # the world clock exists once the engine opened the source
            await source.air.clock.sleep(seconds)
            engine.stop()
            await task
            return sink

    sink = run_virtual(go())
    return sink, lag["max"], int(lag["checks"])


def test_a_live_run_is_one_stored_session_with_its_gaps_log_and_calibrations(tmp_path: Path) -> None:
    db = tmp_path / "live.db"
    sink, max_lag, checks = _run_engine(db, 40.0, calibrate_s=12.0)
    st = sink.stats
    assert st.session_id is not None
    assert st.start is not None
    assert st.end is not None
    with Store.open(db) as store:
        sessions = store.sessions(st.start - 1, st.end + 1)
        assert [(s.id, s.source, s.recording_path) for s in sessions] == [(st.session_id, "virtual", None)]
        assert sessions[0].end == pytest.approx(st.end)
        c = store.conn
        clips = c.execute(
            "SELECT c.role FROM session_clips s JOIN clips c ON c.id = s.clip_id WHERE s.session_id = ?",
            (st.session_id,),
        ).fetchall()
        assert sorted(r for (r,) in clips) == [int(Role.BACK), int(Role.HEAD)]
        # The intervals tile the stream: no overlap, and they cover it to within a tick.
        rows = c.execute("SELECT t_start, t_end, state FROM intervals ORDER BY t_start").fetchall()
        assert all(a[1] <= b[0] + 1e-6 for a, b in itertools.pairwise(rows))
        covered = sum(b - a for a, b, _ in rows)
        assert covered == pytest.approx(st.end - st.start, abs=0.3)
        assert "calibrating" in {s for _, _, s in rows}
        # The 3 % drop on the back clip left gaps; each is stored with what was lost.
        gaps = c.execute("SELECT COUNT(*), SUM(samples_lost) FROM gaps").fetchone()
        assert gaps[0] > 0
        assert gaps[1] >= gaps[0]
        # The clip's log was stored the moment it was handed over, hour by hour.
        logged = c.execute(
            "SELECT hour_start, upright_min, slouched_min FROM device_log ORDER BY 1"
        ).fetchall()
        assert logged == [(r.hour_start, r.upright_min, r.slouched_min) for r in LOG]
        assert (st.log_hours_new, st.log_hours_known) == (3, 0)
        # Both clips calibrated; each calibration is in force from the end of the window.
        cals = c.execute("SELECT role, in_force_from FROM calibrations").fetchall()
        assert sorted(r for r, _ in cals) == [int(Role.BACK), int(Role.HEAD)]
        assert all(st.start + 11.0 < t < st.start + 13.0 for _, t in cals)
        assert store.calibration_at(1, Role.BACK, st.end) is not None
    # Written as it ran: the stored intervals never trailed the newest tick by more than a second
    # (plus a tick and a batch), and there were about as many transactions as seconds streamed.
    assert checks > 80
    assert max_lag <= 1.0 + 0.2
    assert st.flushes >= 30


def test_the_store_sink_refuses_posture_before_any_samples(tmp_path: Path) -> None:
    with Store.open(tmp_path / "s.db") as store:
        sink = StoreSink(store, autoflush=False)
        tick = PostureSample(1.0, Angles(1.0, 0.0, None, None, None), PostureState.UPRIGHT)
        with pytest.raises(LiveError, match="before any samples"):
            sink.samples([tick])
        with pytest.raises(LiveError, match="before any samples"):
            sink.events(LiveEvents(alerts=[object()]))  # type: ignore[list-item]
        sink.events(LiveEvents())  # nothing to store: fine
        sink.close()  # no session was opened: nothing to end
        assert sink.session_id is None
        assert store.conn.execute("SELECT COUNT(*) FROM sessions").fetchone() == (0,)


def test_a_log_handed_over_twice_is_stored_once(tmp_path: Path) -> None:
    with Store.open(tmp_path / "s.db") as store:
        sink = StoreSink(store, autoflush=False, now=lambda: 1_800_000_000.0)
        assert sink.device_log(Role.BACK, "C1:00:00:00:00:01", LOG) == (3, 0)
        assert sink.device_log(Role.BACK, "C1:00:00:00:00:01", LOG[1:]) == (0, 2)
        assert sink.device_log(Role.HEAD, None, LOG[:1]) == (1, 0)  # an unknown address still keeps it
        rows = store.conn.execute("SELECT COUNT(*), MIN(read_at) FROM device_log").fetchone()
        assert rows == (4, 1_800_000_000.0)
        assert store.conn.execute("SELECT address, bonded FROM clips ORDER BY id").fetchall() == [
            ("C1:00:00:00:00:01", 1),
            ("unknown-head", 0),
        ]


# --- the commands -------------------------------------------------------------------------------------


def _day_of(db: Path) -> str:
    with Store.open(db) as store:
        (start,) = store.conn.execute("SELECT MIN(started_at) FROM sessions").fetchone()
    return dt.datetime.fromtimestamp(start).date().isoformat()  # the summary's local day


def _summary(db: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, object]:
    import json

    from sensorbridge.cli import main

    capsys.readouterr()
    assert main(["--db", str(db), "summary", "--json", "--date", _day_of(db)]) == 0
    out: dict[str, object] = json.loads(capsys.readouterr().out)
    return out


STATE_KEYS = ("upright_s", "slouched_s", "moving_s", "not_worn_s", "no_data_s", "calibrating_s")


def test_monitor_writes_its_session_into_the_database(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from sensorbridge.cli import main

    db = tmp_path / "monitor.db"
    argv = ["--db", str(db), "monitor", "--virtual", "desk_short", "--duration", "30", "--speed", "inf"]
    assert main([*argv, "--json"]) == 0
    assert f"stored in {db}: session 1" in capsys.readouterr().err
    day = _summary(db, capsys)
    duration = float(day["duration_s"])  # type: ignore[arg-type]
    assert math.fsum(float(day[k]) for k in STATE_KEYS) == pytest.approx(duration, abs=0.01)  # type: ignore[arg-type]
    assert duration == pytest.approx(30.0, abs=1.0)
    assert float(day["no_data_s"]) < 0.5  # type: ignore[arg-type]


def test_monitor_no_store_leaves_no_database(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from sensorbridge.cli import main

    db = tmp_path / "untouched.db"
    argv = ["--db", str(db), "monitor", "--virtual", "desk_short", "--duration", "3", "--speed", "inf"]
    assert main([*argv, "--no-store"]) == 0
    assert "stored in" not in capsys.readouterr().err
    assert not db.exists()


def test_recorded_day_in_the_store_matches_analyze_of_the_recording(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    from sensorbridge.cli import main

    db, rec = tmp_path / "record.db", tmp_path / "day.sbrec"
    argv = ["--db", str(db), "record", "--out", str(rec), "--virtual", "desk_short", "--duration", "150"]
    assert main([*argv, "--speed", "inf", "--calibrate", "25"]) == 0
    err = capsys.readouterr().err
    assert "2 calibrations" in err
    with Store.open(db) as store:
        paths = store.conn.execute("SELECT recording_path, source FROM sessions").fetchall()
    assert paths == [(str(rec.resolve()), "virtual")]
    day = _summary(db, capsys)
    assert main(["analyze", str(rec), "--calibration", "0:25", "--json", "-"]) == 0  # the same 25 s
    offline = json.loads(capsys.readouterr().out)["summary"]
    for key in ("duration_s", *STATE_KEYS):
        assert float(day[key]) == pytest.approx(offline[key], abs=1.0), key  # type: ignore[arg-type]
    assert day["slouch_episodes"] == offline["slouch_episodes"]
    assert offline["slouch_episodes"] >= 1  # the scenario's first slouch
    assert offline["slouched_s"] > 20.0


def test_a_stretch_set_lands_in_the_session_on_the_unix_clock(tmp_path: Path) -> None:
    import numpy as np

    from sensorbridge.pipeline.values import ExerciseReport, HoldRecord
    from sensorbridge.samples import ImuBatch

    with Store.open(tmp_path / "s.db") as store:
        # A host clock 1e9 s behind Unix time: every stored time carries the offset.
        sink = StoreSink(store, autoflush=False, clock_offset_s=1.0e9, source="dashboard")
        t = np.arange(0.0, 2.0, 0.01) + 700_000_000.0
        sink.batch(ImuBatch(Role.BACK, t, np.zeros((t.size, 3)), np.zeros((t.size, 3))))
        holds = (
            HoldRecord(t[10], t[10] + 5.2, 5.2, True),
            HoldRecord(t[50], t[50] + 3.0, 3.0, False, ("too_short",)),
        )
        sink.exercise(ExerciseReport("chin_tuck", True, 2, 1, holds))
        sink.close()
        (sid, start, end, source) = store.conn.execute(
            "SELECT id, started_at, ended_at, source FROM sessions"
        ).fetchone()
        assert (sid, source) == (sink.session_id, "dashboard")
        assert start == pytest.approx(t[0] + 1.0e9)
        assert end == pytest.approx(t[-1] + 1.0e9)
        row = store.conn.execute(
            "SELECT exercise, t_start, attempts, valid_reps FROM stretch_sets"
        ).fetchone()
        assert row == ("chin_tuck", pytest.approx(t[10] + 1.0e9), 2, 1)
        faults = store.conn.execute("SELECT fault FROM hold_faults").fetchall()
        assert faults == [("too_short",)]


def test_a_dropped_link_stays_in_one_session_as_a_gap_and_no_data(tmp_path: Path) -> None:
    from sensorbridge.store.localtime import local_date, local_zone
    from sensorbridge.store.summary import summarise_day

    db = tmp_path / "drops.db"

    async def go() -> tuple[StoreSink, LiveSnapshot]:
        source = VirtualSource(
            [ClipSpec(Role.BACK, Faults(disconnect_every_s=15.0), seed=1)], scenario="desk_short", seed=3
        )
        pipeline = LivePipeline()
        with Store.open(db) as store:
            sink = StoreSink.for_pipeline(store, pipeline.settings, autoflush=False)
            engine = LiveEngine(source, pipeline, vibrate=False, sink=sink)
            task = asyncio.ensure_future(engine.run())
            await source.started.wait()
            await source.air.clock.sleep(50.0)
            engine.stop()
            return sink, await task

    sink, snap = run_virtual(go())
    back = snap.nodes[Role.BACK]
    assert back.gaps >= 2  # the link dropped and came back
    assert sink.stats.start is not None
    with Store.open(db) as store:
        assert store.conn.execute("SELECT COUNT(*) FROM sessions").fetchone() == (1,)
        n, lost, seconds = store.conn.execute(
            "SELECT COUNT(*), SUM(samples_lost), SUM(t_end - t_start) FROM gaps"
        ).fetchone()
        tz = local_zone()
        day = summarise_day(store, local_date(sink.stats.start, tz), tz)
    assert (n, lost) == (back.gaps, back.samples_lost)  # each outage stored with what it lost
    assert day.no_data_s == pytest.approx(seconds, abs=0.5)  # the outages, never counted as upright
    assert day.duration_s == pytest.approx(50.0, abs=1.0)
