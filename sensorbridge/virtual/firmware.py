"""The clip's firmware as the host sees it, without the radio: settings, status record, posture log,
advertising payloads, and the command handler. :class:`~sensorbridge.virtual.clip.VirtualClip`
puts it on a bumble peripheral; the hooks at the end are what it needs from there.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Final

from bumble.core import UUID, AdvertisingData

from sensorbridge.conventions import Role
from sensorbridge.protocol import (
    MAX_LOG_RECORDS_PER_PAGE,
    MIN_STREAM_MTU,
    PROTOCOL_VERSION,
    SERVICE_UUID,
    TEST_COMPANY_ID,
    AccelRange,
    ClipState,
    Command,
    CommandError,
    GyroRange,
    LogClear,
    LogPage,
    LogRecord,
    LogRecordFlags,
    LogSelect,
    ManufacturerData,
    Response,
    Result,
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
    advertised_name,
    decode_command,
)
from sensorbridge.virtual.faults import ClipCounters, Vibration

FIRMWARE: Final = (1, 0, 0)


class ClipFirmware:
    """State and behaviour a clip keeps whatever carries its bytes. Subclasses provide the hooks."""

    def __init__(
        self,
        role: Role,
        *,
        battery: int = 87,
        log_records: Sequence[LogRecord] = (),
        protocol_version: int = PROTOCOL_VERSION,
        firmware: tuple[int, int, int] = FIRMWARE,
    ) -> None:
        self.role = role
        self.battery = battery
        self.protocol_version = protocol_version  # another value plays a clip with other firmware
        self.firmware = firmware
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
        # Standalone posture seconds per logged hour: (hour_start, flags) -> [upright s, slouched s].
        self._standalone: dict[tuple[int, LogRecordFlags], list[float]] = {}

    @property
    def bonded(self) -> bool:
        return self.counters.pairings > 0

    def state(self) -> ClipState:
        if self.streaming:
            return ClipState.STREAMING
        return ClipState.IDLE if self._connected() else ClipState.STANDALONE

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

    # -- commands -------------------------------------------------------------------------------

    def handle(self, data: bytes) -> Response:
        """Apply one control write; returns the response the clip notifies."""
        try:
            token, command = decode_command(data)
        except CommandError as e:
            self.commands.append((e.opcode, e.result))
            return Response(e.opcode, e.token, e.result)
        result, value = self._apply(command)
        self.commands.append((int(command.OPCODE), result))
        return Response(int(command.OPCODE), token, result, value if result == Result.OK else None)

    def _apply(self, command: Command) -> tuple[Result, int | None]:
        match command:
            case StartStream():
                if self._att_mtu() < MIN_STREAM_MTU:
                    return Result.BAD_STATE, None
                self.streaming = True
            case StopStream():
                self.streaming = False
            case SetRate(rate_hz=rate):
                self.rate_hz = rate
                self._rate_changed(rate)
            case SetRole(role=role):
                self.role = role
            case Vibrate(pattern=pattern, intensity=intensity):
                self.vibrations.append(Vibration(self._world_now(), pattern, intensity))
            case SetNeutral():
                self.neutral = command
            case SetThresholds():
                self.thresholds = command
            case TimeSync(host_unix_us=host_us):
                device_us = round(self.device_us(self._world_now()))
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
                cleared = {(r.hour_start, r.flags) for r in self.log[:count]}
                del self.log[:count]
                self.log_first = 0
                for key in cleared:  # handed over: an hour still running starts a fresh record
                    self._standalone.pop(key, None)
            case SetRanges(accel=accel, gyro=gyro):
                self.accel_range, self.gyro_range = accel, gyro
            case _:
                return Result.UNKNOWN_OPCODE, None
        return Result.OK, None

    # -- the standalone posture log -----------------------------------------------------------

    def log_standalone(self, device_us: float, seconds: float, up: tuple[float, float, float]) -> None:
        """Count ``seconds`` worn without a host, ending at device time ``device_us``, as upright or
        slouched by the tilt of ``up`` (mean specific force, sensor frame) from the neutral set
        with SET_NEUTRAL (upright when none is set). Updates the hour's record in the log."""
        if self.unix_offset_us is not None:
            t_s, flags = (device_us + self.unix_offset_us) * 1e-6, LogRecordFlags.NONE
        else:
            t_s, flags = device_us * 1e-6, LogRecordFlags.CLOCK_UNSYNCED
        hour = int(t_s // 3600) * 3600
        acc = self._standalone.setdefault((hour, flags), [0.0, 0.0])
        acc[1 if self._slouched(up) else 0] += seconds
        upright, slouched = (min(60, int(v // 60)) for v in acc)
        slouched = min(slouched, 60 - upright)
        if upright + slouched == 0:
            return  # nothing worth a record yet
        record = LogRecord(hour, upright, slouched, 0, flags)
        for i, old in enumerate(self.log):
            if (old.hour_start, old.flags) == (hour, flags):
                self.log[i] = record
                return
        self.log.append(record)

    def _slouched(self, up: tuple[float, float, float]) -> bool:
        if self.neutral is None:
            return False
        n = (self.neutral.gx, self.neutral.gy, self.neutral.gz)
        dot = sum(a * b for a, b in zip(up, n, strict=True))
        norm = math.sqrt(sum(a * a for a in up)) * math.sqrt(sum(b * b for b in n))
        if norm == 0.0:
            return False
        angle_deg = math.degrees(math.acos(max(-1.0, min(1.0, dot / norm))))
        return angle_deg * 100 > self.thresholds.angle_cdeg

    # -- hooks ----------------------------------------------------------------------------------

    def _connected(self) -> bool:
        raise NotImplementedError

    def _att_mtu(self) -> int:
        """The negotiated ATT MTU of the current link (0 when there is none)."""
        raise NotImplementedError

    def _world_now(self) -> float:
        raise NotImplementedError

    def device_us(self, world_t: float) -> float:
        """The clip's clock (µs since boot) at world time ``world_t``."""
        raise NotImplementedError

    def _rate_changed(self, rate_hz: int) -> None:
        """SET_RATE took effect (the IMU now samples at ``rate_hz``)."""
