"""One connected clip: set-up, the notification queue, decoding, commands.

The bleak notification callbacks only enqueue ``(kind, host receive time, bytes)``; one consumer
task per link decodes with :mod:`sensorbridge.protocol`, checks sequence and time
(:class:`NodeStream`, which outlives a link so gaps across reconnects are counted), and resolves
command responses by token.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, Final

from bleak import BleakClient
from bleak.backends.characteristic import BleakGATTCharacteristic
from bleak.backends.client import BaseBleakClient
from bleak.backends.device import BLEDevice
from bleak.exc import BleakError

from sensorbridge.ble.bonds import BondRegistry
from sensorbridge.ble.errors import (
    BleError,
    CommandTimeoutError,
    FirmwareMismatchError,
    LinkLostError,
    NotBondedError,
    StreamRefusedError,
)
from sensorbridge.ble.stream import NodeStream
from sensorbridge.conventions import Role
from sensorbridge.protocol import (
    BATTERY_LEVEL_UUID,
    CONTROL_UUID,
    FIRMWARE_REVISION_UUID,
    LOG_UUID,
    MAX_ATT_MTU,
    MIN_STREAM_MTU,
    PROTOCOL_VERSION,
    STATUS_UUID,
    STREAM_UUID,
    Command,
    LogClear,
    LogPage,
    LogRecord,
    LogSelect,
    ProtocolError,
    Response,
    Result,
    SamplePacket,
    SetRole,
    StartStream,
    Status,
    TimeSync,
    VersionError,
)
from sensorbridge.source import LogRecordsEvent, SourceEvent

COMMAND_TIMEOUT_S: Final = 5.0  # a clip answers within a few connection intervals; 5 s means gone
FIRMWARE_HINT: Final = (
    f"flash firmware that speaks protocol version {PROTOCOL_VERSION}: build firmware/app with west and "
    "copy zephyr.uf2 to the clip's XIAO-SENSE drive (double-tap reset), as firmware/README.md shows"
)

Emit = Callable[[SourceEvent], None]
PacketTap = Callable[[Role, float, bytes], None]  # (node, host receive time s, notification bytes)


class _Kind(enum.Enum):
    STREAM = 1
    CONTROL = 2


@dataclass(frozen=True)
class LinkInfo:
    """What a fresh link learned from the clip."""

    status: Status
    battery: int | None
    firmware_revision: str
    mtu: int | None  # None when the adapter does not tell


class ClipLink:
    """One BLE connection to one clip. :meth:`open` sets it up and starts streaming; ``lost`` is set
    when the link drops. Raises :class:`BleError` subclasses (bleak errors wrapped, with hints)."""

    def __init__(
        self,
        device: BLEDevice | str,
        stream: NodeStream,
        emit: Emit,
        clock: Callable[[], float],
        bonds: BondRegistry,
        client_backend: type[BaseBleakClient] | None = None,
        connect_timeout: float = 20.0,
        packet_tap: PacketTap | None = None,
    ) -> None:
        self.device = device
        self._packet_tap = packet_tap
        self.address = device.address if isinstance(device, BLEDevice) else device
        self.stream = stream
        self._emit = emit
        self._clock = clock
        self._bonds = bonds
        self.lost = asyncio.Event()
        self._queue: asyncio.Queue[tuple[_Kind, float, bytes]] = asyncio.Queue()
        self._pending: dict[int, asyncio.Future[Response]] = {}
        self._next_token = 0
        self._tasks: set[asyncio.Task[Any]] = set()
        self._closing = False
        self.info: LinkInfo | None = None
        self.unmatched_responses = 0
        self._client = BleakClient(
            device,
            disconnected_callback=self._on_disconnect,
            timeout=connect_timeout,
            pair=True,
            backend=client_backend,
        )

    # -- set-up ---------------------------------------------------------------------------------

    async def open(self, start_stream: bool = True, take_log: bool = True) -> LinkInfo:
        """Connect, check the firmware, subscribe and sync the clock; then hand out and clear the
        clip's posture log (``take_log``) and start streaming (``start_stream``)."""
        if not self._bonds.accepts(self.address):
            raise NotBondedError(
                f"clip {self.address} is not bonded with this host",
                hint=f"if it is yours, pair it once: sensorbridge scan --pair {self.address}",
            )
        try:
            await self._client.connect()
        except (BleakError, TimeoutError, OSError) as e:
            raise BleError(
                f"could not connect to clip {self.address}: {e or type(e).__name__}",
                hint="bring the clip closer, or press its button to wake it",
            ) from e
        self._bonds.add(self.address)
        self._spawn(self._consume())
        try:
            info = await self._setup(start_stream, take_log)
        except BaseException:
            await self.close()
            raise
        self.info = info
        return info

    async def _negotiated_mtu(self) -> int | None:
        """The ATT MTU of the link, or None when the adapter does not say. BlueZ negotiates the
        largest MTU by itself but bleak learns it only through ``_acquire_mtu`` (bleak's own
        ``mtu_size.py`` example does this); until then it warns and reports 23."""
        backend = getattr(self._client, "_backend", None)
        acquire = getattr(backend, "_acquire_mtu", None)
        if acquire is not None and getattr(backend, "_mtu_size", None) is None:
            try:
                await acquire()
            except BleakError:
                return None  # unknown; the clip still refuses to stream if it is too small
        return int(self._client.mtu_size)

    async def _setup(self, start_stream: bool, take_log: bool) -> LinkInfo:
        try:
            status = Status.decode(bytes(await self._client.read_gatt_char(STATUS_UUID)))
        except VersionError as e:
            raise FirmwareMismatchError(
                f"clip {self.address} speaks another protocol version: {e}", hint=FIRMWARE_HINT
            ) from e
        except ProtocolError as e:
            raise BleError(f"clip {self.address} sent an unreadable status: {e}", hint=FIRMWARE_HINT) from e
        except BleakError as e:
            raise self._wrap(e, "reading the status") from e
        try:
            battery_raw = await self._client.read_gatt_char(BATTERY_LEVEL_UUID)
            fw = bytes(await self._client.read_gatt_char(FIRMWARE_REVISION_UUID)).decode("utf-8", "replace")
            await self._client.start_notify(CONTROL_UUID, self._on_control)
            await self._client.start_notify(STREAM_UUID, self._on_stream)
        except BleakError as e:
            raise self._wrap(e, "setting up notifications") from e
        battery = battery_raw[0] if len(battery_raw) == 1 else None
        mtu = await self._negotiated_mtu()
        if status.role != self.stream.role:
            # Chosen by address for the other node (e.g. `--device` order): the clip takes the role
            # it is used for, and keeps it across reboots.
            response = await self.command(SetRole(self.stream.role))
            if response.result != Result.OK:
                raise BleError(
                    f"clip {self.address} refused to become the {self.stream.role.name.lower()} clip: "
                    f"{response.result.name}",
                    hint="give the addresses in the order back, then head",
                )
            status = replace(status, role=self.stream.role)
        await self.command(TimeSync(max(0, round(self._clock() * 1e6))))
        if take_log and status.log_records:
            records = await self.read_log()
            if records:
                self._emit(LogRecordsEvent(self.stream.role, tuple(records)))
                await self.command(LogClear(len(records)))
        if start_stream:
            response = await self.command(StartStream())
            if response.result == Result.BAD_STATE:
                # The clip's only reason: the link's MTU is below the 35 bytes one sample needs.
                raise StreamRefusedError(
                    f"clip {self.address} cannot stream over this link (MTU {mtu or 'unknown'}, "
                    f"it needs at least {MIN_STREAM_MTU})",
                    hint=f"use an adapter that supports an MTU of {MAX_ATT_MTU} (Bluetooth 4.2 or later)",
                )
            if response.result != Result.OK:
                raise BleError(
                    f"clip {self.address} refused to stream: {response.result.name}",
                    hint="reconnect; if it persists, update the clip's firmware",
                )
        return LinkInfo(status, battery, fw, mtu)

    async def read_log(self) -> list[LogRecord]:
        """Every record of the clip's posture log, page by page."""
        records: list[LogRecord] = []
        total = None
        while total is None or len(records) < total:
            response = await self.command(LogSelect(len(records)))
            if response.result != Result.OK or response.value is None:
                raise BleError(f"clip {self.address} refused LOG_SELECT: {response.result.name}")
            total = response.value
            if len(records) >= total:
                break
            try:
                page = LogPage.decode(bytes(await self._client.read_gatt_char(LOG_UUID)))
            except BleakError as e:
                raise self._wrap(e, "reading the posture log") from e
            if not page.records:
                break
            records.extend(page.records)
        return records

    def _wrap(self, e: BleakError, doing: str) -> BleError:
        return BleError(
            f"{doing} on clip {self.address} failed: {e}",
            hint="the link may have dropped; sensorbridge reconnects by itself",
        )

    # -- notifications: enqueue only --------------------------------------------------------------

    def _on_stream(self, _char: BleakGATTCharacteristic, data: bytearray) -> None:
        self._queue.put_nowait((_Kind.STREAM, self._clock(), bytes(data)))

    def _on_control(self, _char: BleakGATTCharacteristic, data: bytearray) -> None:
        self._queue.put_nowait((_Kind.CONTROL, self._clock(), bytes(data)))

    def _on_disconnect(self, _client: BleakClient) -> None:
        self.lost.set()
        for fut in self._pending.values():
            if not fut.done():
                fut.set_exception(LinkLostError(f"the link to {self.address} dropped"))

    async def _consume(self) -> None:
        while True:
            self._handle(*await self._queue.get())

    def _handle(self, kind: _Kind, received: float, data: bytes) -> None:
        if kind == _Kind.CONTROL:
            self._resolve(data)
            return
        if self._packet_tap is not None:
            self._packet_tap(self.stream.role, received, data)  # as received, before any check
        try:
            packet = SamplePacket.decode(data)
        except VersionError:
            self.stream.decode_errors += 1
            self.lost.set()  # a clip that changed firmware mid-stream is not ours any more
            return
        except ProtocolError:
            self.stream.decode_errors += 1
            return
        if packet.role != self.stream.role:
            self.stream.decode_errors += 1
            return
        for event in self.stream.packet_events(packet, received):
            self._emit(event)

    def _resolve(self, data: bytes) -> None:
        try:
            response = Response.decode(data)
        except ProtocolError:
            self.unmatched_responses += 1
            return
        fut = self._pending.pop(response.token, None)
        if fut is None or fut.done():
            self.unmatched_responses += 1
            return
        fut.set_result(response)

    # -- commands -------------------------------------------------------------------------------

    async def command(self, command: Command, timeout: float = COMMAND_TIMEOUT_S) -> Response:  # noqa: ASYNC109
        """Send one command; returns the clip's response (check ``result``)."""
        if self.lost.is_set():
            raise LinkLostError(f"the link to {self.address} is down", hint="wait for the reconnect")
        self._next_token = self._next_token % 255 + 1
        token = self._next_token
        fut: asyncio.Future[Response] = asyncio.get_running_loop().create_future()
        self._pending[token] = fut
        try:
            await self._client.write_gatt_char(CONTROL_UUID, command.encode(token), response=True)
            async with asyncio.timeout(timeout):
                return await fut
        except TimeoutError as e:
            raise CommandTimeoutError(
                f"clip {self.address} did not answer {command.OPCODE.name} within {timeout} s",
                hint="the clip may be out of range; sensorbridge reconnects by itself",
            ) from e
        except BleakError as e:
            raise self._wrap(e, f"sending {command.OPCODE.name}") from e
        finally:
            self._pending.pop(token, None)

    # -- tear-down ------------------------------------------------------------------------------

    def _spawn(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def close(self) -> None:
        if self._closing:
            return
        self._closing = True
        with contextlib.suppress(BleakError, TimeoutError):
            await self._client.disconnect()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        # What arrived before the link closed is data the clip sent: decode it, lose nothing.
        while not self._queue.empty():
            self._handle(*self._queue.get_nowait())
        self.lost.set()
