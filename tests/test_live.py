"""The live engine: events folded into snapshots, callbacks and async updates, alerts to the clip;
and once end to end over virtual clips with the real pipeline."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field

import numpy as np
import pytest

from sensorbridge.conventions import STANDARD_GRAVITY, Role
from sensorbridge.live import LiveEngine, LiveError, LiveSnapshot
from sensorbridge.pipeline.live import LivePipeline
from sensorbridge.pipeline.values import Alert
from sensorbridge.posture import Angles, PostureSample, PostureState
from sensorbridge.protocol import Command, LogRecord, Response, Result, Vibrate, VibrationPattern
from sensorbridge.samples import Gap, ImuBatch
from sensorbridge.source import LinkEvent, LinkState, LogRecordsEvent, SourceEvent
from sensorbridge.virtual.clip import ClipSpec
from sensorbridge.virtual.rig import VirtualSource
from sensorbridge.virtual.timeloop import run_virtual


def _batch(role: Role, t0: float, n: int = 18) -> ImuBatch:
    t = t0 + np.arange(n) / 104.0
    acc = np.tile([STANDARD_GRAVITY, 0.0, 0.0], (n, 1))
    return ImuBatch(role, t, acc, np.zeros((n, 3)))


class ListSource:
    """A finite source that replays events and answers commands with a fixed result."""

    def __init__(self, events: Sequence[SourceEvent], result: Result = Result.OK, endless: bool = False):
        self._events = list(events)
        self.result = result
        self.endless = endless
        self.sent: list[tuple[Role, Command]] = []
        self.entered = self.exited = 0

    async def __aenter__(self) -> ListSource:
        self.entered += 1
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        self.exited += 1

    async def events(self) -> AsyncIterator[SourceEvent]:
        for event in self._events:
            yield event
            await asyncio.sleep(0)
        if self.endless:
            await asyncio.Event().wait()  # a live source that never ends by itself

    async def send(self, role: Role, command: Command) -> Response:
        self.sent.append((role, command))
        return Response(int(command.OPCODE), 1, self.result)

    def connected_roles(self) -> frozenset[Role]:
        return frozenset({Role.BACK})


class RecordingOnly:
    """A source that cannot send commands (like a recording)."""

    async def __aenter__(self) -> RecordingOnly:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        return None

    async def events(self) -> AsyncIterator[SourceEvent]:
        yield _batch(Role.BACK, 0.0)


@dataclass
class _Drained:
    alerts: list[Alert] = field(default_factory=list)


class AlertingEstimator:
    """Posture straight from the batch; raises one alert on the third batch."""

    def __init__(self) -> None:
        self.calls = 0
        self._pending: list[Alert] = []

    def update(self, batch: ImuBatch) -> list[PostureSample]:
        self.calls += 1
        if self.calls == 3:
            self._pending.append(Alert(float(batch.t[-1]), 2, "slouch", float(batch.t[0])))
        return [PostureSample(float(batch.t[-1]), Angles(thoracic_flexion=1.0), PostureState.UPRIGHT)]

    def drain(self) -> _Drained:
        out, self._pending = _Drained(self._pending), []
        return out


EVENTS: list[SourceEvent] = [
    LinkEvent(Role.BACK, LinkState.STREAMING, "streaming", battery=80, rssi=-60, rate_hz=104),
    _batch(Role.BACK, 0.0),
    _batch(Role.HEAD, 0.0),
    Gap(Role.BACK, 0.17, 0.35, 18),
    _batch(Role.BACK, 0.35),
    LogRecordsEvent(Role.BACK, (LogRecord(3600, 30, 10),)),
    _batch(Role.BACK, 0.52),
]


def test_handle_folds_events_into_the_snapshot() -> None:
    engine = LiveEngine(ListSource([]))
    seen: list[LiveSnapshot] = []
    unsubscribe = engine.subscribe(seen.append)
    for event in EVENTS:
        engine.handle(event)
    snap = engine.latest
    back, head = snap.nodes[Role.BACK], snap.nodes[Role.HEAD]
    assert (back.samples, back.gaps, back.samples_lost) == (54, 1, 18)
    assert (back.state, back.battery, back.rssi, back.rate_hz) == (LinkState.STREAMING, 80, -60, 104)
    assert head.samples == 18
    assert head.state == LinkState.IDLE
    assert back.last_t == pytest.approx(0.52 + 17 / 104)
    assert snap.events == len(EVENTS)
    assert snap.log_records == 1
    assert len(engine.log_records) == 1
    assert len(seen) == len(EVENTS)
    unsubscribe()
    engine.handle(_batch(Role.BACK, 1.0))
    assert len(seen) == len(EVENTS)


async def test_run_drains_the_source_and_feeds_updates() -> None:
    source = ListSource(EVENTS)
    engine = LiveEngine(source, AlertingEstimator())
    got: list[LiveSnapshot] = []

    async def read() -> None:
        async for snap in engine.updates():
            got.append(snap)

    reader = asyncio.ensure_future(read())
    await asyncio.sleep(0)
    final = await engine.run()
    await reader
    assert (source.entered, source.exited) == (1, 1)
    assert final.events == len(EVENTS)
    assert final.posture is not None
    assert final.posture.state == PostureState.UPRIGHT
    assert got
    assert got[-1].events <= final.events


async def test_alerts_buzz_the_back_clip_and_refusals_are_counted() -> None:
    source = ListSource(EVENTS)
    engine = LiveEngine(source, AlertingEstimator())
    final = await engine.run()
    assert final.alerts == 1
    assert [(r, type(c)) for r, c in source.sent] == [(Role.BACK, Vibrate)]
    vib = source.sent[0][1]
    assert isinstance(vib, Vibrate)
    assert vib.pattern == VibrationPattern.DOUBLE
    refusing = ListSource([], result=Result.BAD_STATE)
    engine2 = LiveEngine(refusing)
    assert await engine2.alert() is False
    assert engine2.latest.alert_failures == 1
    assert engine2.latest.alerts_sent == 0


async def test_no_vibration_when_disabled() -> None:
    source = ListSource(EVENTS)
    final = await LiveEngine(source, AlertingEstimator(), vibrate=False).run()
    assert final.alerts == 1
    assert source.sent == []


async def test_stop_ends_an_endless_source() -> None:
    source = ListSource(EVENTS[:2], endless=True)
    engine = LiveEngine(source)
    two = asyncio.Event()
    engine.subscribe(lambda snap: two.set() if snap.events >= 2 else None)
    run = asyncio.ensure_future(engine.run())
    await two.wait()
    engine.stop()
    final = await run
    assert final.events == 2
    assert source.exited == 1


async def test_a_recording_cannot_take_commands() -> None:
    engine = LiveEngine(RecordingOnly())
    with pytest.raises(LiveError) as err:
        await engine.send(Role.BACK, Vibrate())
    assert err.value.hint is not None


def test_end_to_end_over_virtual_clips_with_the_pipeline() -> None:
    run_virtual(_end_to_end())


async def _end_to_end() -> None:
    source = VirtualSource([ClipSpec(Role.BACK, seed=1), ClipSpec(Role.HEAD, seed=2)])
    engine = LiveEngine(source, LivePipeline(expect_head=True))
    run = asyncio.ensure_future(engine.run())
    await source.started.wait()

    def ready() -> bool:
        nodes = engine.latest.nodes
        return all(r in nodes and nodes[r].samples > 1000 for r in (Role.BACK, Role.HEAD))

    deadline = source.air.clock.now() + 60.0
    while not ready():
        assert source.air.clock.now() < deadline, "both clips should stream within a minute"
        await source.air.clock.sleep(0.5)
    assert await engine.alert(Role.BACK, VibrationPattern.SHORT, 30) is True
    engine.stop()
    final = await run
    assert final.posture is not None
    assert final.posture.angles.thoracic_flexion is not None
    assert final.nodes[Role.BACK].state == LinkState.STREAMING
    assert final.nodes[Role.HEAD].rate_hz == 104
    assert final.alerts_sent == 1
    assert [(v.pattern, v.intensity) for v in source.clips[Role.BACK].vibrations] == [
        (VibrationPattern.SHORT, 30)
    ]
