"""The live engine behind ``sensorbridge monitor`` and the dashboard.

It drains a :class:`~sensorbridge.source.SampleSource`, feeds sample batches to a posture estimator,
keeps per-node link status and loss counts, and publishes a :class:`LiveSnapshot` after every event,
to callbacks and to async iterators. Alerts go back to the clip through the source's
:class:`~sensorbridge.source.CommandSink`, when it has one.

Core module: no radio, no screen. Usage::

    engine = LiveEngine(source, LivePipeline(), sink=StoreSink(store))   # sink: optional
    engine.subscribe(lambda snap: print(snap.posture))
    await engine.run()          # until the source ends or engine.stop()

With a sink (:class:`sensorbridge.live_store.StoreSink`) every front end stores what it streams by
construction: samples, ticks, the pipeline's events, new calibrations, links and clip logs go to it
as they are handled, and the end of the run (or :meth:`LiveEngine.finish`) flushes and closes it.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Coroutine, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Protocol, runtime_checkable

from sensorbridge.conventions import Role
from sensorbridge.errors import SensorbridgeError
from sensorbridge.posture import PostureSample
from sensorbridge.protocol import Command, LogRecord, Response, Result, Vibrate, VibrationPattern
from sensorbridge.samples import Gap, ImuBatch
from sensorbridge.source import CommandSink, LinkEvent, LinkState, LogRecordsEvent, SampleSource, SourceEvent


class LiveError(SensorbridgeError):
    """The live engine cannot do what was asked."""


class PostureEstimator(Protocol):
    """The pipeline's live API (:class:`sensorbridge.pipeline.live.LivePipeline`): batches in,
    posture samples out (possibly none yet)."""

    def update(self, batch: ImuBatch) -> list[PostureSample]: ...


class _AlertLike(Protocol):
    @property
    def level(self) -> int: ...


class _DrainedLike(Protocol):
    @property
    def alerts(self) -> Sequence[_AlertLike]: ...


@runtime_checkable
class _Drains(Protocol):
    def drain(self) -> _DrainedLike: ...


class LiveSink(Protocol):
    """Where a live run is kept (:class:`sensorbridge.live_store.StoreSink`). Times are host seconds."""

    def link(self, event: LinkEvent) -> None: ...

    def batch(self, batch: ImuBatch) -> None: ...  # before the estimator sees it

    def samples(self, samples: Sequence[PostureSample]) -> None: ...  # the estimator's final ticks

    def events(self, events: Any) -> None: ...  # what the estimator's drain() returned

    def calibrated(self, calibrations: Mapping[Role, Any], in_force_from: float) -> None: ...

    def device_log(
        self, role: Role, address: str | None, records: Sequence[LogRecord]
    ) -> tuple[int, int]: ...

    def close(self, end: float | None = None) -> None: ...


@dataclass(frozen=True)
class CalibrationOutcome:
    """How the latest calibration went, as the pipeline said (``message``; ``hint`` if refused)."""

    ok: bool
    message: str
    hint: str | None = None


@dataclass(frozen=True)
class NodeStatus:
    """What the host knows about one node. ``samples`` received, ``gaps`` reported and
    ``samples_lost`` in them; ``last_t`` host seconds of the newest sample."""

    role: Role
    state: LinkState = LinkState.IDLE
    message: str = ""
    battery: int | None = None
    rssi: int | None = None
    rate_hz: int | None = None
    samples: int = 0
    gaps: int = 0
    samples_lost: int = 0
    last_t: float | None = None
    address: str | None = None


@dataclass(frozen=True)
class LiveSnapshot:
    """The engine's latest view. ``posture`` is the newest posture sample (None before the first);
    ``events`` counts every event consumed; ``log_records`` those the clips handed over."""

    nodes: dict[Role, NodeStatus] = field(default_factory=dict)
    posture: PostureSample | None = None
    events: int = 0
    log_records: int = 0
    alerts: int = 0  # alerts the pipeline raised
    alerts_sent: int = 0  # vibrations the clip accepted
    alert_failures: int = 0  # vibrations that could not be delivered (link down, refused)
    calibration: CalibrationOutcome | None = None  # the latest calibration the pipeline finished


Listener = Callable[[LiveSnapshot], None]


class LiveEngine:
    """Consumes one source; see the module docstring."""

    def __init__(
        self,
        source: SampleSource,
        estimator: PostureEstimator | None = None,
        *,
        vibrate: bool = True,
        sink: LiveSink | None = None,
    ) -> None:
        self._source = source
        self._estimator = estimator
        self._vibrate = vibrate
        self._sink = sink
        self._finished = False
        self._tasks: set[asyncio.Task[None]] = set()
        self._snapshot = LiveSnapshot()
        self._listeners: list[Listener] = []
        self._queues: list[asyncio.Queue[LiveSnapshot | None]] = []
        self._stopping = asyncio.Event()
        self.log_records: list[LogRecordsEvent] = []  # also stored at once by the sink, when given

    @property
    def sink(self) -> LiveSink | None:
        return self._sink

    @property
    def latest(self) -> LiveSnapshot:
        return self._snapshot

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call ``listener`` with every new snapshot; returns a function that unsubscribes."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    async def updates(self) -> AsyncIterator[LiveSnapshot]:
        """Every new snapshot until the engine stops. Slow readers get the newest (older ones are
        replaced, never queued without bound)."""
        queue: asyncio.Queue[LiveSnapshot | None] = asyncio.Queue(maxsize=1)
        self._queues.append(queue)
        try:
            while (snap := await queue.get()) is not None:
                yield snap
        finally:
            self._queues.remove(queue)

    def stop(self) -> None:
        self._stopping.set()

    async def run(self) -> LiveSnapshot:
        """Drain the source until it ends or :meth:`stop`; returns the last snapshot."""
        async with self._source:
            events = self._source.events()
            stop_task = asyncio.ensure_future(self._stopping.wait())
            try:
                while True:
                    next_task = asyncio.ensure_future(anext(events))
                    done, _ = await asyncio.wait({next_task, stop_task}, return_when=asyncio.FIRST_COMPLETED)
                    if next_task not in done:
                        next_task.cancel()
                        await asyncio.gather(next_task, return_exceptions=True)
                        break
                    try:
                        event = next_task.result()
                    except StopAsyncIteration:
                        break
                    self.handle(event)
            finally:
                for task in list(self._tasks):
                    task.cancel()
                await asyncio.gather(*self._tasks, return_exceptions=True)
                stop_task.cancel()
                await asyncio.gather(stop_task, return_exceptions=True)
                aclose = getattr(events, "aclose", None)
                if aclose is not None:
                    await aclose()
                for q in self._queues:
                    _put_latest(q, None)
                self.finish()
        return self._snapshot

    def finish(self) -> LiveSnapshot:
        """The stream ended: flush the estimator's open tick and slouch into the sink and close it
        (its session ends at the newest sample). :meth:`run` calls it; callers that drive
        :meth:`handle` themselves call it once they are done. Later calls do nothing."""
        if self._sink is None or self._finished:
            return self._snapshot
        self._finished = True
        finish = getattr(self._estimator, "finish", None)
        if callable(finish):
            self._sink.samples(finish())
        if isinstance(self._estimator, _Drains):
            self._sink.events(self._estimator.drain())  # alerts raised at the very end are stored, not buzzed
        ends = [n.last_t for n in self._snapshot.nodes.values() if n.last_t is not None]
        self._sink.close(max(ends) if ends else None)
        return self._snapshot

    def handle(self, event: SourceEvent) -> None:
        """Fold one event into the snapshot and publish it. Public so tests and offline replays can
        drive the engine without a source."""
        snap = self._snapshot
        nodes = dict(snap.nodes)
        posture = snap.posture
        log_records = snap.log_records
        sink = self._sink
        if isinstance(event, ImuBatch):
            node = nodes.get(event.role, NodeStatus(event.role))
            last = float(event.t[-1]) if len(event) else node.last_t
            nodes[event.role] = replace(node, samples=node.samples + len(event), last_t=last)
            if sink is not None:
                sink.batch(event)
            if self._estimator is not None:
                out = self._estimator.update(event)
                if out:
                    posture = out[-1]
                if sink is not None:
                    sink.samples(out)
                if isinstance(self._estimator, _Drains):
                    drained = self._estimator.drain()
                    if sink is not None:
                        sink.events(drained)
                    for alert in drained.alerts:
                        snap = replace(snap, alerts=snap.alerts + 1)
                        if self._vibrate and isinstance(self._source, CommandSink):
                            self._spawn(self._buzz(alert.level))
                    for result in getattr(drained, "calibration", ()):
                        outcome = CalibrationOutcome(bool(result.ok), str(result.message), result.hint)
                        snap = replace(snap, calibration=outcome)
                        if sink is not None and result.ok:
                            self._store_calibration(result, last)
        elif isinstance(event, Gap):
            node = nodes.get(event.role, NodeStatus(event.role))
            nodes[event.role] = replace(
                node, gaps=node.gaps + 1, samples_lost=node.samples_lost + event.samples_lost
            )
        elif isinstance(event, LinkEvent):
            node = nodes.get(event.role, NodeStatus(event.role))
            nodes[event.role] = replace(
                node,
                state=event.state,
                message=event.message,
                battery=event.battery if event.battery is not None else node.battery,
                rssi=event.rssi if event.rssi is not None else node.rssi,
                rate_hz=event.rate_hz if event.rate_hz is not None else node.rate_hz,
                address=event.address or node.address,
            )
            if sink is not None:
                sink.link(event)
        elif isinstance(event, LogRecordsEvent):
            self.log_records.append(event)
            log_records += len(event.records)
            if sink is not None:  # now: the clip cleared its log when it handed it over
                known = nodes.get(event.role)
                sink.device_log(event.role, known.address if known is not None else None, event.records)
        else:  # pragma: no cover - the union is closed; a new kind must be handled above
            raise LiveError(f"unknown source event {type(event).__name__}")
        self._snapshot = replace(
            snap, nodes=nodes, posture=posture, events=snap.events + 1, log_records=log_records
        )
        self._publish()

    def _store_calibration(self, result: Any, last_t: float | None) -> None:
        """The clips ``result`` calibrated, in force from the end of its window."""
        assert self._sink is not None
        cals = getattr(self._estimator, "calibrations", None)
        if not isinstance(cals, Mapping):  # a wrapper (the dashboard's tap) keeps the pipeline inside
            cals = getattr(getattr(self._estimator, "pipeline", None), "calibrations", None)
        if not isinstance(cals, Mapping):
            raise LiveError(
                f"the estimator ({type(self._estimator).__name__}) calibrated but does not say what"
                " it measured",
                hint="give it a `calibrations` mapping (role -> ClipCalibration), as LivePipeline has",
            )
        chosen = {role: cals[role] for role in getattr(result, "roles", ()) if role in cals}
        t = result.end if result.end is not None else last_t
        if chosen and t is not None:
            self._sink.calibrated(chosen, float(t))

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _buzz(self, level: int) -> None:
        pattern = VibrationPattern.SHORT if level <= 1 else VibrationPattern.DOUBLE
        try:
            await self.alert(Role.BACK, pattern, min(100, 40 + 20 * level))
        except SensorbridgeError:
            # The link is down or the clip refused: counted and shown, the next alert tries again.
            self._snapshot = replace(self._snapshot, alert_failures=self._snapshot.alert_failures + 1)
            self._publish()

    def _publish(self) -> None:
        for listener in list(self._listeners):
            listener(self._snapshot)
        for q in self._queues:
            _put_latest(q, self._snapshot)

    # -- commands back to the clips ------------------------------------------------------------

    async def send(self, role: Role, command: Command) -> Response:
        """Send a command to one clip; raises :class:`LiveError` if the source cannot."""
        if not isinstance(self._source, CommandSink):
            raise LiveError(
                f"this source ({type(self._source).__name__}) cannot send commands to a clip",
                hint="commands need a connected clip (real or --virtual), not a recording",
            )
        return await self._source.send(role, command)

    async def alert(
        self, role: Role = Role.BACK, pattern: VibrationPattern = VibrationPattern.DOUBLE, intensity: int = 60
    ) -> bool:
        """Buzz a clip; returns whether the clip accepted it. Counted in ``alerts_sent``."""
        response = await self.send(role, Vibrate(pattern, intensity))
        ok = response.result == Result.OK
        field_name = "alerts_sent" if ok else "alert_failures"
        self._snapshot = replace(self._snapshot, **{field_name: getattr(self._snapshot, field_name) + 1})
        self._publish()
        return ok


def _put_latest(queue: asyncio.Queue[LiveSnapshot | None], item: LiveSnapshot | None) -> None:
    """Replace whatever waits in a size-1 queue with ``item``."""
    while True:
        try:
            queue.put_nowait(item)
            return
        except asyncio.QueueFull:
            queue.get_nowait()  # a slow reader only ever wants the newest snapshot
