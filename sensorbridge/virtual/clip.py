"""A virtual clip: a bumble peripheral with exactly the GATT profile of ``firmware/PROTOCOL.md``.

It advertises like the firmware, answers every command with the real codec, and streams sample
packets sized to the negotiated MTU from a :class:`~sensorbridge.virtual.motion.MotionSource`, timed
by a crystal with its own drift on the shared :class:`~sensorbridge.virtual.air.VirtualClock`.
Faults (:class:`Faults`) are injected on demand, and everything the clip does is counted so tests can
check the host against the truth.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Coroutine, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np
from bumble import att, core, gatt, pairing
from bumble.core import UUID, AdvertisingData
from bumble.device import Connection
from bumble.profiles.battery_service import BatteryService
from bumble.profiles.device_information_service import DeviceInformationService

from sensorbridge.conventions import Role
from sensorbridge.protocol import (
    CONTROL_UUID,
    LOG_UUID,
    MAX_LOG_RECORDS_PER_PAGE,
    MIN_STREAM_MTU,
    PROTOCOL_VERSION,
    SEQ_MODULUS,
    SERVICE_UUID,
    STATUS_UUID,
    STREAM_UUID,
    TEST_COMPANY_ID,
    AccelRange,
    ClipState,
    Command,
    CommandError,
    GyroRange,
    LogClear,
    LogPage,
    LogRecord,
    LogSelect,
    ManufacturerData,
    PacketFlags,
    Response,
    Result,
    SamplePacket,
    SetNeutral,
    SetRanges,
    SetRate,
    SetRole,
    SetThresholds,
    StartStream,
    Status,
    StatusFlags,
    StopStream,
    TimeSync,
    Vibrate,
    VibrationPattern,
    accel_scale,
    advertised_name,
    decode_command,
    gyro_scale,
    period_ns,
    samples_per_packet,
)
from sensorbridge.virtual.air import VirtualAir
from sensorbridge.virtual.motion import MotionSource, SteadyWearer

log = logging.getLogger(__name__)

FIRMWARE: Final = (1, 0, 0)
REBOOT_DOWNTIME_S: Final = 0.4  # world seconds a rebooting nRF52 spends before advertising again
ADVERTISING_INTERVAL_MS: Final = 20.0  # fast advertising, so a reconnect finds the clip at once


@dataclass(frozen=True)
class Faults:
    """Misbehaviour on demand. Times are world seconds (see VirtualClock)."""

    drop_rate: float = 0.0  # fraction of stream notifications generated but never sent
    disconnect_every_s: float | None = None  # the clip drops the link after this long connected
    reboot_every_s: float | None = None  # the clip reboots (clock reset) this often
    drift_ppm: float = 0.0  # the crystal runs fast by this much
    stall_every_s: float | None = None  # the radio stalls this often ...
    stall_s: float = 1.0  # ... for this long; the queued packets then go out in a burst
    latency_max_s: float = 0.012  # notification latency, uniform in 0..max (connection events)


@dataclass(frozen=True)
class _Queued:
    due: float  # world time it may go out
    serial: int  # the connection it was made for
    count: int
    t0_us: int
    end_us: float  # device time just after its last sample
    payload: bytes


@dataclass(frozen=True)
class Vibration:
    """A VIBRATE the clip obeyed, at world time ``t``."""

    t: float
    pattern: VibrationPattern
    intensity: int


@dataclass
class ClipCounters:
    """Truth for tests: what the clip did. ``sent_samples`` went out as notifications;
    ``withheld_samples`` were streamed-for but never sent (drop fault, or the link fell while queued)."""

    generated_packets: int = 0
    sent_packets: int = 0
    sent_samples: int = 0
    dropped_samples: int = 0
    withheld_samples: int = 0
    reboots: int = 0
    forced_disconnects: int = 0
    connections: int = 0
    pairings: int = 0
    refused_pairings: int = 0
    internal_errors: int = 0


class _ClipPairingDelegate(pairing.PairingDelegate):
    """Just Works pairing (the clip has no display or buttons), refused once bonded unless the
    pairing window is open: a bonded clip talks only to its host."""

    def __init__(self, clip: VirtualClip) -> None:
        super().__init__()
        self._clip = clip

    async def accept(self) -> bool:
        ok = self._clip.pairing_window or not self._clip.bonded
        if not ok:
            self._clip.counters.refused_pairings += 1
        return ok


class VirtualClip:
    """One clip on a :class:`VirtualAir`. Create and :meth:`start` inside the running loop."""

    def __init__(
        self,
        air: VirtualAir,
        role: Role = Role.BACK,
        *,
        motion: MotionSource | None = None,
        faults: Faults | None = None,
        seed: int = 0,
        address: str | None = None,
        battery: int = 87,
        rssi_dbm: int = -55,
        log_records: Sequence[LogRecord] = (),
        protocol_version: int = PROTOCOL_VERSION,
        firmware: tuple[int, int, int] = FIRMWARE,
    ) -> None:
        self.air = air
        self.role = role
        self.motion: MotionSource = motion or SteadyWearer(role, seed=seed)
        self.faults = faults or Faults()
        self.address = address or air.new_address("C1" if role == Role.BACK else "C2")
        self.battery = battery
        self.protocol_version = protocol_version
        self.firmware = firmware
        self.rssi_dbm = rssi_dbm
        self.log: list[LogRecord] = list(log_records)
        self.log_first = 0
        self.rate_hz = 104
        self.accel_range = AccelRange.G4
        self.gyro_range = GyroRange.DPS500
        self.neutral: SetNeutral | None = None
        self.thresholds = SetThresholds()
        self.unix_offset_us: int | None = None  # host Unix µs minus device µs, after TIME_SYNC
        self.pairing_window = False
        self.streaming = False
        self.vibrations: list[Vibration] = []
        self.commands: list[tuple[int, Result]] = []
        self.counters = ClipCounters()
        self._rng = np.random.default_rng(seed + 7919)
        self._tasks: set[asyncio.Task[Any]] = set()
        self._conn: Connection | None = None
        self._conn_serial = 0
        self._boot_t = air.clock.now()
        self._boot_gen = 0
        self._next_sample_us = 0.0
        self._seq = 0
        self._reset_flag = True
        self._send_queue: deque[_Queued] = deque()
        self.stream_span_us: tuple[float, float] | None = None  # first t0, last end of sent packets
        self._send_wakeup = asyncio.Event()
        self._last_due = 0.0
        self._running = False
        self.device = air.make_device(advertised_name(role), self.address, rssi_dbm)
        self.device.pairing_config_factory = lambda _conn: pairing.PairingConfig(
            sc=True,
            mitm=False,
            bonding=True,
            delegate=_ClipPairingDelegate(self),
            identity_address_type=pairing.PairingConfig.AddressType.RANDOM,
        )
        self._build_gatt()
        self.device.on("connection", self._on_connection)

    # -- GATT -----------------------------------------------------------------------------------

    def _build_gatt(self) -> None:
        props = gatt.Characteristic.Properties
        perms = gatt.Characteristic
        self.stream_char: gatt.Characteristic[bytes] = gatt.Characteristic(
            STREAM_UUID, props.NOTIFY, perms.READ_REQUIRES_ENCRYPTION, b""
        )
        self.control_char: gatt.Characteristic[bytes] = gatt.Characteristic(
            CONTROL_UUID,
            props.WRITE | props.NOTIFY,
            perms.WRITE_REQUIRES_ENCRYPTION,
            gatt.CharacteristicValue(write=self._on_control_write),
        )
        self.status_char: gatt.Characteristic[bytes] = gatt.Characteristic(
            STATUS_UUID,
            props.READ | props.NOTIFY,
            perms.READABLE,
            gatt.CharacteristicValue(read=lambda _c: self.status_bytes()),
        )
        self.log_char: gatt.Characteristic[bytes] = gatt.Characteristic(
            LOG_UUID,
            props.READ,
            perms.READ_REQUIRES_ENCRYPTION,
            gatt.CharacteristicValue(read=lambda _c: self._log_page()),
        )
        self.battery_service = BatteryService(lambda _c: self.battery)
        self.device.add_services(
            [
                gatt.Service(
                    SERVICE_UUID, [self.stream_char, self.control_char, self.status_char, self.log_char]
                ),
                self.battery_service,
                DeviceInformationService(
                    manufacturer_name="sensorbridge",
                    model_number="SB-1",
                    firmware_revision="{}.{}.{}".format(*self.firmware),
                ),
            ]
        )

    @property
    def bonded(self) -> bool:
        return self.counters.pairings > 0

    def state(self) -> ClipState:
        if self.streaming:
            return ClipState.STREAMING
        return ClipState.IDLE if self._conn is not None else ClipState.STANDALONE

    def status(self) -> Status:
        flags = StatusFlags.NONE
        if self.bonded:
            flags |= StatusFlags.BONDED
        if self.neutral is not None:
            flags |= StatusFlags.NEUTRAL_SET
        if self.pairing_window:
            flags |= StatusFlags.PAIRING_WINDOW
        if self.unix_offset_us is not None:
            flags |= StatusFlags.CLOCK_SYNCED
        return Status(
            self.state(),
            self.role,
            self.rate_hz,
            self.firmware,
            self.counters.dropped_samples,
            len(self.log),
            flags,
            self.accel_range,
            self.gyro_range,
        )

    def status_bytes(self) -> bytes:
        raw = self.status().encode()
        return bytes([self.protocol_version]) + raw[1:]

    def _log_page(self) -> bytes:
        first = min(self.log_first, len(self.log))
        page = tuple(self.log[first : first + MAX_LOG_RECORDS_PER_PAGE])
        return LogPage(first, len(self.log), page).encode()

    def advertising_data(self) -> bytes:
        return bytes(
            AdvertisingData(
                [
                    (AdvertisingData.FLAGS, bytes([0x06])),  # LE General Discoverable, no BR/EDR
                    (AdvertisingData.COMPLETE_LIST_OF_128_BIT_SERVICE_CLASS_UUIDS, bytes(UUID(SERVICE_UUID))),
                    (AdvertisingData.SHORTENED_LOCAL_NAME, advertised_name(self.role).encode()),
                ]
            )
        )

    def scan_response_data(self) -> bytes:
        manufacturer = ManufacturerData(self.role, self.battery, self.state()).encode()
        payload = TEST_COMPANY_ID.to_bytes(2, "little") + bytes([self.protocol_version]) + manufacturer[1:]
        return bytes(AdvertisingData([(AdvertisingData.MANUFACTURER_SPECIFIC_DATA, payload)]))

    # -- life cycle -----------------------------------------------------------------------------

    async def start(self) -> None:
        """Power on, advertise and run the IMU."""
        self._running = True
        await self.device.power_on()
        await self._advertise()
        self._spawn(self._sampler())
        self._spawn(self._sender())
        if self.faults.reboot_every_s:
            self._spawn(self._reboot_loop(self.faults.reboot_every_s))

    async def stop(self) -> None:
        self._running = False
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._conn is not None:
            await self._disconnect()
        await self.device.stop_advertising()
        await self.device.power_off()

    async def _advertise(self) -> None:
        await self.device.start_advertising(
            advertising_data=self.advertising_data(),
            scan_response_data=self.scan_response_data(),
            advertising_interval_min=ADVERTISING_INTERVAL_MS,
            advertising_interval_max=ADVERTISING_INTERVAL_MS,
        )

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _on_connection(self, connection: Connection) -> None:
        self._conn = connection
        self._conn_serial += 1
        self.counters.connections += 1
        connection.on("disconnection", lambda _reason: self._on_disconnection(connection))
        connection.on("pairing", lambda _keys: self._on_paired())
        if self.faults.disconnect_every_s:
            self._spawn(self._disconnect_after(self._conn_serial, self.faults.disconnect_every_s))

    def _on_paired(self) -> None:
        self.counters.pairings += 1
        self.pairing_window = False

    def _on_disconnection(self, connection: Connection) -> None:
        if self._conn is connection:
            self._conn = None
            self.streaming = False
            if self._running and self._boot_gen >= 0:
                self._spawn(self._readvertise())

    async def _readvertise(self) -> None:
        if self._running and self._conn is None and not self._rebooting:
            await self._advertise()

    _rebooting = False

    async def _disconnect(self) -> None:
        conn = self._conn
        if conn is not None:
            try:
                await conn.disconnect()
            except core.BaseBumbleError as e:  # the link is already gone: what we wanted
                log.debug("disconnect of %s: %s", self.address, e)

    async def _disconnect_after(self, serial: int, seconds: float) -> None:
        await self.air.clock.sleep(seconds)
        if self._conn is not None and self._conn_serial == serial:
            self.counters.forced_disconnects += 1
            await self._disconnect()

    async def _reboot_loop(self, every_s: float) -> None:
        while True:
            await self.air.clock.sleep(every_s)
            await self.reboot()

    async def reboot(self) -> None:
        """Power-cycle: the link drops, RAM (queued packets, stream state) is lost, the clock and
        the sequence number restart from zero. Bonds, role and the log survive (flash)."""
        self._rebooting = True
        self.counters.reboots += 1
        self._boot_gen += 1
        self.withhold_queue()
        await self._disconnect()
        await self.device.stop_advertising()
        await self.air.clock.sleep(REBOOT_DOWNTIME_S)
        self._boot_t = self.air.clock.now()
        self.stream_span_us = None
        self._next_sample_us = 0.0
        self._seq = 0
        self._reset_flag = True
        self.streaming = False
        self.unix_offset_us = None
        self._rebooting = False
        if self._running:
            await self._advertise()

    # -- the clip's clock -----------------------------------------------------------------------

    def device_us(self, world_t: float) -> float:
        """The clip's clock (µs since boot) at world time ``world_t``."""
        return (world_t - self._boot_t) * 1e6 * (1.0 + self.faults.drift_ppm * 1e-6)

    def world_time(self, device_us: float | np.ndarray) -> np.ndarray:
        """The world (= host) time at which the clip's clock read ``device_us``, this boot."""
        return np.asarray(self._boot_t + np.asarray(device_us) * 1e-6 / (1.0 + self.faults.drift_ppm * 1e-6))

    # -- streaming ------------------------------------------------------------------------------

    def _samples_per_packet(self) -> int:
        conn = self._conn
        return samples_per_packet(conn.att_mtu) if conn is not None else 18

    async def _sampler(self) -> None:
        while True:
            gen = self._boot_gen
            n = max(1, self._samples_per_packet())
            p_ns = period_ns(self.rate_hz)
            last_us = self._next_sample_us + (n - 1) * p_ns / 1000.0
            await self.air.clock.sleep_until(float(self.world_time(last_us)))
            if gen != self._boot_gen or self._rebooting:
                await self.air.clock.sleep(0.01)
                continue
            acc, gyr = self.motion.next_chunk(n)
            t0_us = self._next_sample_us
            self._next_sample_us += n * p_ns / 1000.0
            conn = self._conn
            if not (self.streaming and conn is not None):
                continue  # standalone: the firmware would log posture minutes here
            self._emit_packet(conn, round(t0_us), p_ns, acc, gyr)

    def _emit_packet(self, conn: Connection, t0_us: int, p_ns: int, acc: np.ndarray, gyr: np.ndarray) -> None:
        raw_acc = np.rint(acc / accel_scale(self.accel_range))
        raw_gyr = np.rint(gyr / gyro_scale(self.gyro_range))
        raw = np.clip(np.concatenate([raw_acc, raw_gyr], axis=1), -32768, 32767).astype(np.int16)
        flags = PacketFlags.NONE
        if np.any((raw == 32767) | (raw == -32768)):
            flags |= PacketFlags.SATURATED
        if self._reset_flag:
            flags |= PacketFlags.CLOCK_RESET
            self._reset_flag = False
        packet = SamplePacket(
            self.role, self._seq, t0_us, p_ns, raw, flags, self.accel_range, self.gyro_range
        )
        self._seq = (self._seq + 1) % SEQ_MODULUS
        self.counters.generated_packets += 1
        n = packet.count
        if self.faults.drop_rate and self._rng.random() < self.faults.drop_rate:
            self.counters.dropped_samples += n
            return
        now = self.air.clock.now()
        due = max(now + self._rng.uniform(0.0, self.faults.latency_max_s), self._last_due)
        self._last_due = due
        end_us = t0_us + n * p_ns / 1000.0
        self._send_queue.append(_Queued(due, self._conn_serial, n, t0_us, end_us, packet.encode()))
        self._send_wakeup.set()

    def _in_stall(self, world_t: float) -> float | None:
        """End of the stall ``world_t`` falls in, if any."""
        every = self.faults.stall_every_s
        if not every:
            return None
        since = world_t - self._boot_t
        phase = since % every
        start = since - phase + every - self.faults.stall_s
        return self._boot_t + start + self.faults.stall_s if phase >= every - self.faults.stall_s else None

    async def _sender(self) -> None:
        while True:
            if not self._send_queue:
                self._send_wakeup.clear()
                await self._send_wakeup.wait()
                continue
            item = self._send_queue[0]
            await self.air.clock.sleep_until(item.due)
            stall_end = self._in_stall(self.air.clock.now())
            if stall_end is not None:
                await self.air.clock.sleep_until(stall_end)
                continue
            if not self._send_queue or self._send_queue[0] is not item:
                continue  # the queue was withheld meanwhile (reboot)
            self._send_queue.popleft()
            conn = self._conn
            if conn is None or item.serial != self._conn_serial:
                self.counters.withheld_samples += item.count
                continue
            try:
                await self.device.notify_subscriber(conn, self.stream_char, item.payload)
            except Exception as e:  # a link dropping mid-send loses this packet: counted, not raised
                log.debug("notify failed on %s: %s", self.address, e)
                self.counters.withheld_samples += item.count
                continue
            self.counters.sent_packets += 1
            self.counters.sent_samples += item.count
            first = self.stream_span_us[0] if self.stream_span_us is not None else float(item.t0_us)
            self.stream_span_us = (first, item.end_us)

    def pause(self) -> None:
        """Stop generating packets (as STOP_STREAM would), leaving queued ones to go out: tests use
        it to end a run with nothing in flight."""
        self.streaming = False

    @property
    def pending_packets(self) -> int:
        """Packets generated but not yet notified (latency, a stall)."""
        return len(self._send_queue)

    def withhold_queue(self) -> None:
        for item in self._send_queue:
            self.counters.withheld_samples += item.count
        self._send_queue.clear()

    # -- commands -------------------------------------------------------------------------------

    async def _on_control_write(self, connection: Connection, value: bytes) -> None:
        # Only att.ATT_Error may leave a bumble write handler: anything else leaves the client
        # waiting for a write response until its 30 s timeout.
        try:
            response = self.handle(bytes(value), connection)
        except Exception as e:
            self.counters.internal_errors += 1
            log.exception("virtual clip failed on a command")
            raise att.ATT_Error(att.ATT_UNLIKELY_ERROR_ERROR) from e
        self._spawn(self._respond(connection, response))

    async def _respond(self, connection: Connection, response: Response) -> None:
        if self._conn is connection:
            await self.device.notify_subscriber(connection, self.control_char, response.encode())

    def handle(self, data: bytes, connection: Connection | None = None) -> Response:
        """Apply one control write; returns the response the clip notifies."""
        try:
            token, command = decode_command(data)
        except CommandError as e:
            self.commands.append((e.opcode, e.result))
            return Response(e.opcode, e.token, e.result)
        result, value = self._apply(command, connection)
        self.commands.append((int(command.OPCODE), result))
        return Response(int(command.OPCODE), token, result, value if result == Result.OK else None)

    def _apply(self, command: Command, connection: Connection | None) -> tuple[Result, int | None]:
        match command:
            case StartStream():
                mtu = connection.att_mtu if connection is not None else 0
                if mtu < MIN_STREAM_MTU:
                    return Result.BAD_STATE, None
                self.streaming = True
            case StopStream():
                self.streaming = False
            case SetRate(rate_hz=rate):
                self.rate_hz = rate
                if hasattr(self.motion, "rate_hz"):
                    self.motion.rate_hz = rate
            case SetRole(role=role):
                self.role = role
            case Vibrate(pattern=pattern, intensity=intensity):
                self.vibrations.append(Vibration(self.air.clock.now(), pattern, intensity))
            case SetNeutral():
                self.neutral = command
            case SetThresholds():
                self.thresholds = command
            case TimeSync(host_unix_us=host_us):
                device_us = round(self.device_us(self.air.clock.now()))
                self.unix_offset_us = host_us - device_us
                return Result.OK, device_us
            case LogSelect(first_record=first):
                if first > len(self.log):
                    return Result.INVALID_PARAM, None
                self.log_first = first
                return Result.OK, len(self.log)
            case LogClear(count=count):
                if count > len(self.log):
                    return Result.INVALID_PARAM, None
                del self.log[:count]
                self.log_first = 0
            case SetRanges(accel=accel, gyro=gyro):
                self.accel_range, self.gyro_range = accel, gyro
            case _:
                return Result.UNKNOWN_OPCODE, None
        return Result.OK, None


@dataclass
class ClipSpec:
    """How to build one virtual clip (what ``--virtual`` and the tests configure)."""

    role: Role
    faults: Faults = field(default_factory=Faults)
    seed: int = 0
    motion: MotionSource | None = None
    log_records: tuple[LogRecord, ...] = ()
    protocol_version: int = PROTOCOL_VERSION
