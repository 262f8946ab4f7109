"""Real (or virtual) clips as a :class:`~sensorbridge.source.SampleSource`: one or two nodes, each
with its own reconnect loop, so losing one clip keeps the other streaming.

Usage::

    source = BleSource([ClipTarget(Role.BACK), ClipTarget(Role.HEAD)])
    async with source:
        async for event in source.events():
            ...
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from bleak.backends.client import BaseBleakClient
from bleak.backends.scanner import BaseBleakScanner

from sensorbridge.ble.bonds import BondRegistry
from sensorbridge.ble.errors import (
    AdapterError,
    BleError,
    FirmwareMismatchError,
    LinkLostError,
    NotBondedError,
    StreamRefusedError,
)
from sensorbridge.ble.link import FIRMWARE_HINT, ClipLink, LinkInfo, PacketTap
from sensorbridge.ble.reconnect import CONNECT_TIMEOUT_S, SCAN_TIMEOUT_S, LinkInput, ReconnectMachine
from sensorbridge.ble.scan import find_clip
from sensorbridge.ble.stream import NodeStream
from sensorbridge.conventions import Role
from sensorbridge.protocol import Command, Response
from sensorbridge.source import LinkEvent, LinkState, SourceEvent

LinkTap = Callable[[Role, str, LinkInfo], None]  # (node, clip address, what the link learned)


@dataclass(frozen=True)
class ClipTarget:
    """A node to stream: its role, and the clip's address when known (else the first clip that
    advertises the role)."""

    role: Role
    address: str | None = None


@dataclass
class _Node:
    target: ClipTarget
    machine: ReconnectMachine
    stream: NodeStream
    link: ClipLink | None = None
    rssi: int | None = None
    battery: int | None = None
    rate_hz: int | None = None
    address: str | None = None
    connections: int = 0


class BleSource:
    """See the module docstring. ``clock`` is the host clock (s) stamped on every notification;
    ``sleep`` waits for backoffs (both replaceable so virtual clips can run faster than real time).
    """

    def __init__(
        self,
        targets: Sequence[ClipTarget],
        *,
        scanner_backend: type[BaseBleakScanner] | None = None,
        client_backend: type[BaseBleakClient] | None = None,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
        bonds: BondRegistry | None = None,
        scan_timeout_s: float = SCAN_TIMEOUT_S,
        packet_tap: PacketTap | None = None,
        link_tap: LinkTap | None = None,
    ) -> None:
        """``packet_tap`` sees every stream notification as received (for recordings);
        ``link_tap`` what each fresh link learned about its clip (address, status, firmware)."""
        self._packet_tap = packet_tap
        self._link_tap = link_tap
        roles = [t.role for t in targets]
        if not targets or len(set(roles)) != len(roles):
            raise BleError(f"need one target per node, got roles {[r.name for r in roles]}")
        self._nodes = {t.role: _Node(t, ReconnectMachine(), NodeStream(t.role)) for t in targets}
        self._scanner_backend = scanner_backend
        self._client_backend = client_backend
        self._clock = clock
        self._sleep = sleep
        self.bonds = bonds or BondRegistry()
        # First run (nothing bonded yet): pair every clip of this session, then close the window.
        self._first_run = not self.bonds.addresses and not self.bonds.allow_new
        if self._first_run:
            self.bonds.allow_new = True
        self._scan_timeout_s = scan_timeout_s
        # None ends the stream; an exception (a node task that crashed) is raised to the reader.
        self._events: asyncio.Queue[SourceEvent | BaseException | None] = asyncio.Queue()
        self._tasks: set[asyncio.Task[None]] = set()
        self._connect_lock = asyncio.Lock()  # one connection set-up at a time, as adapters prefer
        self._closed = False

    # -- SampleSource ---------------------------------------------------------------------------

    async def __aenter__(self) -> BleSource:
        for node in self._nodes.values():
            task = asyncio.get_running_loop().create_task(
                self._run_node(node), name=f"ble-{node.target.role.name.lower()}"
            )
            self._tasks.add(task)
            task.add_done_callback(self._node_done)
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    def _node_done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if task.cancelled():
            return
        if (error := task.exception()) is not None:
            self._events.put_nowait(error)  # a bug must not pass as a quiet node: the reader sees it
        elif not self._tasks and not self._closed:
            self._events.put_nowait(None)  # every node was refused: nothing more will come

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        for node in self._nodes.values():
            if node.link is not None:
                await node.link.close()
                node.link = None
            if node.machine.state != LinkState.IDLE:
                node.machine.fire(LinkInput.STOP, self._clock())
                self._link_event(node, "stopped")
        self._events.put_nowait(None)

    async def events(self) -> AsyncIterator[SourceEvent]:
        while (event := await self._events.get()) is not None:
            if isinstance(event, BaseException):
                raise event
            yield event

    # -- CommandSink ----------------------------------------------------------------------------

    async def send(self, role: Role, command: Command) -> Response:
        node = self._nodes.get(role)
        link = node.link if node is not None else None
        if link is None or link.lost.is_set():
            raise LinkLostError(
                f"the {role.name.lower()} clip is not connected",
                hint="wait until its link shows 'streaming' again",
            )
        return await link.command(command)

    def connected_roles(self) -> frozenset[Role]:
        return frozenset(
            r for r, n in self._nodes.items() if n.link is not None and n.machine.state == LinkState.STREAMING
        )

    # -- what tests and the status line read ----------------------------------------------------

    def stream(self, role: Role) -> NodeStream:
        return self._nodes[role].stream

    def machine(self, role: Role) -> ReconnectMachine:
        return self._nodes[role].machine

    def connections(self, role: Role) -> int:
        return self._nodes[role].connections

    # -- one node's life ------------------------------------------------------------------------

    def _emit(self, event: SourceEvent) -> None:
        self._events.put_nowait(event)

    def _link_event(self, node: _Node, message: str) -> None:
        self._emit(
            LinkEvent(
                node.target.role,
                node.machine.state,
                message,
                battery=node.battery,
                rssi=node.rssi,
                rate_hz=node.rate_hz,
                dropped=node.stream.dropped,
                address=node.address,
            )
        )

    def _fire(self, node: _Node, event: LinkInput, message: str) -> None:
        node.machine.fire(event, self._clock())
        self._link_event(node, message)

    async def _run_node(self, node: _Node) -> None:
        role = node.target.role
        self._fire(node, LinkInput.START, f"looking for the {role.name.lower()} clip")
        while True:
            try:
                found = await find_clip(
                    role, node.target.address, self._scan_timeout_s, self._scanner_backend
                )
            except AdapterError as e:
                await self._backoff(node, str(e), e.hint)  # Bluetooth off or busy: it may come back
                continue
            if found is None:
                await self._backoff(node, f"no {role.name.lower()} clip seen in {self._scan_timeout_s:.0f} s")
                continue
            device, advert = found
            node.rssi, node.address = advert.rssi, device.address
            if advert.problem is not None:
                refusal = FirmwareMismatchError(
                    f"clip {device.address} advertises {advert.problem}", hint=FIRMWARE_HINT
                )
                self._fire(node, LinkInput.FOUND, f"found {device.address}")
                self._fire(node, LinkInput.REFUSED, refusal.describe())
                return
            node.battery = advert.battery if advert.battery is not None else node.battery
            self._fire(node, LinkInput.FOUND, f"connecting to {device.address}")
            link = ClipLink(
                device,
                node.stream,
                self._emit,
                self._clock,
                self.bonds,
                self._client_backend,
                CONNECT_TIMEOUT_S,
                self._packet_tap,
            )
            try:
                async with self._connect_lock:
                    info = await link.open()
            except (FirmwareMismatchError, NotBondedError, StreamRefusedError) as e:
                self._fire(node, LinkInput.REFUSED, e.describe())
                return
            except BleError as e:
                await self._backoff(node, str(e), e.hint)
                continue
            node.link = link
            node.connections += 1
            if self._link_tap is not None:
                self._link_tap(node.target.role, device.address, info)
            if self._first_run and all(n.connections for n in self._nodes.values()):
                self.bonds.allow_new = self._first_run = False
            node.battery = info.battery if info.battery is not None else node.battery
            node.rate_hz = info.status.rate_hz
            self._fire(
                node,
                LinkInput.CONNECTED,
                f"streaming at {info.status.rate_hz} Hz, MTU {info.mtu or 'not reported'}",
            )
            await link.lost.wait()
            node.link = None
            await link.close()
            await self._backoff(node, "link lost")

    async def _backoff(self, node: _Node, why: str, hint: str | None = None) -> None:
        node.machine.fire(LinkInput.LOST, self._clock())
        wait = node.machine.backoff_s()
        advice = f"\n  what to do: {hint}" if hint else ""  # as SensorbridgeError.describe() has it
        self._link_event(node, f"{why}; retrying in {wait:.1f} s{advice}")
        await self._sleep(wait)
        self._fire(node, LinkInput.RETRY, f"looking for the {node.target.role.name.lower()} clip again")
