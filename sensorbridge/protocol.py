"""The wire protocol between a clip and the host, as ``firmware/PROTOCOL.md`` specifies it.

Pure: bytes in, typed values out, and back. No I/O. Every length is exact and bounded by a named
constant; anything else raises a :class:`ProtocolError` subclass naming what is wrong.
"""

from __future__ import annotations

import enum
import math
import struct
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import ClassVar, Final

import numpy as np
from numpy.typing import NDArray

from sensorbridge.conventions import STANDARD_GRAVITY, FloatArray, Role
from sensorbridge.errors import SensorbridgeError

PROTOCOL_VERSION: Final = 1

_UUID_BASE = "5b1e{:04x}-7a3c-4d4e-9f2b-2c8a5e0d1f60"
SERVICE_UUID: Final = _UUID_BASE.format(0x0001)
STREAM_UUID: Final = _UUID_BASE.format(0x0002)
CONTROL_UUID: Final = _UUID_BASE.format(0x0003)
STATUS_UUID: Final = _UUID_BASE.format(0x0004)
LOG_UUID: Final = _UUID_BASE.format(0x0005)
BATTERY_SERVICE_UUID: Final = "0000180f-0000-1000-8000-00805f9b34fb"
BATTERY_LEVEL_UUID: Final = "00002a19-0000-1000-8000-00805f9b34fb"
DEVICE_INFO_SERVICE_UUID: Final = "0000180a-0000-1000-8000-00805f9b34fb"
MANUFACTURER_NAME_UUID: Final = "00002a29-0000-1000-8000-00805f9b34fb"
MODEL_NUMBER_UUID: Final = "00002a24-0000-1000-8000-00805f9b34fb"
FIRMWARE_REVISION_UUID: Final = "00002a26-0000-1000-8000-00805f9b34fb"
TEST_COMPANY_ID: Final = 0xFFFF  # Bluetooth SIG's company ID reserved for testing

ATT_HEADER_SIZE: Final = 3  # opcode and handle of a notification
MAX_ATT_MTU: Final = 247  # the nRF52840's largest
MIN_STREAM_MTU: Final = 35  # one sample per packet
HEADER_SIZE: Final = 20
SAMPLE_SIZE: Final = 12
MAX_SAMPLES_PER_PACKET: Final = 18
STATUS_SIZE: Final = 16
LOG_HEADER_SIZE: Final = 8
LOG_RECORD_SIZE: Final = 8
MAX_LOG_RECORDS_PER_PAGE: Final = 29
MANUFACTURER_DATA_SIZE: Final = 4
SEQ_MODULUS: Final = 1 << 16
SUPPORTED_RATES_HZ: Final = (52, 104, 208)
Q14_ONE: Final = 16384


class ProtocolError(SensorbridgeError):
    """Bytes that are not a valid message of this protocol."""


class MessageLengthError(ProtocolError):
    """The message is shorter or longer than its layout."""


class VersionError(ProtocolError):
    """The peer speaks another protocol version."""


class FieldError(ProtocolError):
    """A field holds a value outside its range."""


class PacketFlags(enum.IntFlag):
    NONE = 0
    FIFO_OVERFLOW = 0x01
    RING_OVERFLOW = 0x02
    SATURATED = 0x04
    CLOCK_RESET = 0x08


_KNOWN_FLAGS: Final = 0x0F


class AccelRange(enum.IntEnum):
    G2 = 0
    G4 = 1
    G8 = 2
    G16 = 3


class GyroRange(enum.IntEnum):
    DPS125 = 0
    DPS250 = 1
    DPS500 = 2
    DPS1000 = 3
    DPS2000 = 4


# LSM6DS3TR-C datasheet, table 3 (linear acceleration and angular rate sensitivity).
ACCEL_MG_PER_LSB: Final = {
    AccelRange.G2: 0.061,
    AccelRange.G4: 0.122,
    AccelRange.G8: 0.244,
    AccelRange.G16: 0.488,
}
GYRO_MDPS_PER_LSB: Final = {
    GyroRange.DPS125: 4.375,
    GyroRange.DPS250: 8.75,
    GyroRange.DPS500: 17.5,
    GyroRange.DPS1000: 35.0,
    GyroRange.DPS2000: 70.0,
}
DEFAULT_ACCEL_RANGE: Final = AccelRange.G4
DEFAULT_GYRO_RANGE: Final = GyroRange.DPS500
DEFAULT_RATE_HZ: Final = 104


def accel_scale(code: AccelRange) -> float:
    """m/s² per raw count."""
    return ACCEL_MG_PER_LSB[code] * 1e-3 * STANDARD_GRAVITY


def gyro_scale(code: GyroRange) -> float:
    """rad/s per raw count."""
    return GYRO_MDPS_PER_LSB[code] * 1e-3 * math.pi / 180.0


def encode_ranges(accel: AccelRange, gyro: GyroRange) -> int:
    return int(accel) | (int(gyro) << 4)


def decode_ranges(byte: int) -> tuple[AccelRange, GyroRange]:
    try:
        return AccelRange(byte & 0x0F), GyroRange(byte >> 4)
    except ValueError as e:
        raise FieldError(f"unknown full-scale code in ranges byte 0x{byte:02x}") from e


def period_ns(rate_hz: float) -> int:
    """The sample period a clip reports for an output data rate."""
    return round(1e9 / rate_hz)


def samples_per_packet(att_mtu: int) -> int:
    """How many samples a notification holds at this ATT MTU (0 when it is too small to stream)."""
    if att_mtu < MIN_STREAM_MTU:
        return 0
    return min(MAX_SAMPLES_PER_PACKET, (att_mtu - ATT_HEADER_SIZE - HEADER_SIZE) // SAMPLE_SIZE)


def _check_version(version: int, what: str) -> None:
    if version != PROTOCOL_VERSION:
        raise VersionError(
            f"{what} has protocol version {version}; this host speaks version {PROTOCOL_VERSION}",
            hint=f"flash firmware that speaks protocol version {PROTOCOL_VERSION} (see firmware/README.md)",
        )


def _check_role(value: int) -> Role:
    try:
        return Role(value)
    except ValueError as e:
        raise FieldError(f"unknown node role {value}") from e


# ---------------------------------------------------------------------------------------------
# Sample packets

_HEADER = struct.Struct("<BBHQIBBBB")
assert _HEADER.size == HEADER_SIZE

_HEADER_FIELDS: Final = [
    ("version", "u1"),
    ("role", "u1"),
    ("seq", "<u2"),
    ("t0_us", "<u8"),
    ("period_ns", "<u4"),
    ("count", "u1"),
    ("flags", "u1"),
    ("ranges", "u1"),
    ("reserved", "u1"),
]


def packet_dtype(count: int) -> np.dtype[np.void]:
    """The numpy structured dtype of a whole sample packet with ``count`` samples."""
    if not 1 <= count <= MAX_SAMPLES_PER_PACKET:
        raise FieldError(f"sample count {count} outside 1..{MAX_SAMPLES_PER_PACKET}")
    return np.dtype([*_HEADER_FIELDS, ("samples", "<i2", (count, 6))])


@dataclass(frozen=True)
class SamplePacket:
    """One notification of the stream characteristic. ``samples`` (count, 6) int16 raw counts:
    ax, ay, az, gx, gy, gz in the sensor frame."""

    role: Role
    seq: int
    t0_us: int
    period_ns: int
    samples: NDArray[np.int16]
    flags: PacketFlags = PacketFlags.NONE
    accel_range: AccelRange = DEFAULT_ACCEL_RANGE
    gyro_range: GyroRange = DEFAULT_GYRO_RANGE

    def __post_init__(self) -> None:
        s = self.samples
        if s.ndim != 2 or s.shape[1] != 6 or not 1 <= s.shape[0] <= MAX_SAMPLES_PER_PACKET:
            raise FieldError(f"samples must have shape (1..{MAX_SAMPLES_PER_PACKET}, 6), got {s.shape}")
        if not 0 <= self.seq < SEQ_MODULUS:
            raise FieldError(f"seq {self.seq} outside 0..65535")
        if not 0 <= self.t0_us < 1 << 64:
            raise FieldError(f"t0_us {self.t0_us} is not a u64")
        if not 0 < self.period_ns < 1 << 32:
            raise FieldError(f"period_ns {self.period_ns} must be a positive u32")
        if int(self.flags) & ~_KNOWN_FLAGS:
            raise FieldError(f"unknown packet flags 0x{int(self.flags):02x}")

    @property
    def count(self) -> int:
        return int(self.samples.shape[0])

    def encode(self) -> bytes:
        header = _HEADER.pack(
            PROTOCOL_VERSION,
            int(self.role),
            self.seq,
            self.t0_us,
            self.period_ns,
            self.count,
            int(self.flags),
            encode_ranges(self.accel_range, self.gyro_range),
            0,
        )
        return header + self.samples.astype("<i2", copy=False).tobytes()

    @classmethod
    def decode(cls, data: bytes) -> SamplePacket:
        if len(data) < HEADER_SIZE:
            raise MessageLengthError(
                f"sample packet of {len(data)} bytes is shorter than its {HEADER_SIZE}-byte header"
            )
        version, role, seq, t0, period, count, flags, ranges, reserved = _HEADER.unpack_from(data)
        _check_version(version, "sample packet")
        if not 1 <= count <= MAX_SAMPLES_PER_PACKET:
            raise FieldError(f"sample count {count} outside 1..{MAX_SAMPLES_PER_PACKET}")
        expected = HEADER_SIZE + count * SAMPLE_SIZE
        if len(data) != expected:
            raise MessageLengthError(
                f"sample packet says {count} samples ({expected} bytes) but has {len(data)} bytes"
            )
        if reserved:
            raise FieldError(f"reserved header byte is 0x{reserved:02x}, must be 0")
        if flags & ~_KNOWN_FLAGS:
            raise FieldError(f"unknown packet flags 0x{flags:02x}")
        if period == 0:
            raise FieldError("sample period is zero")
        accel, gyro = decode_ranges(ranges)
        samples = np.frombuffer(data, dtype="<i2", offset=HEADER_SIZE).reshape(count, 6)
        return cls(
            _check_role(role),
            seq,
            t0,
            period,
            samples.astype(np.int16),
            PacketFlags(flags),
            accel,
            gyro,
        )

    def sample_times_us(self) -> FloatArray:
        """Device time of each sample, µs, shape (count,)."""
        return self.t0_us + np.arange(self.count, dtype=np.float64) * (self.period_ns / 1000.0)

    def acc(self) -> FloatArray:
        """Specific force, m/s², sensor frame, shape (count, 3)."""
        return self.samples[:, :3].astype(np.float64) * accel_scale(self.accel_range)

    def gyr(self) -> FloatArray:
        """Angular rate, rad/s, sensor frame, shape (count, 3)."""
        return self.samples[:, 3:].astype(np.float64) * gyro_scale(self.gyro_range)


@dataclass(frozen=True)
class DecodedPackets:
    """Many sample packets of one node decoded at once: per packet and per sample arrays.

    ``seq``, ``t0_us``, ``period_ns``, ``flags`` (P,) per packet; ``packet_index`` (N,) maps each
    sample to its packet; ``t_us`` (N,) device µs; ``acc`` (N, 3) m/s²; ``gyr`` (N, 3) rad/s.
    """

    seq: NDArray[np.uint16]
    t0_us: NDArray[np.uint64]
    period_ns: FloatArray
    flags: NDArray[np.uint8]
    counts: NDArray[np.int64]
    packet_index: NDArray[np.int64]
    t_us: FloatArray
    acc: FloatArray
    gyr: FloatArray


def decode_sample_packets(packets: Sequence[bytes], role: Role | None = None) -> DecodedPackets:
    """Decode many packets vectorised (see :func:`decode_sample_spans`). Packets must all be valid
    (each is checked as :meth:`SamplePacket.decode` would) and, when ``role`` is given, of that node.
    The order of the input is kept."""
    lengths = np.fromiter((len(p) for p in packets), np.int64, len(packets))
    stop = np.cumsum(lengths)
    buf = np.frombuffer(b"".join(packets), np.uint8)
    return decode_sample_spans(buf, stop - lengths, stop, role)


def _packet_at(buf: NDArray[np.uint8], start: NDArray[np.int64], stop: NDArray[np.int64], i: int) -> bytes:
    return bytes(buf[int(start[i]) : int(stop[i])])


def decode_sample_spans(
    buf: NDArray[np.uint8],
    start: NDArray[np.int64],
    stop: NDArray[np.int64],
    role: Role | None = None,
) -> DecodedPackets:
    """Decode the packets lying at ``buf[start[i]:stop[i]]`` (P,) byte offsets into a byte buffer
    (a mapped recording, say), vectorised: the packets of one length are gathered in one copy and
    read through a structured dtype. Checks and order as :func:`decode_sample_packets`."""
    if buf.ndim != 1 or start.ndim != 1 or start.shape != stop.shape:
        raise ValueError(f"need a 1-D buffer and (P,) offsets, got {buf.shape}, {start.shape}, {stop.shape}")
    n = start.size
    seq = np.zeros(n, np.uint16)
    t0 = np.zeros(n, np.uint64)
    flags = np.zeros(n, np.uint8)
    period = np.zeros(n, np.float64)
    counts = np.zeros(n, np.int64)
    ranges = np.zeros(n, np.uint8)
    lengths = stop - start
    raw_parts: list[tuple[NDArray[np.int64], NDArray[np.int16]]] = []
    distinct = np.unique(lengths)
    for length in distinct:
        idx = np.flatnonzero(lengths == length) if distinct.size > 1 else np.arange(n)
        count, rem = divmod(int(length) - HEADER_SIZE, SAMPLE_SIZE)
        if rem or not 1 <= count <= MAX_SAMPLES_PER_PACKET:
            SamplePacket.decode(_packet_at(buf, start, stop, int(idx[0])))  # raises the precise error
            raise MessageLengthError(f"sample packet of {length} bytes")  # pragma: no cover
        rows = np.lib.stride_tricks.sliding_window_view(buf, int(length))[start[idx]]  # (m, length) copy
        arr = rows.view(packet_dtype(count)).reshape(-1)
        bad = (
            (arr["version"] != PROTOCOL_VERSION)
            | (arr["count"] != count)
            | (arr["reserved"] != 0)
            | ((arr["flags"] & ~np.uint8(_KNOWN_FLAGS)) != 0)
            | (arr["period_ns"] == 0)
            | ((arr["ranges"] & 0x0F) > max(AccelRange))
            | ((arr["ranges"] >> 4) > max(GyroRange))
            | (arr["role"] > max(Role))
            | ((arr["role"] != role) if role is not None else False)
        )
        if bad.any():
            first = int(idx[int(np.argmax(bad))])
            blob = _packet_at(buf, start, stop, first)
            SamplePacket.decode(blob)
            raise FieldError(f"packet {first} is from node {blob[1]}, expected {role!s}")
        seq[idx], t0[idx], flags[idx] = arr["seq"], arr["t0_us"], arr["flags"]
        period[idx], counts[idx], ranges[idx] = arr["period_ns"], count, arr["ranges"]
        raw_parts.append((idx, arr["samples"].reshape(-1, count, 6)))
    packet_index = np.repeat(np.arange(n), counts)
    acc_lsb = np.array([accel_scale(AccelRange(c)) for c in range(len(AccelRange))])
    gyr_lsb = np.array([gyro_scale(GyroRange(c)) for c in range(len(GyroRange))])
    if len(raw_parts) == 1:
        # One packet length (the usual case): the samples are already in order, the times a grid.
        raw = raw_parts[0][1].reshape(-1, 6)
        k = np.arange(raw_parts[0][1].shape[1])
        t_us = (t0.astype(np.float64)[:, None] + k * (period / 1000.0)[:, None]).reshape(-1)
    else:
        starts = np.concatenate([[0], np.cumsum(counts)])
        raw = np.zeros((int(starts[-1]), 6), np.int16)
        for idx, block in raw_parts:
            dest = starts[idx][:, None] + np.arange(block.shape[1])
            raw[dest.ravel()] = block.reshape(-1, 6)
        k = np.arange(raw.shape[0]) - starts[packet_index]
        t_us = t0[packet_index].astype(np.float64) + k * (period[packet_index] / 1000.0)
    if n and np.all(ranges == ranges[0]):
        acc = raw[:, :3] * acc_lsb[ranges[0] & 0x0F]
        gyr = raw[:, 3:] * gyr_lsb[ranges[0] >> 4]
    else:
        per_sample_ranges = ranges[packet_index]
        acc = raw[:, :3] * acc_lsb[per_sample_ranges & 0x0F][:, None]
        gyr = raw[:, 3:] * gyr_lsb[per_sample_ranges >> 4][:, None]
    return DecodedPackets(seq, t0, period, flags, counts, packet_index, t_us, acc, gyr)


# ---------------------------------------------------------------------------------------------
# Status


class ClipState(enum.IntEnum):
    IDLE = 0
    STREAMING = 1
    STANDALONE = 2
    SLEEP = 3


class StatusFlags(enum.IntFlag):
    NONE = 0
    BONDED = 0x01
    NEUTRAL_SET = 0x02
    PAIRING_WINDOW = 0x04
    CLOCK_SYNCED = 0x08


_STATUS = struct.Struct("<BBBBHBBBBIH")
assert _STATUS.size == STATUS_SIZE


@dataclass(frozen=True)
class Status:
    state: ClipState
    role: Role
    rate_hz: int
    firmware: tuple[int, int, int]
    dropped_samples: int = 0
    log_records: int = 0
    flags: StatusFlags = StatusFlags.NONE
    accel_range: AccelRange = DEFAULT_ACCEL_RANGE
    gyro_range: GyroRange = DEFAULT_GYRO_RANGE

    def encode(self) -> bytes:
        return _STATUS.pack(
            PROTOCOL_VERSION,
            int(self.state),
            int(self.role),
            encode_ranges(self.accel_range, self.gyro_range),
            self.rate_hz,
            *self.firmware,
            int(self.flags),
            self.dropped_samples,
            self.log_records,
        )

    @classmethod
    def decode(cls, data: bytes) -> Status:
        if len(data) != STATUS_SIZE:
            raise MessageLengthError(f"status has {len(data)} bytes, expected {STATUS_SIZE}")
        version, state, role, ranges, rate, fa, fb, fc, flags, dropped, records = _STATUS.unpack(data)
        _check_version(version, "the clip's status")
        try:
            clip_state = ClipState(state)
        except ValueError as e:
            raise FieldError(f"unknown clip state {state}") from e
        if flags & ~0x0F:
            raise FieldError(f"unknown status flags 0x{flags:02x}")
        accel, gyro = decode_ranges(ranges)
        return cls(
            clip_state,
            _check_role(role),
            rate,
            (fa, fb, fc),
            dropped,
            records,
            StatusFlags(flags),
            accel,
            gyro,
        )


# ---------------------------------------------------------------------------------------------
# Commands


class Opcode(enum.IntEnum):
    START_STREAM = 0x01
    STOP_STREAM = 0x02
    SET_RATE = 0x03
    SET_ROLE = 0x04
    VIBRATE = 0x05
    SET_NEUTRAL = 0x06
    SET_THRESHOLDS = 0x07
    TIME_SYNC = 0x08
    LOG_SELECT = 0x09
    LOG_CLEAR = 0x0A
    SET_RANGES = 0x0B


RESPONSE_BIT: Final = 0x80


class Result(enum.IntEnum):
    OK = 0
    UNKNOWN_OPCODE = 1
    BAD_LENGTH = 2
    INVALID_PARAM = 3
    BAD_STATE = 4
    NOT_AUTHORIZED = 5
    STORAGE_ERROR = 6


class CommandError(ProtocolError):
    """A request the clip must refuse; ``result`` is the code it answers with."""

    def __init__(self, message: str, result: Result, token: int = 0, opcode: int = 0) -> None:
        super().__init__(message)
        self.result = result
        self.token = token
        self.opcode = opcode


class VibrationPattern(enum.IntEnum):
    STOP = 0
    SHORT = 1
    DOUBLE = 2
    LONG = 3


def _require(ok: bool, message: str) -> None:
    if not ok:
        raise FieldError(message)


@dataclass(frozen=True)
class Command:
    """Base of every command. Subclasses name their opcode and payload layout."""

    OPCODE: ClassVar[Opcode]
    LAYOUT: ClassVar[struct.Struct] = struct.Struct("<")

    def fields(self) -> tuple[int, ...]:
        return ()

    def payload(self) -> bytes:
        return self.LAYOUT.pack(*self.fields())

    def encode(self, token: int) -> bytes:
        if not 0 <= token <= 0xFF:
            raise FieldError(f"token {token} is not a byte")
        return bytes([self.OPCODE, token]) + self.payload()


@dataclass(frozen=True)
class StartStream(Command):
    OPCODE = Opcode.START_STREAM


@dataclass(frozen=True)
class StopStream(Command):
    OPCODE = Opcode.STOP_STREAM


@dataclass(frozen=True)
class SetRate(Command):
    OPCODE = Opcode.SET_RATE
    LAYOUT = struct.Struct("<H")
    rate_hz: int = DEFAULT_RATE_HZ

    def __post_init__(self) -> None:
        _require(self.rate_hz in SUPPORTED_RATES_HZ, f"rate {self.rate_hz} Hz not supported")

    def fields(self) -> tuple[int, ...]:
        return (self.rate_hz,)


@dataclass(frozen=True)
class SetRole(Command):
    OPCODE = Opcode.SET_ROLE
    LAYOUT = struct.Struct("<B")
    role: Role = Role.BACK

    def __post_init__(self) -> None:
        _check_role(int(self.role))

    def fields(self) -> tuple[int, ...]:
        return (int(self.role),)


@dataclass(frozen=True)
class Vibrate(Command):
    OPCODE = Opcode.VIBRATE
    LAYOUT = struct.Struct("<BB")
    pattern: VibrationPattern = VibrationPattern.SHORT
    intensity: int = 50  # percent

    def __post_init__(self) -> None:
        _require(int(self.pattern) in set(VibrationPattern), f"unknown pattern {self.pattern}")
        low = 0 if self.pattern == VibrationPattern.STOP else 1
        _require(low <= self.intensity <= 100, f"intensity {self.intensity} outside {low}..100")

    def fields(self) -> tuple[int, ...]:
        return (int(self.pattern), self.intensity)


@dataclass(frozen=True)
class SetNeutral(Command):
    """The neutral up direction in the sensor frame as a Q14 unit vector."""

    OPCODE = Opcode.SET_NEUTRAL
    LAYOUT = struct.Struct("<hhh")
    gx: int = 0
    gy: int = 0
    gz: int = Q14_ONE

    def __post_init__(self) -> None:
        norm = math.sqrt(self.gx**2 + self.gy**2 + self.gz**2) / Q14_ONE
        _require(0.9 <= norm <= 1.1, f"neutral vector norm {norm:.3f} outside 0.9..1.1")

    @classmethod
    def from_vector(cls, up: Sequence[float]) -> SetNeutral:
        v = np.asarray(up, dtype=np.float64)
        v = v / np.linalg.norm(v)
        gx, gy, gz = (int(np.clip(round(c * Q14_ONE), -32768, 32767)) for c in v)
        return cls(gx, gy, gz)

    def fields(self) -> tuple[int, ...]:
        return (self.gx, self.gy, self.gz)


@dataclass(frozen=True)
class SetThresholds(Command):
    OPCODE = Opcode.SET_THRESHOLDS
    LAYOUT = struct.Struct("<HHI")
    angle_cdeg: int = 1200
    dwell_s: int = 30
    motion_mdps: int = 30000

    def __post_init__(self) -> None:
        _require(100 <= self.angle_cdeg <= 9000, f"angle {self.angle_cdeg} cdeg outside 100..9000")
        _require(1 <= self.dwell_s <= 3600, f"dwell {self.dwell_s} s outside 1..3600")
        _require(
            1000 <= self.motion_mdps <= 500000,
            f"motion gate {self.motion_mdps} mdps outside 1000..500000",
        )

    def fields(self) -> tuple[int, ...]:
        return (self.angle_cdeg, self.dwell_s, self.motion_mdps)


@dataclass(frozen=True)
class TimeSync(Command):
    OPCODE = Opcode.TIME_SYNC
    LAYOUT = struct.Struct("<Q")
    host_unix_us: int = 0

    def __post_init__(self) -> None:
        _require(0 <= self.host_unix_us < 1 << 64, "host time is not a u64")

    def fields(self) -> tuple[int, ...]:
        return (self.host_unix_us,)


@dataclass(frozen=True)
class LogSelect(Command):
    OPCODE = Opcode.LOG_SELECT
    LAYOUT = struct.Struct("<H")
    first_record: int = 0

    def __post_init__(self) -> None:
        _require(0 <= self.first_record <= 0xFFFF, "first record is not a u16")

    def fields(self) -> tuple[int, ...]:
        return (self.first_record,)


@dataclass(frozen=True)
class LogClear(Command):
    OPCODE = Opcode.LOG_CLEAR
    LAYOUT = struct.Struct("<H")
    count: int = 0

    def __post_init__(self) -> None:
        _require(0 <= self.count <= 0xFFFF, "count is not a u16")

    def fields(self) -> tuple[int, ...]:
        return (self.count,)


@dataclass(frozen=True)
class SetRanges(Command):
    OPCODE = Opcode.SET_RANGES
    LAYOUT = struct.Struct("<B")
    accel: AccelRange = DEFAULT_ACCEL_RANGE
    gyro: GyroRange = DEFAULT_GYRO_RANGE

    def fields(self) -> tuple[int, ...]:
        return (encode_ranges(self.accel, self.gyro),)


COMMAND_TYPES: Final[dict[Opcode, type[Command]]] = {
    cls.OPCODE: cls
    for cls in (
        StartStream,
        StopStream,
        SetRate,
        SetRole,
        Vibrate,
        SetNeutral,
        SetThresholds,
        TimeSync,
        LogSelect,
        LogClear,
        SetRanges,
    )
}


def decode_command(data: bytes) -> tuple[int, Command]:
    """``(token, command)`` from a control write; raises :class:`CommandError` with the result code
    the clip answers with."""
    if len(data) < 2:
        opcode = data[0] if data else 0
        raise CommandError("request shorter than opcode and token", Result.BAD_LENGTH, 0, opcode)
    opcode, token, payload = data[0], data[1], data[2:]
    try:
        cls = COMMAND_TYPES[Opcode(opcode)]
    except ValueError:
        raise CommandError(f"unknown opcode 0x{opcode:02x}", Result.UNKNOWN_OPCODE, token, opcode) from None
    if len(payload) != cls.LAYOUT.size:
        raise CommandError(
            f"{cls.OPCODE.name} takes {cls.LAYOUT.size} payload bytes, got {len(payload)}",
            Result.BAD_LENGTH,
            token,
            opcode,
        )
    values = list(cls.LAYOUT.unpack(payload))
    try:
        if cls is SetRole:
            return token, SetRole(_check_role(values[0]))
        if cls is Vibrate:
            return token, Vibrate(VibrationPattern(values[0]), values[1])
        if cls is SetRanges:
            return token, SetRanges(*decode_ranges(values[0]))
        return token, cls(*values)
    except (FieldError, ValueError) as e:
        raise CommandError(str(e), Result.INVALID_PARAM, token, opcode) from e


_RESPONSE_PAYLOAD: Final = {
    Opcode.TIME_SYNC: struct.Struct("<Q"),
    Opcode.LOG_SELECT: struct.Struct("<H"),
}


@dataclass(frozen=True)
class Response:
    """The clip's answer to a command. ``value`` is the response payload's number, when it has one
    (TIME_SYNC: the device clock in µs; LOG_SELECT: the number of log records)."""

    opcode: int
    token: int
    result: Result
    value: int | None = None

    def encode(self) -> bytes:
        head = bytes([self.opcode | RESPONSE_BIT, self.token, int(self.result)])
        layout = _RESPONSE_PAYLOAD.get(Opcode(self.opcode)) if self.opcode in set(Opcode) else None
        if self.result != Result.OK or layout is None:
            return head
        if self.value is None:
            raise FieldError(f"a response to {Opcode(self.opcode).name} needs a value")
        try:
            return head + layout.pack(self.value)
        except struct.error as e:
            raise FieldError(f"{Opcode(self.opcode).name} response value {self.value} does not fit") from e

    @classmethod
    def decode(cls, data: bytes) -> Response:
        if len(data) < 3:
            raise MessageLengthError(f"response of {len(data)} bytes, expected at least 3")
        if not data[0] & RESPONSE_BIT:
            raise FieldError(f"byte 0x{data[0]:02x} is not a response opcode")
        opcode, token, code = data[0] & ~RESPONSE_BIT, data[1], data[2]
        try:
            result = Result(code)
        except ValueError as e:
            raise FieldError(f"unknown result code {code}") from e
        layout = _RESPONSE_PAYLOAD.get(Opcode(opcode)) if opcode in set(Opcode) else None
        size = layout.size if (layout is not None and result == Result.OK) else 0
        if len(data) != 3 + size:
            raise MessageLengthError(
                f"response to opcode 0x{opcode:02x} has {len(data)} bytes, expected {3 + size}"
            )
        value = layout.unpack_from(data, 3)[0] if size and layout is not None else None
        return cls(opcode, token, result, value)


# ---------------------------------------------------------------------------------------------
# Posture log


class LogRecordFlags(enum.IntFlag):
    NONE = 0
    CLOCK_UNSYNCED = 0x01


_LOG_HEADER = struct.Struct("<BBHHBB")
_LOG_RECORD = struct.Struct("<IBBBB")
assert _LOG_HEADER.size == LOG_HEADER_SIZE
assert _LOG_RECORD.size == LOG_RECORD_SIZE


@dataclass(frozen=True)
class LogRecord:
    """One clock hour of standalone wear. ``hour_start``: Unix s, or device s with CLOCK_UNSYNCED."""

    hour_start: int
    upright_min: int
    slouched_min: int
    alerts: int = 0
    flags: LogRecordFlags = LogRecordFlags.NONE

    def __post_init__(self) -> None:
        _require(0 <= self.hour_start < 1 << 32, "hour_start is not a u32")
        _require(
            self.upright_min >= 0 and self.slouched_min >= 0 and self.upright_min + self.slouched_min <= 60,
            f"{self.upright_min} upright + {self.slouched_min} slouched minutes exceed an hour",
        )
        _require(0 <= self.alerts <= 0xFF, "alerts is not a byte")
        _require(not int(self.flags) & ~0x01, f"unknown record flags 0x{int(self.flags):02x}")


@dataclass(frozen=True)
class LogPage:
    first_record: int
    total_records: int
    records: tuple[LogRecord, ...] = field(default_factory=tuple)

    def encode(self) -> bytes:
        _require(len(self.records) <= MAX_LOG_RECORDS_PER_PAGE, "too many records for one page")
        head = _LOG_HEADER.pack(
            PROTOCOL_VERSION,
            LOG_RECORD_SIZE,
            self.first_record,
            self.total_records,
            len(self.records),
            0,
        )
        body = b"".join(
            _LOG_RECORD.pack(r.hour_start, r.upright_min, r.slouched_min, r.alerts, int(r.flags))
            for r in self.records
        )
        return head + body

    @classmethod
    def decode(cls, data: bytes) -> LogPage:
        if len(data) < LOG_HEADER_SIZE:
            raise MessageLengthError(f"log page of {len(data)} bytes is shorter than its header")
        version, size, first, total, count, reserved = _LOG_HEADER.unpack_from(data)
        _check_version(version, "log page")
        if size != LOG_RECORD_SIZE:
            raise FieldError(f"log record size {size}, expected {LOG_RECORD_SIZE}")
        if count > MAX_LOG_RECORDS_PER_PAGE:
            raise FieldError(f"log page claims {count} records, at most {MAX_LOG_RECORDS_PER_PAGE}")
        if reserved:
            raise FieldError(f"reserved log header byte is 0x{reserved:02x}, must be 0")
        if len(data) != LOG_HEADER_SIZE + count * LOG_RECORD_SIZE:
            raise MessageLengthError(
                f"log page says {count} records but has {len(data) - LOG_HEADER_SIZE} body bytes"
            )
        if first + count > total:
            raise FieldError(f"records {first}..{first + count} exceed the total {total}")
        records = []
        for i in range(count):
            hour, up, sl, alerts, flags = _LOG_RECORD.unpack_from(data, LOG_HEADER_SIZE + i * LOG_RECORD_SIZE)
            records.append(LogRecord(hour, up, sl, alerts, LogRecordFlags(flags)))
        return cls(first, total, tuple(records))


# ---------------------------------------------------------------------------------------------
# Advertising


@dataclass(frozen=True)
class ManufacturerData:
    """The scan response's manufacturer-specific payload (after the company ID)."""

    role: Role
    battery_percent: int
    state: ClipState

    def encode(self) -> bytes:
        return bytes([PROTOCOL_VERSION, int(self.role), self.battery_percent, int(self.state)])

    @classmethod
    def decode(cls, data: bytes) -> ManufacturerData:
        if len(data) != MANUFACTURER_DATA_SIZE:
            raise MessageLengthError(
                f"manufacturer data of {len(data)} bytes, expected {MANUFACTURER_DATA_SIZE}"
            )
        _check_version(data[0], "advertisement")
        if data[2] > 100:
            raise FieldError(f"battery {data[2]} % above 100")
        try:
            state = ClipState(data[3])
        except ValueError as e:
            raise FieldError(f"unknown clip state {data[3]}") from e
        return cls(_check_role(data[1]), data[2], state)


def advertised_name(role: Role) -> str:
    return "SB-Back" if role == Role.BACK else "SB-Head"
