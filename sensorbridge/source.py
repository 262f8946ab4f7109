"""The seam between where samples come from and what uses them.

A real clip over BLE, a virtual clip, a recording and the simulator all plug in as a
:class:`SampleSource`: an async stream of :data:`SourceEvent` values. Samples arrive as
:class:`~sensorbridge.samples.ImuBatch` (host-time seconds, m/s², rad/s, sensor frame), missing
samples as :class:`~sensorbridge.samples.Gap` with their exact count, and the state of each node's
link as :class:`LinkEvent`. A source that can talk back to its clips (vibrate, set neutral, ...)
also implements :class:`CommandSink`.

Core module: no radio, no screen.
"""

from __future__ import annotations

import enum
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from sensorbridge.conventions import Role
from sensorbridge.protocol import Command, LogRecord, Response
from sensorbridge.samples import Gap, ImuBatch


class LinkState(enum.StrEnum):
    """Where one node's link is. The string is what JSON output and the dashboard show."""

    IDLE = "idle"  # not started, or stopped on purpose
    SCANNING = "scanning"  # looking for the clip's advertisement
    CONNECTING = "connecting"  # radio link and GATT set-up in progress
    STREAMING = "streaming"  # subscribed, samples flowing
    BACKOFF = "backoff"  # lost the link; waiting before the next attempt
    FAILED = "failed"  # gave up, or refused (wrong firmware, not bonded): see the message


@dataclass(frozen=True)
class LinkEvent:
    """A change in one node's link, or fresh figures about it.

    ``battery`` percent, ``rssi`` dBm, ``rate_hz`` the clip's output data rate; ``dropped`` is the
    number of samples this host knows were lost for the node so far (sequence gaps plus what the
    clip reported); ``None`` where not known.
    """

    role: Role
    state: LinkState
    message: str = ""
    battery: int | None = None
    rssi: int | None = None
    rate_hz: int | None = None
    dropped: int = 0
    address: str | None = None


@dataclass(frozen=True)
class LogRecordsEvent:
    """Posture log records a clip kept while no host streamed, read after a (re)connect."""

    role: Role
    records: tuple[LogRecord, ...]


SourceEvent = ImuBatch | Gap | LinkEvent | LogRecordsEvent


@runtime_checkable
class SampleSource(Protocol):
    """Anything that streams samples. Use as ``async with source: async for ev in source.events()``.

    ``events()`` yields events in arrival order; per node the batches are in time order and never
    overlap. It ends when the source is exhausted (a recording) or closed.
    """

    async def __aenter__(self) -> SampleSource: ...

    async def __aexit__(self, *exc_info: object) -> None: ...

    def events(self) -> AsyncIterator[SourceEvent]: ...


@runtime_checkable
class CommandSink(Protocol):
    """A source that can send commands to its clips. ``send`` returns the clip's response and
    raises a :class:`~sensorbridge.errors.SensorbridgeError` when the node is not connected."""

    async def send(self, role: Role, command: Command) -> Response: ...

    def connected_roles(self) -> frozenset[Role]: ...
