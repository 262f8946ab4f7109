"""The live recorder: pipeline ticks and events into stored rows, the same as offline analysis gives."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from sensorbridge.conventions import Role
from sensorbridge.pipeline.analysis import analyze
from sensorbridge.pipeline.live import LivePipeline
from sensorbridge.posture import Angles, PostureSample, PostureState
from sensorbridge.samples import ImuBatch
from sensorbridge.sim import WearerStream
from sensorbridge.store.recorder import PostureRecorder
from sensorbridge.store.store import Store
from sensorbridge.store.summary import summarise_day
from sensorbridge.store.writer import LiveWriter

BERLIN = ZoneInfo("Europe/Berlin")
U, S, M = PostureState.UPRIGHT, PostureState.SLOUCHED, PostureState.MOVING


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store.open(tmp_path / "rec.db") as s:
        yield s


def _rows(store: Store) -> list[tuple[float, float, str]]:
    rows = store.conn.execute("SELECT t_start, t_end, state FROM intervals ORDER BY t_start").fetchall()
    return [(round(a, 6), round(b, 6), s) for a, b, s in rows]


def _ticks(states: str, t0: float = 0.0, flex: float = 5.0) -> list[PostureSample]:
    code = {"u": U, "s": S, "m": M}
    return [PostureSample(t0 + 0.1 * k + 0.05, Angles(flex, 0.0), code[c]) for k, c in enumerate(states)]


def test_ticks_become_runs_and_the_open_run_is_always_stored(store: Store) -> None:
    sid = store.start_session(store.ensure_wearer(), 0.0)
    rec = PostureRecorder(LiveWriter(store, sid, autoflush=False, max_delay_s=0.2))
    rec.samples(_ticks("uuuuusss"))
    assert _rows(store)[0] == (0.0, 0.5, "upright")  # the first run is finished and written
    rec.samples(_ticks("ssmm", t0=0.8))
    rec.close(end=1.2)
    assert _rows(store) == [(0.0, 0.5, "upright"), (0.5, 1.0, "slouched"), (1.0, 1.2, "moving")]
    assert store.conn.execute("SELECT mean_thoracic_flexion FROM intervals LIMIT 1").fetchone() == (5.0,)


def test_a_relabel_rewrites_and_merges_runs(store: Store) -> None:
    sid = store.start_session(store.ensure_wearer(), 0.0)
    rec = PostureRecorder(LiveWriter(store, sid, autoflush=False))
    rec.samples(_ticks("uuuummuuuu"))
    rec.writer.flush()
    assert len(_rows(store)) == 3
    # Hindsight: the "moving" ticks were upright after all; the three runs become one.
    rec.relabel(0.4, 0.6, U, {M})
    rec.writer.flush()
    assert _rows(store) == [(0.0, 1.0, "upright")]
    # A slouch confirmed after its dwell turns upright ticks into slouched ones, splitting the run.
    rec.relabel(0.3, 0.7, S, {U})
    rec.close()
    assert _rows(store) == [(0.0, 0.3, "upright"), (0.3, 0.7, "slouched"), (0.7, 1.0, "upright")]


def test_a_relabel_past_the_horizon_is_counted_and_loses_no_time(store: Store) -> None:
    sid = store.start_session(store.ensure_wearer(), 0.0)
    rec = PostureRecorder(LiveWriter(store, sid, autoflush=False), horizon_s=0.45)
    rec.samples(_ticks("uuuuuuuuuu"))
    rec.relabel(0.0, 1.0, S, {U})
    rec.close()
    assert rec.truncated_relabels == 1
    rows = _rows(store)
    assert (rows[0][0], rows[-1][1]) == (0.0, 1.0)
    assert sum(b - a for a, b, _ in rows) == pytest.approx(1.0)


def _sim_batches(seconds: float) -> dict[Role, ImuBatch]:
    s = WearerStream.create("desk_day", seed=4, duration_s=seconds)
    out = {}
    for role, node in s.nodes.items():
        ch = node.next_chunk(node.samples_until(s.duration_s))
        x = ch.raw.astype(np.float64) * node.settings.lsb()
        out[role] = ImuBatch(role, ch.true_s.copy(), x[:, :3], x[:, 3:])
    return out


def test_live_recording_gives_the_same_day_as_offline_analysis(store: Store, tmp_path: Path) -> None:
    b = _sim_batches(300.0)
    offset = dt.datetime(2026, 5, 6, 9, tzinfo=BERLIN).timestamp()
    sid = store.start_session(store.ensure_wearer(), offset)
    rec = PostureRecorder(LiveWriter(store, sid, clock_offset_s=offset, autoflush=False))
    pipe = LivePipeline()
    pipe.start_calibration(float(b[Role.BACK].t[0]))
    n = 104  # one second of samples per push, as packets arrive
    for k in range(0, len(b[Role.BACK]), n):
        for role in (Role.HEAD, Role.BACK):
            part = ImuBatch(role, b[role].t[k : k + n], b[role].acc[k : k + n], b[role].gyr[k : k + n])
            if len(part):
                rec.samples(pipe.update(part))
        rec.events(pipe.drain())
    rec.samples(pipe.finish())
    rec.events(pipe.drain())
    rec.close(end=float(b[Role.BACK].t[-1]))
    live = summarise_day(store, dt.date(2026, 5, 6), BERLIN)

    offline = analyze(b[Role.BACK], b[Role.HEAD])
    with Store.open(tmp_path / "offline.db") as other:
        from sensorbridge.store.ingest import ingest_analysis

        ingest_analysis(other, offline, start_unix=offset, t0=0.0)
        want = summarise_day(other, dt.date(2026, 5, 6), BERLIN)
        assert _rows(store) == _rows(other)
    for key in (
        "duration_s",
        "upright_s",
        "slouched_s",
        "moving_s",
        "calibrating_s",
        "no_data_s",
        "forward_head_s",
    ):
        assert getattr(live, key) == pytest.approx(getattr(want, key), abs=1e-3), key
    assert live.slouch_episodes == want.slouch_episodes
    assert live.alerts == want.alerts
