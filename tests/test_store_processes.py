"""Real processes against one SQLite file: a writer killed with SIGKILL at random points, and a reader
summarising while another process writes.

The child writer runs the real :class:`LiveWriter` over a growing interval that changes state at
seeded random times, and reports each tick's data time through its stdout pipe after handing it to
the writer. The parent reads a seeded random number of reports, then kills it: whatever the child
was doing at that instant (often inside a commit), the file must open, pass ``integrity_check`` and
hold every interval up to at most one second before the last report.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import signal
import subprocess
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from sensorbridge.store.store import Store
from sensorbridge.store.summary import summarise_day

KILLS = 24
TICK_S = 0.05  # data time per call, as a 20 Hz state tick would give
DAY = dt.date(2026, 5, 4)
BERLIN = ZoneInfo("Europe/Berlin")

CHILD = r"""
import random, sys
from sensorbridge.posture import PostureState, SlouchEpisode, StateInterval
from sensorbridge.store.records import Alert
from sensorbridge.store.store import Store
from sensorbridge.store.writer import LiveWriter

path, seed, ticks = sys.argv[1], int(sys.argv[2]), int(sys.argv[4])
offset, tick = float(sys.argv[3]), float(sys.argv[5])
rng = random.Random(seed)
store = Store.open(path)
sid = store.start_session(store.ensure_wearer(), offset)
print(f"session {sid}", flush=True)
writer = LiveWriter(store, sid, clock_offset_s=offset, autoflush=False)
states = [PostureState.UPRIGHT, PostureState.SLOUCHED, PostureState.MOVING]
start, state, change = 0.0, states[0], rng.uniform(0.2, 3.0)
for k in range(1, ticks + 1):
    t = k * tick
    if t >= change:
        writer.interval(StateInterval(start, t, state))  # close the old state where the new one starts
        if state is PostureState.SLOUCHED:
            writer.episode(SlouchEpisode(start, t, 20.0))
            writer.alert(Alert(t))
        start, state, change = t, rng.choice(states), t + rng.uniform(0.2, 3.0)
    writer.interval(StateInterval(start, t, state))
    print(f"{t:.3f}", flush=True)
writer.close(end=ticks * tick)
print("done", flush=True)
"""

# The live path: pipeline-like ticks through PostureRecorder, with hindsight relabels that make the
# writer delete and rewrite recent intervals (in the same transaction as the new rows).
CHILD_RECORDER = r"""
import random, sys
from sensorbridge.posture import Angles, PostureSample, PostureState
from sensorbridge.store.recorder import PostureRecorder
from sensorbridge.store.store import Store
from sensorbridge.store.writer import LiveWriter

path, seed, ticks = sys.argv[1], int(sys.argv[2]), int(sys.argv[4])
offset, tick = float(sys.argv[3]), float(sys.argv[5])
rng = random.Random(seed)
store = Store.open(path)
sid = store.start_session(store.ensure_wearer(), offset)
print(f"session {sid}", flush=True)
rec = PostureRecorder(LiveWriter(store, sid, clock_offset_s=offset, autoflush=False), tick_s=tick)
U, S, M = PostureState.UPRIGHT, PostureState.SLOUCHED, PostureState.MOVING
state, change = U, rng.randint(2, 30)
for k in range(ticks):
    if k >= change:
        state, change = rng.choice([U, S, M]), k + rng.randint(2, 30)
    t = (k + 0.5) * tick
    rec.samples([PostureSample(t, Angles(10.0, 0.0), state)])
    if k % 50 == 49:
        a, b = rng.choice([(U, S), (S, U), (M, U)])
        rec.relabel(t - rng.uniform(2.0, 20.0), t - 1.0, b, {a})
    print(f"{t + tick / 2:.3f}", flush=True)
rec.close(end=ticks * tick)
print("done", flush=True)
"""


def _child(
    path: Path, seed: int, offset: float, ticks: int, script: str = CHILD, tick: float = TICK_S
) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", script, str(path), str(seed), repr(offset), str(ticks), repr(tick)],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
    )


def _session_rows(store: Store, sid: int) -> list[tuple[float, float, str]]:
    return store.conn.execute(
        "SELECT t_start, t_end, state FROM intervals WHERE session_id = ? ORDER BY t_start", (sid,)
    ).fetchall()


@pytest.mark.parametrize(
    ("script", "tick"), [(CHILD, TICK_S), (CHILD_RECORDER, 0.1)], ids=["writer", "recorder"]
)
def test_sigkill_at_random_points_never_corrupts_nor_loses_more_than_a_second(
    tmp_path: Path, script: str, tick: float
) -> None:
    path = tmp_path / "kill.db"
    rng = random.Random(20261124)
    worst_loss = 0.0
    for kill in range(KILLS):
        offset = 1_780_000_000.0 + kill * 100_000.0
        child = _child(path, seed=kill, offset=offset, ticks=1_000_000, script=script, tick=tick)
        assert child.stdout is not None
        sid = int(child.stdout.readline().split()[1])
        reports = rng.randint(1, 600)
        last = 0.0
        for _ in range(reports):
            last = float(child.stdout.readline())
        child.send_signal(signal.SIGKILL)
        child.wait()
        child.stdout.close()
        assert child.returncode == -signal.SIGKILL
        with Store.open(path) as store:
            assert store.integrity_ok(), f"kill {kill}: integrity_check failed"
            rows = _session_rows(store, sid)
        stored_end = rows[-1][1] - offset if rows else 0.0
        loss = last - stored_end
        worst_loss = max(worst_loss, loss)
        assert loss <= 1.0 + 1e-6, f"kill {kill} after {reports} reports lost {loss:.3f} s"
        # The stored intervals tile the session from 0 without holes or overlaps: no torn rows.
        # (Nothing may be stored yet when the kill came within the first second.)
        ends = [0.0] + [b - offset for _, b, _ in rows[:-1]]
        assert [round(a - offset, 6) for a, _, _ in rows] == [round(e, 6) for e in ends[: len(rows)]]
    print(f"{KILLS} kills, worst loss {worst_loss:.3f} s of data")


def test_a_reader_summarises_while_another_process_writes(tmp_path: Path) -> None:
    path = tmp_path / "shared.db"
    offset = dt.datetime.combine(DAY, dt.time(10), tzinfo=BERLIN).timestamp()
    ticks = 4000  # 200 s of data
    with Store.open(path) as store:
        child = _child(path, seed=99, offset=offset, ticks=ticks)
        assert child.stdout is not None
        sid = int(child.stdout.readline().split()[1])
        seen = 0.0
        summaries = 0
        line = child.stdout.readline()
        while line.strip() != "done":
            assert line, "the writer died"
            reported = float(line)
            if round(reported / TICK_S) % 100 == 0:  # every 5 s of data: read, and write something of our own
                day = summarise_day(store, DAY, BERLIN)
                assert day.duration_s >= seen  # what was committed stays committed
                assert day.duration_s <= ticks * TICK_S + 1e-6  # the writer may be ahead of its reports
                seen = day.duration_s
                summaries += 1
                other = store.start_session(store.ensure_wearer("other"), offset + 10_000.0 + reported)
                store.end_session(other, offset + 10_000.0 + reported)
            line = child.stdout.readline()
        assert child.wait() == 0
        child.stdout.close()
        final = summarise_day(store, DAY, BERLIN)
        assert store.integrity_ok()
        assert final.duration_s == pytest.approx(ticks * TICK_S)
        assert store.sessions(offset, offset + 1e6)[0].id == sid
        assert summaries == ticks // 100
