"""The wire protocol: golden vectors byte for byte, round trips over every field, and refusals."""

from __future__ import annotations

import contextlib
import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from sensorbridge import protocol as p
from sensorbridge.conventions import Role

VECTORS = json.loads(
    (Path(__file__).parents[1] / "firmware" / "protocol" / "vectors" / "vectors.json").read_text()
)["vectors"]


def _ids(kind: str, valid: bool) -> list[dict[str, Any]]:
    return [v for v in VECTORS if v["kind"] == kind and ("error" not in v) == valid]


def test_vectors_cover_every_kind_and_error() -> None:
    kinds = {v["kind"] for v in VECTORS}
    assert kinds == {"sample_packet", "status", "command", "response", "log_page", "manufacturer_data"}
    assert {v["error"] for v in VECTORS if "error" in v} >= {
        "MessageLengthError",
        "VersionError",
        "FieldError",
        "CommandError",
    }
    results = {v["result"] for v in VECTORS if v["kind"] == "command" and "result" in v}
    assert results == {"BAD_LENGTH", "UNKNOWN_OPCODE", "INVALID_PARAM"}


@pytest.mark.parametrize("vec", _ids("sample_packet", True), ids=lambda v: v["name"])
def test_sample_packet_vectors(vec: dict[str, Any]) -> None:
    data = bytes.fromhex(vec["hex"])
    f = vec["fields"]
    pkt = p.SamplePacket.decode(data)
    assert (int(pkt.role), pkt.seq, pkt.t0_us, pkt.period_ns, pkt.count, int(pkt.flags)) == (
        f["role"],
        f["seq"],
        f["t0_us"],
        f["period_ns"],
        f["count"],
        f["flags"],
    )
    assert p.encode_ranges(pkt.accel_range, pkt.gyro_range) == f["ranges"]
    assert pkt.samples.tolist() == f["samples"]
    assert pkt.encode() == data
    assert len(data) == p.HEADER_SIZE + p.SAMPLE_SIZE * f["count"]


@pytest.mark.parametrize("vec", _ids("sample_packet", False), ids=lambda v: v["name"])
def test_invalid_sample_packet_vectors(vec: dict[str, Any]) -> None:
    with pytest.raises(getattr(p, vec["error"])):
        p.SamplePacket.decode(bytes.fromhex(vec["hex"]))


@pytest.mark.parametrize("vec", _ids("sample_packet", False), ids=lambda v: v["name"])
def test_batch_decoder_refuses_what_the_single_decoder_refuses(vec: dict[str, Any]) -> None:
    good = bytes.fromhex(_ids("sample_packet", True)[0]["hex"])
    with pytest.raises(p.ProtocolError):
        p.decode_sample_packets([good, bytes.fromhex(vec["hex"]), good])


def test_status_vectors() -> None:
    for vec in _ids("status", True):
        data = bytes.fromhex(vec["hex"])
        s = p.Status.decode(data)
        f = vec["fields"]
        assert (int(s.state), int(s.role), s.rate_hz, s.firmware) == (
            f["state"],
            f["role"],
            f["rate_hz"],
            (f["fw_major"], f["fw_minor"], f["fw_patch"]),
        )
        assert (int(s.flags), s.dropped_samples, s.log_records) == (
            f["status_flags"],
            f["dropped_samples"],
            f["log_records"],
        )
        assert s.encode() == data
    for vec in _ids("status", False):
        with pytest.raises(getattr(p, vec["error"])):
            p.Status.decode(bytes.fromhex(vec["hex"]))


@pytest.mark.parametrize("vec", _ids("command", True), ids=lambda v: v["name"])
def test_command_vectors(vec: dict[str, Any]) -> None:
    data = bytes.fromhex(vec["hex"])
    token, cmd = p.decode_command(data)
    fields = dict(vec["fields"])
    assert (int(cmd.OPCODE), token) == (fields.pop("opcode"), fields.pop("token"))
    payload_fields = {k: int(v) for k, v in vars(cmd).items()}
    if isinstance(cmd, p.SetRanges):
        payload_fields = {"ranges": p.encode_ranges(cmd.accel, cmd.gyro)}
    assert payload_fields == fields
    assert cmd.encode(token) == data


@pytest.mark.parametrize("vec", _ids("command", False), ids=lambda v: v["name"])
def test_invalid_command_vectors(vec: dict[str, Any]) -> None:
    data = bytes.fromhex(vec["hex"])
    with pytest.raises(p.CommandError) as info:
        p.decode_command(data)
    assert info.value.result == p.Result[vec["result"]]
    assert info.value.token == (data[1] if len(data) >= 2 else 0)


def test_response_vectors() -> None:
    for vec in _ids("response", True):
        data = bytes.fromhex(vec["hex"])
        r = p.Response.decode(data)
        f = vec["fields"]
        assert (r.opcode, r.token, int(r.result), r.value) == (
            f["opcode"],
            f["token"],
            f["result"],
            f["value"],
        )
        assert r.encode() == data
    for vec in _ids("response", False):
        with pytest.raises(getattr(p, vec["error"])):
            p.Response.decode(bytes.fromhex(vec["hex"]))


def test_log_page_vectors() -> None:
    for vec in _ids("log_page", True):
        data = bytes.fromhex(vec["hex"])
        page = p.LogPage.decode(data)
        f = vec["fields"]
        assert (page.first_record, page.total_records, len(page.records)) == (
            f["first_record"],
            f["total_records"],
            f["count"],
        )
        got = [[r.hour_start, r.upright_min, r.slouched_min, r.alerts, int(r.flags)] for r in page.records]
        assert got == f["records"]
        assert page.encode() == data
        assert len(data) <= p.MAX_ATT_MTU - 1  # one ATT read response
    for vec in _ids("log_page", False):
        with pytest.raises(getattr(p, vec["error"])):
            p.LogPage.decode(bytes.fromhex(vec["hex"]))


def test_manufacturer_data_vectors() -> None:
    for vec in _ids("manufacturer_data", True):
        data = bytes.fromhex(vec["hex"])
        md = p.ManufacturerData.decode(data)
        assert (int(md.role), md.battery_percent, int(md.state)) == (
            vec["fields"]["role"],
            vec["fields"]["battery_percent"],
            vec["fields"]["state"],
        )
        assert md.encode() == data
    for vec in _ids("manufacturer_data", False):
        with pytest.raises(getattr(p, vec["error"])):
            p.ManufacturerData.decode(bytes.fromhex(vec["hex"]))


# --- sizes the spec states -------------------------------------------------------------------


def test_packet_sizes_follow_the_mtu() -> None:
    assert p.samples_per_packet(247) == 18
    assert p.HEADER_SIZE + 18 * p.SAMPLE_SIZE == 236 <= 244
    assert p.samples_per_packet(p.MIN_STREAM_MTU) == 1
    assert p.samples_per_packet(p.MIN_STREAM_MTU - 1) == 0
    assert p.samples_per_packet(23) == 0
    for mtu in range(p.MIN_STREAM_MTU, 600):
        n = p.samples_per_packet(mtu)
        assert 1 <= n <= p.MAX_SAMPLES_PER_PACKET
        assert p.HEADER_SIZE + n * p.SAMPLE_SIZE <= mtu - p.ATT_HEADER_SIZE


def test_scales_are_the_datasheet_sensitivities() -> None:
    # ±4 g: 0.122 mg/LSB; ±500 dps: 17.5 mdps/LSB (LSM6DS3TR-C table 3).
    assert p.accel_scale(p.AccelRange.G4) == pytest.approx(0.122e-3 * 9.80665)
    assert p.gyro_scale(p.GyroRange.DPS500) == pytest.approx(17.5e-3 * math.pi / 180)
    assert p.period_ns(104) == 9_615_385


def test_advertisement_fits_31_bytes() -> None:
    flags, uuid128 = 3, 2 + 16
    name = 2 + max(len(p.advertised_name(r)) for r in Role)
    assert flags + uuid128 + name <= 31
    assert 2 + 2 + p.MANUFACTURER_DATA_SIZE <= 31


# --- round trips over every field ------------------------------------------------------------

packets = st.builds(
    p.SamplePacket,
    role=st.sampled_from(list(Role)),
    seq=st.integers(0, 65535),
    t0_us=st.integers(0, 2**64 - 1),
    period_ns=st.integers(1, 2**32 - 1),
    samples=st.integers(1, 18).flatmap(lambda n: arrays(np.int16, (n, 6))),
    flags=st.integers(0, 15).map(p.PacketFlags),
    accel_range=st.sampled_from(list(p.AccelRange)),
    gyro_range=st.sampled_from(list(p.GyroRange)),
)


@settings(max_examples=200, deadline=None)
@given(packets)
def test_sample_packet_round_trip(pkt: p.SamplePacket) -> None:
    back = p.SamplePacket.decode(pkt.encode())
    assert back.encode() == pkt.encode()
    assert np.array_equal(back.samples, pkt.samples)
    assert (back.role, back.seq, back.t0_us, back.period_ns, back.flags) == (
        pkt.role,
        pkt.seq,
        pkt.t0_us,
        pkt.period_ns,
        pkt.flags,
    )
    assert (back.accel_range, back.gyro_range) == (pkt.accel_range, pkt.gyro_range)


@settings(max_examples=100, deadline=None)
@given(st.lists(packets, min_size=1, max_size=12))
def test_vectorised_decoder_equals_per_packet_decoder(pkts: list[p.SamplePacket]) -> None:
    decoded = p.decode_sample_packets([x.encode() for x in pkts])
    assert decoded.seq.tolist() == [x.seq for x in pkts]
    assert decoded.counts.tolist() == [x.count for x in pkts]
    assert np.allclose(
        decoded.t_us, np.concatenate([x.sample_times_us() for x in pkts]), rtol=0, atol=1e-3 * 2**11
    )
    assert np.array_equal(decoded.acc, np.concatenate([x.acc() for x in pkts]))
    assert np.array_equal(decoded.gyr, np.concatenate([x.gyr() for x in pkts]))


def test_batch_decoder_checks_the_node() -> None:
    pkt = p.SamplePacket(Role.HEAD, 1, 0, p.period_ns(104), np.zeros((3, 6), np.int16))
    with pytest.raises(p.FieldError, match="node"):
        p.decode_sample_packets([pkt.encode()], role=Role.BACK)
    assert len(p.decode_sample_packets([pkt.encode()], role=Role.HEAD).t_us) == 3


commands = st.one_of(
    st.just(p.StartStream()),
    st.just(p.StopStream()),
    st.sampled_from(p.SUPPORTED_RATES_HZ).map(p.SetRate),
    st.sampled_from(list(Role)).map(p.SetRole),
    st.builds(p.Vibrate, st.sampled_from(list(p.VibrationPattern)[1:]), st.integers(1, 100)),
    st.builds(p.SetThresholds, st.integers(100, 9000), st.integers(1, 3600), st.integers(1000, 500000)),
    st.builds(p.TimeSync, st.integers(0, 2**64 - 1)),
    st.builds(p.LogSelect, st.integers(0, 65535)),
    st.builds(p.LogClear, st.integers(0, 65535)),
    st.builds(p.SetRanges, st.sampled_from(list(p.AccelRange)), st.sampled_from(list(p.GyroRange))),
    st.tuples(st.floats(-1, 1), st.floats(-1, 1), st.floats(0.2, 1)).map(p.SetNeutral.from_vector),
)


@settings(max_examples=300, deadline=None)
@given(commands, st.integers(0, 255))
def test_command_round_trip(cmd: p.Command, token: int) -> None:
    data = cmd.encode(token)
    assert p.decode_command(data) == (token, cmd)
    assert len(data) == 2 + cmd.LAYOUT.size


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=16))
def test_any_bytes_decode_or_raise_a_protocol_error(data: bytes) -> None:
    for decode in (p.SamplePacket.decode, p.Status.decode, p.Response.decode, p.LogPage.decode):
        with contextlib.suppress(p.ProtocolError):
            decode(data)
    try:
        token, cmd = p.decode_command(data)
    except p.CommandError as e:
        assert e.result != p.Result.OK
    else:
        assert cmd.encode(token) == data


@settings(max_examples=100, deadline=None)
@given(
    st.integers(0, 2048),
    st.lists(
        st.builds(
            p.LogRecord,
            st.integers(0, 2**32 - 1),
            st.integers(0, 30),
            st.integers(0, 30),
            st.integers(0, 255),
            st.sampled_from(list(p.LogRecordFlags)),
        ),
        max_size=29,
    ),
)
def test_log_page_round_trip(first: int, records: list[p.LogRecord]) -> None:
    page = p.LogPage(first, first + len(records), tuple(records))
    assert p.LogPage.decode(page.encode()) == page


def test_version_mismatch_says_what_to_flash() -> None:
    pkt = bytearray(bytes.fromhex(_ids("sample_packet", True)[0]["hex"]))
    pkt[0] = 9
    with pytest.raises(p.VersionError) as info:
        p.SamplePacket.decode(bytes(pkt))
    assert "version 9" in str(info.value)
    assert info.value.hint is not None
    assert "flash" in info.value.hint


def test_refuses_values_out_of_range_when_encoding() -> None:
    with pytest.raises(p.FieldError):
        p.SetRate(100)
    with pytest.raises(p.FieldError):
        p.SetNeutral(0, 0, 0)
    with pytest.raises(p.FieldError):
        p.SamplePacket(Role.BACK, 70000, 0, 1, np.zeros((1, 6), np.int16))
    with pytest.raises(p.FieldError):
        p.SamplePacket(Role.BACK, 0, 0, 1, np.zeros((19, 6), np.int16))
    with pytest.raises(p.FieldError):
        p.LogRecord(0, 40, 21)
    with pytest.raises(p.FieldError):
        p.StartStream().encode(256)
    with pytest.raises(p.FieldError, match="does not fit"):
        p.Response(p.Opcode.LOG_SELECT, 1, p.Result.OK, 0x10000).encode()
