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
from bumble import att, core, pairing
from bumble.device import Connection

from sensorbridge.conventions import Role
from sensorbridge.protocol import (
    PROTOCOL_VERSION,
    SEQ_MODULUS,
    LogRecord,
    PacketFlags,
    Response,
    SamplePacket,
    accel_scale,
    advertised_name,
    gyro_scale,
    period_ns,
    samples_per_packet,
)
from sensorbridge.virtual.air import VirtualAir
from sensorbridge.virtual.faults import ClipCounters, Faults, Vibration
from sensorbridge.virtual.firmware import FIRMWARE, ClipFirmware
from sensorbridge.virtual.motion import MotionSource, SteadyWearer
from sensorbridge.virtual.profile import ClipProfile

__all__ = ["ClipCounters", "ClipSpec", "Faults", "Vibration", "VirtualClip"]

log = logging.getLogger(__name__)

REBOOT_DOWNTIME_S: Final = 0.4  # world seconds a rebooting nRF52 spends before advertising again
ADVERTISING_INTERVAL_MS: Final = 20.0  # fast advertising, so a reconnect finds the clip at once


@dataclass(frozen=True)
class _Queued:
    due: float  # world time it may go out
    serial: int  # the connection it was made for
    count: int
    t0_us: int
    end_us: float  # device time just after its last sample
    payload: bytes


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


class VirtualClip(ClipFirmware):
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
        super().__init__(
            role,
            battery=battery,
            log_records=log_records,
            protocol_version=protocol_version,
            firmware=firmware,
        )
        self.air = air
        self.motion: MotionSource = motion or SteadyWearer(role, seed=seed)
        self.faults = faults or Faults()
        self.address = address or air.new_address("C1" if role == Role.BACK else "C2")
        self.rssi_dbm = rssi_dbm
        self._rebooting = False
        self._away_until: float | None = None
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
        self.gatt = ClipProfile(
            on_control_write=self._on_control_write,
            read_status=self.status_bytes,
            read_log=self._log_page,
            read_battery=lambda: self.battery,
            firmware=self.firmware,
        )
        self.device.add_services(self.gatt.services)
        self.device.on("connection", self._on_connection)

    # -- GATT -----------------------------------------------------------------------------------

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
        if self.faults.outage_every_s:
            self._spawn(self._outage_loop(self.faults.outage_every_s))

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
            if self._running:
                self._spawn(self._readvertise())

    async def _readvertise(self) -> None:
        if self._running and self._conn is None and not self._rebooting and self._away_until is None:
            await self._advertise()

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

    async def _outage_loop(self, every_s: float) -> None:
        while True:
            await self.air.clock.sleep(every_s)
            await self.out_of_range(self.faults.outage_s)

    async def out_of_range(self, seconds: float) -> None:
        """The wearer walks away: the link drops, nobody hears the clip for ``seconds``; it keeps
        sampling and logs posture minutes standalone, to hand over at the next connection."""
        self.counters.outages += 1
        self._rebooting = True  # no re-advertising meanwhile
        self.withhold_queue()
        await self._disconnect()
        await self.device.stop_advertising()
        self._rebooting = False
        self._away_until = self.air.clock.now() + seconds
        await self.air.clock.sleep(seconds)
        self._away_until = None
        if self._running and self._conn is None:
            await self._advertise()

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

    # -- the firmware's hooks and the clip's clock ---------------------------------------------

    def _connected(self) -> bool:
        return self._conn is not None

    def _att_mtu(self) -> int:
        return int(self._conn.att_mtu) if self._conn is not None else 0

    def _world_now(self) -> float:
        return self.air.clock.now()

    def _rate_changed(self, rate_hz: int) -> None:
        if hasattr(self.motion, "rate_hz"):
            self.motion.rate_hz = rate_hz  # the stand-in wearer follows; the simulator keeps its own

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
            # The link may have changed meanwhile (a new connection with a smaller MTU): a packet
            # never exceeds what the link carries now; the rest waits for the next one.
            n = max(1, min(n, self._samples_per_packet()))
            acc, gyr = self.motion.next_chunk(n)
            t0_us = self._next_sample_us
            self._next_sample_us += n * p_ns / 1000.0
            conn = self._conn
            if not (self.streaming and conn is not None):
                if conn is None:  # no host at all: the firmware logs posture minutes itself
                    up = acc.mean(axis=0)
                    self.log_standalone(self._next_sample_us, n * p_ns * 1e-9, (up[0], up[1], up[2]))
                continue
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
                await self.device.notify_subscriber(conn, self.gatt.stream, item.payload)
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
            response = self.handle(bytes(value))
        except Exception as e:
            self.counters.internal_errors += 1
            log.exception("virtual clip failed on a command")
            raise att.ATT_Error(att.ATT_UNLIKELY_ERROR_ERROR) from e
        self._spawn(self._respond(connection, response))

    async def _respond(self, connection: Connection, response: Response) -> None:
        if self._conn is connection:
            await self.device.notify_subscriber(connection, self.gatt.control, response.encode())


@dataclass
class ClipSpec:
    """How to build one virtual clip (what ``--virtual`` and the tests configure)."""

    role: Role
    faults: Faults = field(default_factory=Faults)
    seed: int = 0
    motion: MotionSource | None = None
    log_records: tuple[LogRecord, ...] = ()
    protocol_version: int = PROTOCOL_VERSION
