"""The recording file: round trip, crash survival, damage and version errors, gaps and clocks."""

from __future__ import annotations

import os
import struct
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from sensorbridge.conventions import Role
from sensorbridge.protocol import PacketFlags, SamplePacket, accel_scale, gyro_scale, period_ns
from sensorbridge.recording import (
    FILE_HEADER_SIZE,
    RECORD_HEADER_SIZE,
    CorruptRecordError,
    NewerVersionError,
    NotARecordingError,
    RecordingError,
    RecordingReader,
    RecordingWriter,
    RecordKind,
)

PERIOD_NS = period_ns(104)


def packet(role: Role, seq: int, first_sample: int, rng: np.random.Generator, count: int = 18) -> bytes:
    t0 = 5_000_000 + round(first_sample * PERIOD_NS / 1000)
    samples = rng.integers(-2000, 2000, (count, 6)).astype(np.int16)
    flags = PacketFlags.CLOCK_RESET if seq == 0 else PacketFlags.NONE
    return SamplePacket(role, seq % 65536, t0, PERIOD_NS, samples, flags).encode()


def write_stream(
    path: Path, n_packets: int, skip: frozenset[int] = frozenset(), seed: int = 0
) -> list[bytes]:
    rng = np.random.default_rng(seed)
    blobs = [packet(Role.BACK, i, 18 * i, rng) for i in range(n_packets)]
    with RecordingWriter(path, {"scenario": "unit", "seed": seed}) as w:
        w.write_meta({"address": "AA:BB", "firmware": "1.0.0", "rate_hz": 104}, role=Role.BACK)
        w.write_event("connect", 1000.0, role=Role.BACK)
        for i, blob in enumerate(blobs):
            if i not in skip:
                w.write_packet(Role.BACK, 1000.0 + 0.173 * i + 0.01 * (i % 3), blob)
        w.write_event("alert", 1010.0, level=1)
    return blobs


def test_round_trip_keeps_packets_metadata_and_events(tmp_path: Path) -> None:
    path = tmp_path / "a.sbrec"
    blobs = write_stream(path, 40)
    r = RecordingReader.open(path)
    got, host = r.packets(Role.BACK)
    assert got == blobs
    assert host.shape == (40,)
    assert r.metadata()["scenario"] == "unit"
    assert r.metadata(Role.BACK)["firmware"] == "1.0.0"
    assert [e[2]["type"] for e in r.events()] == ["connect", "alert"]
    assert r.events()[1][2]["level"] == 1
    assert r.roles() == [Role.BACK]
    assert r.torn is None


def test_load_node_decodes_every_sample_on_the_device_clock(tmp_path: Path) -> None:
    path = tmp_path / "a.sbrec"
    blobs = write_stream(path, 10)
    node = RecordingReader.open(path).load_node(Role.BACK)
    assert len(node.batch) == 180
    np.testing.assert_allclose(np.diff(node.batch.t), PERIOD_NS * 1e-9, atol=1e-6)
    assert node.batch.t[0] == 0.0
    first = SamplePacket.decode(blobs[0])
    np.testing.assert_allclose(node.batch.acc[:18], first.samples[:, :3] * accel_scale(first.accel_range))
    np.testing.assert_allclose(node.batch.gyr[:18], first.samples[:, 3:] * gyro_scale(first.gyro_range))
    assert node.gaps == ()


def test_host_clock_lies_under_every_receive_time(tmp_path: Path) -> None:
    path = tmp_path / "a.sbrec"
    write_stream(path, 60)
    r = RecordingReader.open(path)
    node = r.load_node(Role.BACK, clock="host")
    _, host = r.packets(Role.BACK)
    last_of_each = node.batch.t[17::18]
    assert np.all(last_of_each <= host + 1e-9)
    assert np.min(host - last_of_each) < 1e-6


def test_sequence_gap_becomes_a_gap_with_its_sample_count(tmp_path: Path) -> None:
    path = tmp_path / "a.sbrec"
    write_stream(path, 20, skip=frozenset({7, 8}))
    node = RecordingReader.open(path).load_node(Role.BACK)
    assert len(node.batch) == 18 * 18
    [gap] = node.gaps
    assert gap.samples_lost == 36
    assert gap.end - gap.start == pytest.approx(37 * PERIOD_NS * 1e-9, abs=1e-5)


def test_duplicate_packets_are_dropped_and_counted(tmp_path: Path) -> None:
    path = tmp_path / "a.sbrec"
    rng = np.random.default_rng(1)
    blobs = [packet(Role.BACK, i, 18 * i, rng) for i in range(5)]
    with RecordingWriter(path) as w:
        for i, b in enumerate([*blobs[:3], blobs[2], *blobs[3:]]):
            w.write_packet(Role.BACK, 10.0 + i, b)
    node = RecordingReader.open(path).load_node(Role.BACK)
    assert node.duplicates == 1
    assert len(node.batch) == 90


def test_torn_last_record_is_reported_and_the_rest_kept(tmp_path: Path) -> None:
    path = tmp_path / "a.sbrec"
    write_stream(path, 30)
    data = path.read_bytes()
    for cut in (1, RECORD_HEADER_SIZE, 40):  # the last record (an alert event) is 46 bytes
        torn = tmp_path / f"torn{cut}.sbrec"
        torn.write_bytes(data[:-cut])
        r = RecordingReader.open(torn)
        kinds = [rec.kind for rec in r.records()]
        assert r.torn is not None
        assert r.torn.offset + r.torn.size == len(data) - cut
        assert "everything before it was read" in r.torn.describe()
        assert kinds.count(RecordKind.PACKET) == 30  # only the final event was torn
        assert len(r.load_node(Role.BACK).batch) == 540


def test_checksum_damage_in_the_middle_is_an_error_naming_the_offset(tmp_path: Path) -> None:
    path = tmp_path / "a.sbrec"
    write_stream(path, 30)
    data = bytearray(path.read_bytes())
    data[FILE_HEADER_SIZE + 2000] ^= 0xFF
    path.write_bytes(bytes(data))
    r = RecordingReader.open(path)
    seen = []
    with pytest.raises(CorruptRecordError, match=r"damaged at byte \d+") as err:
        seen.extend(r.records())  # the intact records before the damage come out first
    assert err.value.hint is not None
    assert 0 < len(seen) < 33
    assert seen[-1].offset + RECORD_HEADER_SIZE + len(seen[-1].payload) <= FILE_HEADER_SIZE + 2000
    with pytest.raises(CorruptRecordError):
        r.load_node(Role.BACK)


def test_not_a_recording_and_newer_version_are_refused(tmp_path: Path) -> None:
    text = tmp_path / "notes.sbrec"
    text.write_text("t,ax,ay,az,gx,gy,gz\n0,0,0,9.8,0,0,0\n")
    with pytest.raises(NotARecordingError, match="not a sensorbridge recording"):
        RecordingReader.open(text)
    path = tmp_path / "a.sbrec"
    write_stream(path, 2)
    data = bytearray(path.read_bytes())
    struct.pack_into("<H", data, 8, 2)
    path.write_bytes(bytes(data))
    with pytest.raises(NewerVersionError, match="version 2") as err:
        RecordingReader.open(path)
    assert err.value.hint == "upgrade sensorbridge to read it"
    mangled = tmp_path / "crlf.sbrec"
    mangled.write_bytes(path.read_bytes().replace(b"\r\n", b"\n", 1))
    with pytest.raises(NotARecordingError) as err2:
        RecordingReader.open(mangled)
    assert err2.value.hint is not None
    assert "binary" in err2.value.hint


def test_writer_refuses_to_overwrite_and_to_write_after_close(tmp_path: Path) -> None:
    path = tmp_path / "a.sbrec"
    w = RecordingWriter(path, autoflush=False)
    w.close()
    with pytest.raises(RecordingError, match="already exists"):
        RecordingWriter(path)
    with pytest.raises(RecordingError, match="closed"):
        w.write_event("late", 0.0)


def test_missing_node_and_clock_reset_on_device_clock_are_errors(tmp_path: Path) -> None:
    path = tmp_path / "a.sbrec"
    rng = np.random.default_rng(2)
    with RecordingWriter(path) as w:
        w.write_packet(Role.BACK, 1.0, packet(Role.BACK, 0, 1000, rng))
        w.write_packet(Role.BACK, 2.0, packet(Role.BACK, 1, 0, rng))  # rebooted: clock went back
    r = RecordingReader.open(path)
    with pytest.raises(RecordingError, match="no packets of the head clip"):
        r.load_node(Role.HEAD)
    with pytest.raises(RecordingError, match="clock restarted") as err:
        r.load_node(Role.BACK)
    assert "host" in (err.value.hint or "")
    assert len(r.load_node(Role.BACK, clock="host").batch) == 36


def test_a_killed_writer_loses_at_most_the_unflushed_second(tmp_path: Path) -> None:
    # A child writes packets as fast as it can, flushes, writes more, then dies without closing.
    path = tmp_path / "killed.sbrec"
    code = textwrap.dedent(
        f"""
        import os
        import numpy as np
        from sensorbridge.conventions import Role
        from sensorbridge.protocol import SamplePacket
        from sensorbridge.recording import RecordingWriter
        w = RecordingWriter({str(path)!r}, autoflush=False)
        s = np.zeros((18, 6), np.int16)
        for i in range(100):
            w.write_packet(Role.BACK, float(i), SamplePacket(Role.BACK, i, i * 173077, 9615385, s).encode())
        w.flush()
        for i in range(100, 150):
            w.write_packet(Role.BACK, float(i), SamplePacket(Role.BACK, i, i * 173077, 9615385, s).encode())
        os._exit(0)
        """
    )
    subprocess.run([sys.executable, "-c", code], check=True, env={**os.environ})
    r = RecordingReader.open(path)
    n = sum(1 for rec in r.records() if rec.kind == RecordKind.PACKET)
    assert n == 100  # the flushed ones survive; the buffered ones were the last (< 1 s) of work
    assert r.torn is None


def test_a_write_a_second_after_the_oldest_buffered_one_flushes_to_the_os(tmp_path: Path) -> None:
    now = [100.0]
    path = tmp_path / "clock.sbrec"
    w = RecordingWriter(path, autoflush=False, clock=lambda: now[0])
    size0 = path.stat().st_size
    w.write_event("a", 1.0)
    now[0] += 0.5
    w.write_event("b", 2.0)
    assert path.stat().st_size == size0  # still buffered
    now[0] += 0.5
    w.write_event("c", 3.0)  # the oldest buffered record is a second old: everything goes out
    assert [e[2]["type"] for e in RecordingReader.open(path).events()] == ["a", "b", "c"]
    w.close()


@pytest.mark.parametrize("clock", ["device", "host"])
def test_chunked_decoding_equals_whole_decoding_across_gaps_and_duplicates(
    tmp_path: Path, clock: str
) -> None:
    path = tmp_path / "a.sbrec"
    rng = np.random.default_rng(3)
    blobs = [packet(Role.BACK, i, 18 * i, rng) for i in range(70000 // 18)]  # seq wraps? no: < 65536
    order = [b for i, b in enumerate(blobs) if i not in {10, 11, 500}]
    order.insert(300, blobs[299])  # a repeat
    with RecordingWriter(path, autoflush=False) as w:
        for i, b in enumerate(order):
            w.write_packet(Role.BACK, 50.0 + 0.1731 * i + 0.013 * (i % 5), b)
    with RecordingReader.open(path) as r:
        whole = r.load_node(Role.BACK, clock)  # type: ignore[arg-type]
        parts = list(r.iter_node(Role.BACK, clock, chunk_packets=7))  # type: ignore[arg-type]
    assert whole.duplicates == 1
    assert [g.samples_lost for g in whole.gaps] == [36, 18]
    assert [g.samples_lost for p in parts for g in p.gaps] == [36, 18]
    np.testing.assert_array_equal(np.concatenate([p.batch.t for p in parts]), whole.batch.t)
    np.testing.assert_array_equal(np.concatenate([p.batch.acc for p in parts]), whole.batch.acc)


def test_sequence_numbers_wrap_without_a_gap(tmp_path: Path) -> None:
    path = tmp_path / "wrap.sbrec"
    rng = np.random.default_rng(4)
    with RecordingWriter(path, autoflush=False) as w:
        for i in range(65530, 65545):
            w.write_packet(Role.BACK, float(i), packet(Role.BACK, i, 18 * i, rng))
    with RecordingReader.open(path) as r:
        node = r.load_node(Role.BACK)
    assert node.gaps == ()
    assert node.packets == 15


def test_host_clock_spans_a_reboot_with_one_line_per_stretch(tmp_path: Path) -> None:
    path = tmp_path / "reboot.sbrec"
    rng = np.random.default_rng(5)
    with RecordingWriter(path, autoflush=False) as w:
        for i in range(100):
            w.write_packet(Role.BACK, 1000.0 + 0.173 * i + 0.004, packet(Role.BACK, 100 + i, 18 * i, rng))
        # The clip reboots: clock and sequence start again, 30 s later on the host.
        for i in range(100):
            w.write_packet(Role.BACK, 1047.3 + 0.173 * i + 0.004, packet(Role.BACK, i, 18 * i, rng))
    with RecordingReader.open(path) as r:
        node = r.load_node(Role.BACK, clock="host")
        with pytest.raises(RecordingError, match="clock restarted"):
            r.load_node(Role.BACK, clock="device")
    t = node.batch.t
    assert np.all(np.diff(t) > 0)
    # The last sample before and the first after, each placed by its own stretch's line.
    expected = 47.3 - 0.173 * 99 - 17 * PERIOD_NS * 1e-9
    assert t[1800] - t[1799] == pytest.approx(expected, abs=1e-3)
    [gap] = node.gaps
    assert gap.samples_lost == round(expected / (PERIOD_NS * 1e-9)) - 1


def test_the_background_flush_step_flushes_records_half_a_second_old(tmp_path: Path) -> None:
    now = [0.0]
    path = tmp_path / "idle.sbrec"
    w = RecordingWriter(path, autoflush=False, clock=lambda: now[0])
    w.write_event("alert", 1.0)
    now[0] += 0.4
    assert not w.flush_if_stale()
    now[0] += 0.1
    assert w.flush_if_stale()  # no further write needed: the thread's step does it
    assert [e[2]["type"] for e in RecordingReader.open(path).events()] == ["alert"]
    assert not w.flush_if_stale()  # nothing left
    w.close()
