"""The C core against the Python codec, through ctypes: both sides must agree on every byte.

``make -C firmware lib`` builds the core (and the host fakes its platform seam needs) as a shared
library. Random packets, status records and log pages encoded in C decode identically with
:mod:`sensorbridge.protocol`; commands encoded in Python parse identically in C; and arbitrary bytes get
the same verdict from both parsers (accepted with the same fields, or refused with the same code).
"""

from __future__ import annotations

import ctypes
import shutil
import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sensorbridge import protocol as p
from sensorbridge.conventions import Role

FIRMWARE = Path(__file__).resolve().parent.parent / "firmware"
MAX_SAMPLES = p.MAX_SAMPLES_PER_PACKET
EXAMPLES = settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

# sb_err_t codes (firmware/core/sb_err.h) and the host's exception for each decoding error.
SB_OK, SB_ERR_LENGTH, SB_ERR_VERSION, SB_ERR_FIELD = 0, 3, 4, 5
HOST_ERROR = {SB_ERR_LENGTH: p.MessageLengthError, SB_ERR_VERSION: p.VersionError, SB_ERR_FIELD: p.FieldError}


class SamplePacketC(ctypes.Structure):
    _fields_ = [
        ("role", ctypes.c_uint8),
        ("seq", ctypes.c_uint16),
        ("t0_us", ctypes.c_uint64),
        ("period_ns", ctypes.c_uint32),
        ("count", ctypes.c_uint8),
        ("flags", ctypes.c_uint8),
        ("ranges", ctypes.c_uint8),
        ("samples", (ctypes.c_int16 * 6) * MAX_SAMPLES),
    ]


class StatusC(ctypes.Structure):
    _fields_ = [
        ("state", ctypes.c_uint8),
        ("role", ctypes.c_uint8),
        ("ranges", ctypes.c_uint8),
        ("rate_hz", ctypes.c_uint16),
        ("fw_major", ctypes.c_uint8),
        ("fw_minor", ctypes.c_uint8),
        ("fw_patch", ctypes.c_uint8),
        ("status_flags", ctypes.c_uint8),
        ("dropped_samples", ctypes.c_uint32),
        ("log_records", ctypes.c_uint16),
    ]


class VibrateC(ctypes.Structure):
    _fields_ = [("pattern", ctypes.c_uint8), ("intensity", ctypes.c_uint8)]


class NeutralC(ctypes.Structure):
    _fields_ = [("x", ctypes.c_int16), ("y", ctypes.c_int16), ("z", ctypes.c_int16)]


class ThresholdsC(ctypes.Structure):
    _fields_ = [
        ("angle_cdeg", ctypes.c_uint16),
        ("dwell_s", ctypes.c_uint16),
        ("motion_mdps", ctypes.c_uint32),
    ]


class ArgsC(ctypes.Union):
    _fields_ = [
        ("rate_hz", ctypes.c_uint16),
        ("role", ctypes.c_uint8),
        ("vibrate", VibrateC),
        ("neutral", NeutralC),
        ("thresholds", ThresholdsC),
        ("host_unix_us", ctypes.c_uint64),
        ("first_record", ctypes.c_uint16),
        ("clear_count", ctypes.c_uint16),
        ("ranges", ctypes.c_uint8),
    ]


class CommandC(ctypes.Structure):
    _fields_ = [("opcode", ctypes.c_uint8), ("token", ctypes.c_uint8), ("args", ArgsC)]


class LogRecordC(ctypes.Structure):
    _fields_ = [
        ("hour_start", ctypes.c_uint32),
        ("upright_min", ctypes.c_uint8),
        ("slouched_min", ctypes.c_uint8),
        ("alerts", ctypes.c_uint8),
        ("flags", ctypes.c_uint8),
    ]


class LogPageC(ctypes.Structure):
    _fields_ = [
        ("first_record", ctypes.c_uint16),
        ("total_records", ctypes.c_uint16),
        ("count", ctypes.c_uint8),
        ("records", LogRecordC * p.MAX_LOG_RECORDS_PER_PAGE),
    ]


@pytest.fixture(scope="module")
def core() -> ctypes.CDLL:
    """The core as a host shared library, built by the firmware Makefile."""
    if shutil.which("make") is None or shutil.which("cc") is None:
        pytest.fail(
            "building the firmware core needs make and a C compiler (apt-get install build-essential)"
        )
    subprocess.run(["make", "-s", "-C", str(FIRMWARE), "lib"], check=True, capture_output=True, text=True)
    lib = ctypes.CDLL(str(FIRMWARE / "build" / "libsbcore.so"))
    size_t_p = ctypes.POINTER(ctypes.c_size_t)
    for name, struct in (
        ("sb_packet", SamplePacketC),
        ("sb_status", StatusC),
        ("sb_log_page", LogPageC),
    ):
        encode, decode = getattr(lib, f"{name}_encode"), getattr(lib, f"{name}_decode")
        encode.argtypes = [ctypes.POINTER(struct), ctypes.c_char_p, ctypes.c_size_t, size_t_p]
        decode.argtypes = [ctypes.c_char_p, ctypes.c_size_t, ctypes.POINTER(struct)]
        encode.restype = decode.restype = ctypes.c_int
    lib.sb_command_parse.argtypes = [ctypes.c_char_p, ctypes.c_size_t, ctypes.POINTER(CommandC)]
    lib.sb_command_parse.restype = ctypes.c_int
    lib.sb_command_encode.argtypes = [ctypes.POINTER(CommandC), ctypes.c_char_p, ctypes.c_size_t, size_t_p]
    lib.sb_command_encode.restype = ctypes.c_int
    return lib


def c_encode(lib: ctypes.CDLL, name: str, value: Any) -> tuple[int, bytes]:
    out = ctypes.create_string_buffer(512)
    length = ctypes.c_size_t(0)
    err = getattr(lib, f"{name}_encode")(ctypes.byref(value), out, len(out), ctypes.byref(length))
    return int(err), out.raw[: length.value]


# ---------------------------------------------------------------------------------------------
# Sample packets

packets = st.builds(
    lambda role, seq, t0, period, flags, accel, gyro, raw: p.SamplePacket(
        Role(role), seq, t0, period, raw, p.PacketFlags(flags), p.AccelRange(accel), p.GyroRange(gyro)
    ),
    st.integers(0, 1),
    st.integers(0, 0xFFFF),
    st.integers(0, 2**64 - 1),
    st.integers(1, 2**32 - 1),
    st.integers(0, 0x0F),
    st.integers(0, 3),
    st.integers(0, 4),
    st.integers(1, MAX_SAMPLES).flatmap(
        lambda n: st.lists(st.integers(-32768, 32767), min_size=6 * n, max_size=6 * n).map(
            lambda v: np.array(v, dtype=np.int16).reshape(-1, 6)
        )
    ),
)


def to_c_packet(pkt: p.SamplePacket) -> SamplePacketC:
    c = SamplePacketC()
    c.role, c.seq, c.t0_us, c.period_ns = int(pkt.role), pkt.seq, pkt.t0_us, pkt.period_ns
    c.count, c.flags = pkt.count, int(pkt.flags)
    c.ranges = p.encode_ranges(pkt.accel_range, pkt.gyro_range)
    for k in range(pkt.count):
        for a in range(6):
            c.samples[k][a] = int(pkt.samples[k, a])
    return c


@EXAMPLES
@given(pkt=packets)
def test_packets_encoded_in_c_decode_identically_in_python(core: ctypes.CDLL, pkt: p.SamplePacket) -> None:
    err, data = c_encode(core, "sb_packet", to_c_packet(pkt))
    assert err == SB_OK
    assert data == pkt.encode()
    back = p.SamplePacket.decode(data)
    assert (back.role, back.seq, back.t0_us, back.period_ns, back.flags) == (
        pkt.role,
        pkt.seq,
        pkt.t0_us,
        pkt.period_ns,
        pkt.flags,
    )
    assert (back.accel_range, back.gyro_range) == (pkt.accel_range, pkt.gyro_range)
    np.testing.assert_array_equal(back.samples, pkt.samples)


@EXAMPLES
@given(pkt=packets)
def test_packets_encoded_in_python_decode_identically_in_c(core: ctypes.CDLL, pkt: p.SamplePacket) -> None:
    c = SamplePacketC()
    assert core.sb_packet_decode(pkt.encode(), len(pkt.encode()), ctypes.byref(c)) == SB_OK
    assert (c.role, c.seq, c.t0_us, c.period_ns, c.count, c.flags) == (
        int(pkt.role),
        pkt.seq,
        pkt.t0_us,
        pkt.period_ns,
        pkt.count,
        int(pkt.flags),
    )
    got = np.array([[c.samples[k][a] for a in range(6)] for k in range(c.count)], dtype=np.int16)
    np.testing.assert_array_equal(got, pkt.samples)


def _mutations(data: bytes) -> st.SearchStrategy[bytes]:
    """A valid message, one byte changed, cut short or extended."""
    return st.one_of(
        st.just(data),
        st.tuples(st.integers(0, len(data) - 1), st.integers(0, 255)).map(
            lambda iv: data[: iv[0]] + bytes([iv[1]]) + data[iv[0] + 1 :]
        ),
        st.integers(0, len(data) - 1).map(lambda n: data[:n]),
        st.binary(min_size=1, max_size=3).map(lambda extra: data + extra),
    )


def _host_verdict(decode: Any, data: bytes) -> type[Exception] | None:
    try:
        decode(data)
    except p.ProtocolError as e:
        return type(e)
    return None


@EXAMPLES
@given(data=st.one_of(st.binary(max_size=260), packets.map(lambda k: k.encode()).flatmap(_mutations)))
def test_any_bytes_get_the_same_packet_verdict(core: ctypes.CDLL, data: bytes) -> None:
    c = SamplePacketC()
    err = core.sb_packet_decode(data, len(data), ctypes.byref(c))
    host = _host_verdict(p.SamplePacket.decode, data)
    assert (None if err == SB_OK else HOST_ERROR[err]) == host


# ---------------------------------------------------------------------------------------------
# Status and log pages (encoded by the clip, decoded by the host)


@EXAMPLES
@given(
    state=st.integers(0, 3),
    role=st.integers(0, 1),
    accel=st.integers(0, 3),
    gyro=st.integers(0, 4),
    rate=st.sampled_from(p.SUPPORTED_RATES_HZ),
    fw=st.tuples(st.integers(0, 255), st.integers(0, 255), st.integers(0, 255)),
    flags=st.integers(0, 0x0F),
    dropped=st.integers(0, 2**32 - 1),
    records=st.integers(0, 0xFFFF),
)
def test_status_encoded_in_c_decodes_in_python(
    core: ctypes.CDLL,
    state: int,
    role: int,
    accel: int,
    gyro: int,
    rate: int,
    fw: tuple[int, int, int],
    flags: int,
    dropped: int,
    records: int,
) -> None:
    c = StatusC(state, role, accel | gyro << 4, rate, fw[0], fw[1], fw[2], flags, dropped, records)
    err, data = c_encode(core, "sb_status", c)
    assert err == SB_OK
    s = p.Status.decode(data)
    assert (s.state, s.role, s.rate_hz, s.firmware, s.dropped_samples, s.log_records, s.flags) == (
        state,
        role,
        rate,
        fw,
        dropped,
        records,
        flags,
    )
    assert (s.accel_range, s.gyro_range) == (accel, gyro)


log_records = st.builds(
    lambda hour, up, sl, alerts, flags: (hour, up, min(sl, 60 - up), alerts, flags),
    st.integers(0, 2**32 - 1),
    st.integers(0, 60),
    st.integers(0, 60),
    st.integers(0, 255),
    st.integers(0, 1),
)


@EXAMPLES
@given(
    records=st.lists(log_records, max_size=p.MAX_LOG_RECORDS_PER_PAGE),
    first=st.integers(0, 2000),
    extra=st.integers(0, 40),
)
def test_log_pages_encoded_in_c_decode_in_python(
    core: ctypes.CDLL, records: list[tuple[int, int, int, int, int]], first: int, extra: int
) -> None:
    c = LogPageC()
    c.first_record, c.total_records, c.count = first, first + len(records) + extra, len(records)
    for i, r in enumerate(records):
        c.records[i] = LogRecordC(*r)
    err, data = c_encode(core, "sb_log_page", c)
    assert err == SB_OK
    page = p.LogPage.decode(data)
    assert (page.first_record, page.total_records) == (first, first + len(records) + extra)
    got = [(r.hour_start, r.upright_min, r.slouched_min, r.alerts, int(r.flags)) for r in page.records]
    assert got == records


# ---------------------------------------------------------------------------------------------
# Commands (encoded by the host, parsed by the clip)


def _neutral(v: tuple[float, float, float], scale: float) -> p.SetNeutral | None:
    try:
        unit = p.SetNeutral.from_vector(v)
        return p.SetNeutral(round(unit.gx * scale), round(unit.gy * scale), round(unit.gz * scale))
    except (p.FieldError, ValueError, ZeroDivisionError):
        return None


floats = st.floats(-1.0, 1.0, allow_nan=False)
commands: st.SearchStrategy[p.Command] = st.one_of(
    st.just(p.StartStream()),
    st.just(p.StopStream()),
    st.sampled_from(p.SUPPORTED_RATES_HZ).map(p.SetRate),
    st.sampled_from(Role).map(p.SetRole),
    st.sampled_from(p.VibrationPattern).flatmap(
        lambda pat: st.integers(0 if pat == p.VibrationPattern.STOP else 1, 100).map(
            lambda i: p.Vibrate(pat, i)
        )
    ),
    st.builds(
        _neutral,
        st.tuples(floats, floats, floats).filter(lambda v: sum(x * x for x in v) > 0.01),
        st.floats(0.9, 1.1),
    ).filter(lambda c: c is not None),  # type: ignore[arg-type]
    st.builds(p.SetThresholds, st.integers(100, 9000), st.integers(1, 3600), st.integers(1000, 500000)),
    st.integers(0, 2**64 - 1).map(p.TimeSync),
    st.integers(0, 0xFFFF).map(p.LogSelect),
    st.integers(0, 0xFFFF).map(p.LogClear),
    st.builds(p.SetRanges, st.sampled_from(p.AccelRange), st.sampled_from(p.GyroRange)),
)


def c_fields(c: CommandC) -> tuple[int, ...]:
    """The parsed arguments in the order of the host's ``Command.fields()``."""
    a = c.args
    return {
        0x01: (),
        0x02: (),
        0x03: (a.rate_hz,),
        0x04: (a.role,),
        0x05: (a.vibrate.pattern, a.vibrate.intensity),
        0x06: (a.neutral.x, a.neutral.y, a.neutral.z),
        0x07: (a.thresholds.angle_cdeg, a.thresholds.dwell_s, a.thresholds.motion_mdps),
        0x08: (a.host_unix_us,),
        0x09: (a.first_record,),
        0x0A: (a.clear_count,),
        0x0B: (a.ranges,),
    }[c.opcode]


@EXAMPLES
@given(command=commands, token=st.integers(0, 255))
def test_commands_encoded_in_python_parse_identically_in_c(
    core: ctypes.CDLL, command: p.Command, token: int
) -> None:
    data = command.encode(token)
    c = CommandC()
    assert core.sb_command_parse(data, len(data), ctypes.byref(c)) == p.Result.OK
    assert (c.opcode, c.token) == (command.OPCODE, token)
    assert c_fields(c) == tuple(int(v) for v in command.fields())
    out = ctypes.create_string_buffer(16)
    length = ctypes.c_size_t(0)
    assert core.sb_command_encode(ctypes.byref(c), out, len(out), ctypes.byref(length)) == SB_OK
    assert out.raw[: length.value] == data


requests = st.one_of(
    st.binary(max_size=12),
    st.tuples(st.integers(0, 0x0C), st.integers(0, 255), st.binary(max_size=10)).map(
        lambda t: bytes([t[0], t[1]]) + t[2]
    ),
    # The neutral vector's norm limits, where float and integer arithmetic could disagree.
    st.tuples(st.integers(14600, 14900) | st.integers(17900, 18100), st.integers(-400, 400)).map(
        lambda t: (
            bytes([0x06, 0x01])
            + t[0].to_bytes(2, "little", signed=True)
            + t[1].to_bytes(2, "little", signed=True)
            + b"\x00\x00"
        )
    ),
    commands.map(lambda cmd: cmd.encode(7)).flatmap(_mutations),
)


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=requests)
def test_any_request_gets_the_same_verdict(core: ctypes.CDLL, data: bytes) -> None:
    c = CommandC()
    result = core.sb_command_parse(data, len(data), ctypes.byref(c))
    try:
        token, command = p.decode_command(data)
    except p.CommandError as e:
        assert result == e.result, f"{data.hex()}: C says {result}, host says {e.result.name}"
        assert (c.opcode, c.token) == (e.opcode, e.token)
        return
    assert result == p.Result.OK, f"{data.hex()}: C refuses with {result}, host accepts"
    assert (c.opcode, c.token) == (command.OPCODE, token)
    assert c_fields(c) == tuple(int(v) for v in command.fields())


def test_the_library_is_the_one_just_built(core: ctypes.CDLL) -> None:
    """A stale build would make every test above compare an old core."""
    lib = FIRMWARE / "build" / "libsbcore.so"
    newest_source = max(f.stat().st_mtime for f in (FIRMWARE / "core").glob("*.[ch]"))
    assert lib.stat().st_mtime >= newest_source
