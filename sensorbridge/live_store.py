"""What a live run measures, into the store as it happens: the :class:`LiveEngine`'s store sink.

One run of the engine (the host connected to its clips, from the first sample to the last) is one
session row; a link that drops and comes back inside the run is a gap in that session, not a new
one. Posture ticks and the pipeline's events go through :class:`~sensorbridge.store.recorder.PostureRecorder`
and its :class:`~sensorbridge.store.writer.LiveWriter` (batched, written at least once a second), so
intervals are formed exactly as offline ``analyze`` forms them. Two things bypass the batching
because losing them costs more than a transaction: a clip's on-device log (the clip clears it as soon
as it is handed over) and a new calibration.

Times handed in are the samples' host seconds; ``clock_offset_s`` turns them into Unix seconds (0 for
the BLE client and the virtual clips, whose host clock is already Unix time).

Core module: no radio, no screen.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sensorbridge.conventions import Role
from sensorbridge.live import LiveError
from sensorbridge.posture import PostureSample
from sensorbridge.protocol import LogRecord
from sensorbridge.samples import ImuBatch
from sensorbridge.source import LinkEvent
from sensorbridge.store.recorder import PostureRecorder
from sensorbridge.store.store import Store
from sensorbridge.store.writer import LiveWriter


@dataclass
class SinkStats:
    """What the sink stored. ``log_hours_new`` / ``log_hours_known``: clip log hours stored for the
    first time / already there (a log read twice counts once)."""

    session_id: int | None = None
    start: float | None = None  # Unix seconds
    end: float | None = None
    calibrations: int = 0
    log_hours_new: int = 0
    log_hours_known: int = 0
    flushes: int = 0  # the writer's transactions (known once the sink is closed)
    rows_written: int = 0


class StoreSink:
    """Writes one live run into ``store``; see the module docstring.

    ``tick_s`` and ``forward_head_deg`` must be the pipeline's (``1 / settings.stream.tick_hz`` and
    ``settings.slouch.forward_head_deg``) so live intervals match offline ones. ``recording_path`` is
    the ``.sbrec`` holding this run's raw packets, when one is written. ``autoflush`` starts the
    writer's idle-flush thread (tests drive time themselves and may turn it off).
    """

    def __init__(
        self,
        store: Store,
        *,
        recording_path: Path | str | None = None,
        source: str = "live",
        wearer: str = "me",
        tick_s: float = 0.1,
        forward_head_deg: float = 20.0,
        clock_offset_s: float = 0.0,
        autoflush: bool = True,
        now: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self.recording_path = None if recording_path is None else str(recording_path)
        self.source = source
        self.offset = clock_offset_s
        self.stats = SinkStats()
        self._tick_s = tick_s
        self._fh_deg = forward_head_deg
        self._autoflush = autoflush
        self._now = now
        self._wearer_id = store.ensure_wearer(wearer)
        self._clips: dict[str, int] = {}  # address -> clip id
        self._recorder: PostureRecorder | None = None
        self._last_t: float | None = None

    @classmethod
    def for_pipeline(cls, store: Store, settings: Any, **kwargs: Any) -> StoreSink:
        """A sink whose intervals use ``settings``' (a ``PipelineSettings``) tick and forward-head angle."""
        return cls(
            store,
            tick_s=1.0 / float(settings.stream.tick_hz),
            forward_head_deg=float(settings.slouch.forward_head_deg),
            **kwargs,
        )

    @property
    def session_id(self) -> int | None:
        return self.stats.session_id

    def _clip_id(self, role: Role, address: str | None) -> int:
        key = address or f"unknown-{role.name.lower()}"
        if key not in self._clips:
            self._clips[key] = self.store.upsert_clip(key, role, bonded=address is not None)
            if self.stats.session_id is not None:
                self.store.link_clip(self.stats.session_id, self._clips[key])
        return self._clips[key]

    def link(self, event: LinkEvent) -> None:
        """A link changed: a clip with a known address is recorded (and tied to the session)."""
        if event.address is not None:
            self._clip_id(event.role, event.address)

    def batch(self, batch: ImuBatch) -> None:
        """A chunk of samples arrived (before the pipeline saw it): the first one opens the session."""
        if len(batch) == 0:
            return
        t0, t1 = float(batch.t[0]), float(batch.t[-1])
        if self._recorder is None:
            start = t0 + self.offset
            sid = self.store.start_session(
                self._wearer_id,
                start,
                recording_path=self.recording_path,
                source=self.source,
                clip_ids=sorted(set(self._clips.values())),
            )
            self.stats.session_id, self.stats.start = sid, start
            writer = LiveWriter(self.store, sid, clock_offset_s=self.offset, autoflush=self._autoflush)
            self._recorder = PostureRecorder(writer, tick_s=self._tick_s, forward_head_deg=self._fh_deg)
        self._last_t = t1 if self._last_t is None else max(self._last_t, t1)

    def samples(self, samples: Sequence[PostureSample]) -> None:
        """The pipeline's final ticks (``LivePipeline.update`` / ``finish``)."""
        if samples:
            self._require().samples(samples)

    def events(self, events: Any) -> None:
        """A drained :class:`~sensorbridge.pipeline.live.LiveEvents`: relabels, alerts, episodes, gaps."""
        if self._recorder is not None:
            self._recorder.events(events)
        elif any(getattr(events, k, ()) for k in ("relabels", "alerts", "episodes", "gaps")):
            self._require()  # events with no sample before them: a bug upstream, said loudly

    def exercise(self, report: Any) -> None:
        """A finished stretch set (``LivePipeline.stop_exercise``'s ``ExerciseReport``, host s)."""
        self._require().exercise(report)

    def calibrated(self, calibrations: Mapping[Role, Any], in_force_from: float) -> None:
        """New calibrations (``ClipCalibration`` per role), in force from ``in_force_from`` (host s)."""
        for role, cal in calibrations.items():
            self.store.add_calibration(
                self._wearer_id,
                role,
                cal.to_dict(),
                format_version=int(cal.version),
                in_force_from=in_force_from + self.offset,
            )
            self.stats.calibrations += 1

    def device_log(self, role: Role, address: str | None, records: Sequence[LogRecord]) -> tuple[int, int]:
        """A clip's on-device log, stored now (the clip has already cleared it); (new, known) hours."""
        new, known = self.store.add_device_log(self._clip_id(role, address), records, read_at=self._now())
        self.stats.log_hours_new += new
        self.stats.log_hours_known += known
        return new, known

    def close(self, end: float | None = None) -> None:
        """Write what is buffered and end the session at ``end`` (host s; default: the newest sample)."""
        if self._recorder is None:
            return
        end = self._last_t if end is None else end
        recorder, self._recorder = self._recorder, None
        recorder.close(end=end)
        self.stats.end = None if end is None else end + self.offset
        self.stats.flushes = recorder.writer.stats.flushes
        self.stats.rows_written = recorder.writer.stats.rows_written

    def _require(self) -> PostureRecorder:
        if self._recorder is None:
            raise LiveError(
                "posture arrived before any samples opened the session",
                hint="this is a bug in the estimator feeding the engine",
            )
        return self._recorder
