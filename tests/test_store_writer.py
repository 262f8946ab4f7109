"""The live writer: batches, the one-second promise, the growing interval, the clock offset."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from sensorbridge.posture import PostureState, SlouchEpisode, StateInterval
from sensorbridge.store.errors import StoreError
from sensorbridge.store.records import Alert
from sensorbridge.store.store import Store
from sensorbridge.store.writer import LiveWriter

OFFSET = 1_780_000_000.0


class FakeWall:
    """A wall clock the test moves by hand (the writer also flushes on the wall clock)."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store.open(tmp_path / "w.db") as s:
        yield s


def _stored_end(store: Store) -> float:
    value = store.conn.execute("SELECT MAX(t_end) FROM intervals").fetchone()[0]
    return float("-inf") if value is None else float(value) - OFFSET


def test_data_clock_forces_a_flush_every_second(store: Store) -> None:
    sid = store.start_session(store.ensure_wearer(), OFFSET)
    w = LiveWriter(store, sid, clock_offset_s=OFFSET, autoflush=False, wall_clock=FakeWall())
    # 0.1 s ticks of one growing interval, then a state change: never more than 1 s unwritten.
    for k in range(1, 51):
        t = 0.1 * k
        w.interval(
            StateInterval(
                0.0 if t <= 3.0 else 3.0, t, PostureState.UPRIGHT if t <= 3.0 else PostureState.SLOUCHED
            )
        )
        assert t - max(_stored_end(store), 0.0) <= 1.0 + 1e-9
    assert w.stats.flushes >= 4
    w.close(end=5.0)
    rows = store.conn.execute(
        "SELECT t_start - ?, t_end - ?, state FROM intervals ORDER BY t_start", (OFFSET, OFFSET)
    )
    assert [(round(a, 6), round(b, 6), s) for a, b, s in rows] == [
        (0.0, 3.0, "upright"),
        (3.0, 5.0, "slouched"),
    ]
    assert store.sessions(OFFSET, OFFSET + 10)[0].end == OFFSET + 5.0


def test_wall_clock_forces_a_flush_when_data_time_stands_still(store: Store) -> None:
    sid = store.start_session(store.ensure_wearer(), OFFSET)
    wall = FakeWall()
    w = LiveWriter(store, sid, clock_offset_s=OFFSET, autoflush=False, wall_clock=wall)
    w.alert(Alert(1.0))
    assert store.conn.execute("SELECT COUNT(*) FROM alerts").fetchone() == (0,)
    wall.now = 1.0
    w.episode(SlouchEpisode(0.5, 1.0, 20.0))
    assert store.conn.execute("SELECT COUNT(*) FROM alerts").fetchone() == (1,)
    assert store.conn.execute("SELECT t_start FROM slouch_episodes").fetchone() == (OFFSET + 0.5,)
    w.close()


def test_the_idle_thread_writes_without_further_calls(store: Store) -> None:
    sid = store.start_session(store.ensure_wearer(), OFFSET)
    wall = FakeWall()
    w = LiveWriter(store, sid, clock_offset_s=OFFSET, autoflush=False, wall_clock=wall)
    w.interval(StateInterval(0.0, 0.2, PostureState.UPRIGHT))
    wall.now = 0.4
    w.idle_tick()  # too soon: nothing written
    assert _stored_end(store) == float("-inf")
    wall.now = 0.6
    w.idle_tick()
    assert _stored_end(store) == pytest.approx(0.2)
    w.close()


def test_a_failed_background_flush_is_raised_on_the_next_call(store: Store) -> None:
    sid = store.start_session(store.ensure_wearer(), OFFSET)
    wall = FakeWall()
    w = LiveWriter(store, sid, clock_offset_s=OFFSET, autoflush=False, wall_clock=wall)
    w.session_id = 999  # no such session: the foreign key refuses the rows
    w.interval(StateInterval(0.0, 0.2, PostureState.UPRIGHT))
    wall.now = 0.6
    w.idle_tick()
    assert w.stats.failed_flushes == 1
    with pytest.raises(StoreError, match="background"):
        w.interval(StateInterval(0.0, 0.3, PostureState.UPRIGHT))
    w.session_id = sid  # the buffered rows are kept and written once the cause is fixed
    w.close()
    assert _stored_end(store) == pytest.approx(0.3)


def test_max_delay_cannot_exceed_the_promise(store: Store) -> None:
    with pytest.raises(ValueError, match="max_delay_s"):
        LiveWriter(store, 1, max_delay_s=2.0, autoflush=False)


def test_autoflush_thread_stops_on_close(store: Store) -> None:
    sid = store.start_session(store.ensure_wearer(), OFFSET)
    w = LiveWriter(store, sid, clock_offset_s=OFFSET)
    w.interval(StateInterval(0.0, 0.3, PostureState.MOVING))
    w.close()
    assert w._thread is not None
    assert not w._thread.is_alive()
    assert _stored_end(store) == pytest.approx(0.3)


def test_a_flushing_thread_and_a_summarising_thread_share_one_store(store: Store) -> None:
    import datetime as dt
    import threading

    from sensorbridge.store.summary import summarise_day

    sid = store.start_session(store.ensure_wearer(), OFFSET)
    w = LiveWriter(store, sid, clock_offset_s=OFFSET, autoflush=False)
    day = dt.datetime.fromtimestamp(OFFSET, dt.UTC).date()
    start = threading.Barrier(2)
    errors: list[BaseException] = []
    seen: list[float] = []

    def write() -> None:
        start.wait()
        try:
            for k in range(1, 301):
                w.interval(StateInterval(0.0, 0.1 * k, PostureState.UPRIGHT))
                w.flush()
        except BaseException as e:
            errors.append(e)

    def read() -> None:
        start.wait()
        try:
            for _ in range(100):
                seen.append(summarise_day(store, day, dt.UTC).upright_s)
        except BaseException as e:
            errors.append(e)

    threads = [threading.Thread(target=write), threading.Thread(target=read)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert seen == sorted(seen)  # each summary sees a whole commit, never a step back
    assert summarise_day(store, day, dt.UTC).upright_s == pytest.approx(30.0)
