"""The reader's vectorised open pass and in-place packet decoding against a plain record-by-record walk:
long runs (more records than one vectorised block), packets of two lengths, interleaved metadata and
events, damage and a torn tail in a later run."""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import pytest

from sensorbridge import protocol as p
from sensorbridge.conventions import Role
from sensorbridge.protocol import SamplePacket, period_ns
from sensorbridge.recording import (
    FILE_HEADER_SIZE,
    RECORD_HEADER_SIZE,
    CorruptRecordError,
    Record,
    RecordingReader,
    RecordingWriter,
    RecordKind,
)
from sensorbridge.recording.reader import BLOCK_RECORDS

N_PACKETS = BLOCK_RECORDS + 3000  # one run longer than a vectorised block, then shorter packets


def walk(data: bytes) -> list[tuple[int, int, int, float, int]]:
    """The plain walk: (offset, kind, role byte, host time, payload length) of every complete record."""
    out = []
    pos = FILE_HEADER_SIZE
    while pos + RECORD_HEADER_SIZE <= len(data):
        kind, role, _, length, host, _ = struct.unpack_from("<BBHIdI", data, pos)
        if pos + RECORD_HEADER_SIZE + length > len(data):
            break
        out.append((pos, kind, role, host, length))
        pos += RECORD_HEADER_SIZE + length
    return out


@pytest.fixture(scope="module")
def mixed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[Role, list[bytes]]]:
    path = tmp_path_factory.mktemp("scan") / "mixed.sbrec"
    rng = np.random.default_rng(7)
    blobs: dict[Role, list[bytes]] = {Role.BACK: [], Role.HEAD: []}
    with RecordingWriter(path, {"scenario": "mixed"}, autoflush=False) as w:
        w.write_meta({"rate_hz": 104}, role=Role.BACK)
        for i in range(N_PACKETS):
            role = Role.BACK if i % 2 == 0 else Role.HEAD
            count = 18 if i < BLOCK_RECORDS + 1000 else 12  # a second run of another length
            seq = len(blobs[role])
            samples = rng.integers(-3000, 3000, (count, 6)).astype(np.int16)
            blob = SamplePacket(role, seq, 1000 + seq * 173_077, period_ns(104), samples).encode()
            blobs[role].append(blob)
            w.write_packet(role, 2000.0 + 0.0865 * i, blob)
            if i in (5, BLOCK_RECORDS + 2000):
                w.write_event("alert", 2000.0 + 0.0865 * i, level=1)
        w.write_meta({"calibrated": True}, role=Role.BACK)
    return path, blobs


def test_the_vectorised_pass_finds_every_record_the_plain_walk_finds(
    mixed: tuple[Path, dict[Role, list[bytes]]],
) -> None:
    path, blobs = mixed
    expected = walk(path.read_bytes())
    with RecordingReader.open(path) as r:
        got = [(rec.offset, int(rec.kind), rec.role, rec.host_time) for rec in r.records()]
        assert got == [(o, k, None if role == 255 else Role(role), h) for o, k, role, h, _ in expected]
        assert r.roles() == [Role.BACK, Role.HEAD]
        assert r.metadata(Role.BACK) == {"rate_hz": 104, "calibrated": True}
        assert [e[2]["type"] for e in r.events()] == ["alert", "alert"]
        for role in (Role.BACK, Role.HEAD):
            packets, host = r.packets(role)
            assert packets == blobs[role]
            mine = [(o, h) for o, k, rb, h, _ in expected if k == RecordKind.PACKET and rb == int(role)]
            assert host.tolist() == [h for _, h in mine]
            assert r.last_packet_time(role) == mine[-1][1]
            start, stop, _ = r.packet_spans(role)
            blocks = list(r.packet_blocks(role, 999))
            assert [b[0].size for b in blocks[:-1]] == [999] * (len(blocks) - 1)
            np.testing.assert_array_equal(np.concatenate([b[0] for b in blocks]), start)
            np.testing.assert_array_equal(np.concatenate([b[1] for b in blocks]), stop)
        assert r.torn is None


def test_damage_in_a_later_run_stops_at_that_record(
    mixed: tuple[Path, dict[Role, list[bytes]]], tmp_path: Path
) -> None:
    path, _ = mixed
    data = bytearray(path.read_bytes())
    records = walk(bytes(data))
    victim = records[BLOCK_RECORDS + 500]  # past the first vectorised block
    data[victim[0] + RECORD_HEADER_SIZE + 30] ^= 0x55
    broken = tmp_path / "broken.sbrec"
    broken.write_bytes(bytes(data))
    r = RecordingReader.open(broken)
    seen: list[Record] = []
    with pytest.raises(CorruptRecordError, match=f"damaged at byte {victim[0]}: record fails its checksum"):
        seen.extend(r.records())
    assert len(seen) == BLOCK_RECORDS + 500
    with pytest.raises(CorruptRecordError):
        r.packet_spans(Role.BACK)


def test_a_torn_tail_in_a_long_run_keeps_everything_before_it(
    mixed: tuple[Path, dict[Role, list[bytes]]], tmp_path: Path
) -> None:
    path, blobs = mixed
    data = path.read_bytes()
    last_packet = [rec for rec in walk(data) if rec[1] == RecordKind.PACKET][-1]
    torn = tmp_path / "torn.sbrec"
    torn.write_bytes(data[: last_packet[0] + 30])  # the final packet cut short, the metadata after it lost
    with RecordingReader.open(torn) as r:
        assert r.roles() == [Role.BACK, Role.HEAD]  # the open pass finds the tail
        assert r.torn is not None
        assert r.torn.offset == last_packet[0]
        packets, _ = r.packets(Role.HEAD)
        assert packets == blobs[Role.HEAD][:-1]
        assert (
            len(r.load_node(Role.BACK).batch) == sum(len(b) - p.HEADER_SIZE for b in blobs[Role.BACK]) // 12
        )


def test_decoding_in_place_equals_decoding_copies() -> None:
    rng = np.random.default_rng(9)
    pkts = [
        SamplePacket(
            Role.BACK,
            i,
            10_000 + i * 200_000,
            period_ns(104 if i % 3 else 52),
            rng.integers(-5000, 5000, (int(rng.integers(1, 19)), 6)).astype(np.int16),
            accel_range=p.AccelRange(int(rng.integers(0, 4))),
        ).encode()
        for i in range(40)
    ]
    gaps = rng.integers(0, 50, len(pkts))  # other bytes between the packets, as records' headers are
    buf = bytearray()
    start = []
    for blob, gap in zip(pkts, gaps.tolist(), strict=True):
        buf += bytes(gap)
        start.append(len(buf))
        buf += blob
    a = np.array(start, np.int64)
    spans = p.decode_sample_spans(
        np.frombuffer(bytes(buf), np.uint8), a, a + np.array([len(b) for b in pkts], np.int64), Role.BACK
    )
    copies = p.decode_sample_packets(pkts, Role.BACK)
    for name in ("seq", "t0_us", "period_ns", "flags", "counts", "packet_index", "t_us", "acc", "gyr"):
        np.testing.assert_array_equal(getattr(spans, name), getattr(copies, name))
    one = pkts[1]  # five copies of one packet: the one-length path
    at = np.arange(5, dtype=np.int64) * len(one)
    uniform = p.decode_sample_spans(np.frombuffer(one * 5, np.uint8), at, at + len(one))
    np.testing.assert_array_equal(uniform.acc, np.tile(p.decode_sample_packets([one]).acc, (5, 1)))


def test_a_bad_packet_among_spans_raises_the_single_decoders_error() -> None:
    good = SamplePacket(Role.HEAD, 1, 0, period_ns(104), np.zeros((3, 6), np.int16)).encode()
    bad = bytearray(good)
    bad[0] = 99  # an unknown protocol version
    buf = np.frombuffer(good + bytes(bad) + good, np.uint8)
    start = np.array([0, len(good), 2 * len(good)], np.int64)
    with pytest.raises(p.VersionError):
        p.decode_sample_spans(buf, start, start + len(good))
    with pytest.raises(p.FieldError, match="packet 0 is from node 1"):
        p.decode_sample_spans(buf[: len(good)], start[:1], start[:1] + len(good), Role.BACK)
