"""The live writer: what the live engine and the dashboard call as posture comes in.

Rows are buffered and written in one transaction at least every ``max_delay_s`` (1 s by default), by
whichever comes first: the caller's data clock moving on by ``max_delay_s`` (checked on every call, so a
fast producer can never outrun the promise), the wall clock doing so, or an idle timer thread (so a
quiet link still gets its last rows written). A process killed at any instant therefore loses at most
the last ``max_delay_s`` of data, and SQLite's WAL keeps the file whole.

The interval still growing is passed again and again with the same start; the writer keeps only its
latest form and the store replaces the stored row, so the open interval is on disk up to the last flush.

Times given to the writer are on the caller's clock (the pipeline's seconds); ``clock_offset_s`` is
added to make Unix seconds (``time.time() - time.monotonic()`` for a monotonic clock, 0 for Unix time).
"""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from sensorbridge.posture import SlouchEpisode, StateInterval
from sensorbridge.samples import Gap
from sensorbridge.store.errors import StoreError
from sensorbridge.store.records import Alert, StretchHold, StretchSet
from sensorbridge.store.store import Store

MAX_DELAY_S: Final = 1.0  # the promise: a kill loses at most the last second


@dataclass
class WriterStats:
    flushes: int = 0
    rows_written: int = 0
    failed_flushes: int = 0
    flushed_until: float = float("-inf")  # caller-clock time up to which data is on disk


class LiveWriter:
    """Buffers one session's rows and commits them in batches; see the module docstring.

    ``autoflush`` starts a daemon thread that flushes an idle buffer; tests drive :meth:`flush`
    themselves. An error in that thread is kept and raised by the next call, never swallowed.
    """

    def __init__(
        self,
        store: Store,
        session_id: int,
        *,
        clock_offset_s: float = 0.0,
        max_delay_s: float = MAX_DELAY_S,
        autoflush: bool = True,
        wall_clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not 0 < max_delay_s <= MAX_DELAY_S:
            raise ValueError(f"max_delay_s must be in (0, {MAX_DELAY_S}], got {max_delay_s}")
        self.store = store
        self.session_id = session_id
        self.offset = clock_offset_s
        self.max_delay_s = max_delay_s
        self.stats = WriterStats()
        self._clock = wall_clock
        self._lock = threading.Lock()
        self._intervals: dict[float, StateInterval] = {}
        self._episodes: dict[float, SlouchEpisode] = {}
        self._alerts: list[Alert] = []
        self._sets: list[StretchSet] = []
        self._gaps: list[Gap] = []
        self._newest = float("-inf")
        self._rewrite_from: float | None = None
        self._last_flush_wall = wall_clock()
        self._error: BaseException | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        if autoflush:
            self._thread = threading.Thread(target=self._idle_flusher, name="store-writer", daemon=True)
            self._thread.start()

    # --- what the caller hands in (caller-clock seconds) ----------------------------------------------

    def interval(self, iv: StateInterval) -> None:
        """A finished interval, or the open one as it grows (same start, later end)."""
        with self._lock:
            self._intervals[iv.start] = iv
        self._after_add(iv.end)

    def rewrite_intervals_from(self, t: float) -> None:
        """Intervals starting at or after ``t`` are being rewritten: the next flush deletes the stored
        ones first (in the same transaction), and pending ones from ``t`` on are dropped."""
        with self._lock:
            for start in [s for s in self._intervals if s >= t]:
                del self._intervals[start]
            self._rewrite_from = t if self._rewrite_from is None else min(self._rewrite_from, t)

    def episode(self, ep: SlouchEpisode) -> None:
        """A slouch episode, finished or growing (same start)."""
        with self._lock:
            self._episodes[ep.start] = ep
        self._after_add(ep.end)

    def alert(self, al: Alert) -> None:
        with self._lock:
            self._alerts.append(al)
        self._after_add(al.t)

    def stretch_set(self, s: StretchSet) -> None:
        with self._lock:
            self._sets.append(s)
        self._after_add(s.end)

    def gap(self, g: Gap) -> None:
        with self._lock:
            self._gaps.append(g)
        self._after_add(g.end)

    # --- batching -------------------------------------------------------------------------------------

    def _after_add(self, t: float) -> None:
        self._raise_pending_error()
        with self._lock:
            self._newest = max(self._newest, t)
            if self.stats.flushed_until == float("-inf"):
                self.stats.flushed_until = t  # the clock starts with the first row
            due = (self._newest - self.stats.flushed_until >= self.max_delay_s) or (
                self._clock() - self._last_flush_wall >= self.max_delay_s
            )
        if due:
            self.flush()

    def _raise_pending_error(self) -> None:
        if self._error is not None:
            err, self._error = self._error, None
            raise StoreError(
                f"the store writer failed in the background: {err}",
                hint="the rows are still buffered; fix the cause above and the next flush writes them",
            ) from err

    def flush(self) -> int:
        """Write everything buffered in one transaction; returns the number of rows written."""
        with self._lock:
            o = self.offset
            intervals = [
                dataclasses.replace(iv, start=iv.start + o, end=iv.end + o) for iv in self._intervals.values()
            ]
            episodes = [
                dataclasses.replace(e, start=e.start + o, end=e.end + o) for e in self._episodes.values()
            ]
            alerts = [dataclasses.replace(a, t=a.t + o) for a in self._alerts]
            sets = [_shift_set(s, o) for s in self._sets]
            gaps = [dataclasses.replace(g, start=g.start + o, end=g.end + o) for g in self._gaps]
            count = len(intervals) + len(episodes) + len(alerts) + len(sets) + len(gaps)
            newest = self._newest
            rewrite = None if self._rewrite_from is None else self._rewrite_from + o
            self._last_flush_wall = self._clock()
            if count == 0 and rewrite is None:
                return 0
            try:
                self.store.write(
                    self.session_id,
                    intervals=intervals,
                    episodes=episodes,
                    alerts=alerts,
                    stretch_sets=sets,
                    gaps=gaps,
                    replace_intervals_from=rewrite,
                )
            except BaseException:
                self.stats.failed_flushes += 1
                raise
            # A growing interval passed again later replaces its stored row (same session and start).
            self._intervals.clear()
            self._rewrite_from = None
            self._episodes.clear()
            self._alerts.clear()
            self._sets.clear()
            self._gaps.clear()
            self.stats.flushes += 1
            self.stats.rows_written += count
            self.stats.flushed_until = max(self.stats.flushed_until, newest)
            return count

    def idle_tick(self) -> None:
        """What the timer thread does every half delay: flush if nothing was written for that long."""
        with self._lock:
            due = self._clock() - self._last_flush_wall >= self.max_delay_s / 2
        if due:
            try:
                self.flush()
            except BaseException as e:  # kept and raised to the caller on its next call
                self._error = e

    def _idle_flusher(self) -> None:
        while not self._stop.wait(self.max_delay_s / 2):
            self.idle_tick()

    def close(self, *, end: float | None = None) -> None:
        """Stop the timer, write what is left and, given ``end`` (caller clock), end the session."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        self._raise_pending_error()
        self.flush()
        if end is not None:
            self.store.end_session(self.session_id, end + self.offset)


def _shift_set(s: StretchSet, o: float) -> StretchSet:
    holds = tuple(StretchHold(h.start + o, h.end + o, h.valid, h.faults) for h in s.holds)
    return dataclasses.replace(s, start=s.start + o, end=s.end + o, holds=holds)
