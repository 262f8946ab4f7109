"""The host's protocol code talking to the whole C clip (firmware/core composed as sb_clip), over the
host fakes, through ctypes: what a real session does, minus the radio.

Commands are encoded by :mod:`sensorbridge.protocol`, answered by the C command handler, and the
answers, the status record, the stream notifications and the posture log page are decoded by the host
again, including the vectorised packet decoder the pipeline uses.
"""

from __future__ import annotations

import ctypes
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from sensorbridge import protocol as p
from sensorbridge.conventions import Role

FIRMWARE = Path(__file__).resolve().parent.parent / "firmware"
STREAM, CONTROL, STATUS = 0, 1, 2  # sb_characteristic_t
RTC_HZ = 32768  # the fake counter ticks like the nRF52840's RTC (sb_clock defaults)


@pytest.fixture(scope="module")
def lib() -> ctypes.CDLL:
    if shutil.which("make") is None or shutil.which("cc") is None:
        pytest.fail(
            "building the firmware core needs make and a C compiler (apt-get install build-essential)"
        )
    subprocess.run(["make", "-s", "-C", str(FIRMWARE), "lib"], check=True, capture_output=True, text=True)
    lib = ctypes.CDLL(str(FIRMWARE / "build" / "libsbcore.so"))
    clip, u8p, size_t = ctypes.c_void_p, ctypes.c_char_p, ctypes.c_size_t
    i16x3 = ctypes.c_int16 * 3
    signatures = {
        "fake_platform_reset": ([], None),
        "fake_counter_advance": ([ctypes.c_uint32], None),
        "fake_lsm6_push": ([i16x3, i16x3], None),
        "fake_notify_count": ([ctypes.c_int], size_t),
        "fake_notify_get": ([ctypes.c_int, size_t, u8p, size_t], size_t),
        "fake_vibrate_changes": ([], size_t),
        "fake_clip_size": ([], size_t),
        "fake_clip_init": ([clip], ctypes.c_int),
        "sb_clip_on_connect": ([clip], None),
        "sb_clip_on_disconnect": ([clip], None),
        "sb_clip_on_security": ([clip, ctypes.c_bool], None),
        "sb_clip_on_mtu": ([clip, ctypes.c_uint16], None),
        "sb_clip_on_subscribe": ([clip, ctypes.c_int, ctypes.c_bool], None),
        "sb_clip_on_imu_interrupt": ([clip], None),
        "sb_clip_tick": ([clip], None),
        "sb_clip_on_control_write": ([clip, u8p, size_t, u8p, size_t, ctypes.POINTER(size_t)], ctypes.c_int),
        "sb_clip_read_status": ([clip, u8p, size_t, ctypes.POINTER(size_t)], ctypes.c_int),
        "sb_clip_read_log": ([clip, u8p, size_t, ctypes.POINTER(size_t)], ctypes.c_int),
    }
    for name, (args, res) in signatures.items():
        fn = getattr(lib, name)
        fn.argtypes, fn.restype = args, res
    return lib


class Clip:
    """One C clip in caller-owned memory, as app/main.c holds it, with the fakes around it."""

    def __init__(self, lib: ctypes.CDLL) -> None:
        self.lib = lib
        lib.fake_platform_reset()
        size = lib.fake_clip_size()
        self._memory = (ctypes.c_uint64 * (size // 8 + 1))()  # 8-byte aligned, like a static
        self.ptr = ctypes.cast(self._memory, ctypes.c_void_p)
        assert lib.fake_clip_init(self.ptr) == 0
        self.notified = {STREAM: 0, CONTROL: 0, STATUS: 0}

    def connect(self, mtu: int = 247) -> None:
        self.lib.sb_clip_on_connect(self.ptr)
        self.lib.sb_clip_on_security(self.ptr, True)
        self.lib.sb_clip_on_mtu(self.ptr, mtu)
        self.lib.sb_clip_on_subscribe(self.ptr, STREAM, True)
        self.lib.sb_clip_on_subscribe(self.ptr, CONTROL, True)

    def send(self, command: p.Command, token: int) -> p.Response:
        request = command.encode(token)
        out = ctypes.create_string_buffer(p.MAX_ATT_MTU)
        length = ctypes.c_size_t(0)
        assert self.lib.sb_clip_on_control_write(self.ptr, request, len(request), out, len(out), length) == 0
        return p.Response.decode(out.raw[: length.value])

    def status(self) -> p.Status:
        out = ctypes.create_string_buffer(64)
        length = ctypes.c_size_t(0)
        assert self.lib.sb_clip_read_status(self.ptr, out, len(out), length) == 0
        return p.Status.decode(out.raw[: length.value])

    def log_page(self) -> p.LogPage:
        out = ctypes.create_string_buffer(p.MAX_ATT_MTU)
        length = ctypes.c_size_t(0)
        assert self.lib.sb_clip_read_log(self.ptr, out, len(out), length) == 0
        return p.LogPage.decode(out.raw[: length.value])

    def imu(self, rows: np.ndarray, seconds: float) -> None:
        """Samples (n, 6) raw ax..gz enter the IMU FIFO over `seconds`; then its interrupt and a tick."""
        self.lib.fake_counter_advance(round(seconds * RTC_HZ))
        for row in rows:
            a = (ctypes.c_int16 * 3)(*(int(v) for v in row[:3]))
            g = (ctypes.c_int16 * 3)(*(int(v) for v in row[3:]))
            self.lib.fake_lsm6_push(a, g)
        self.lib.sb_clip_on_imu_interrupt(self.ptr)
        self.lib.sb_clip_tick(self.ptr)

    def new_notifications(self, characteristic: int) -> Iterator[bytes]:
        total = self.lib.fake_notify_count(characteristic)
        buf = ctypes.create_string_buffer(256)
        for i in range(self.notified[characteristic], total):
            n = self.lib.fake_notify_get(characteristic, i, buf, len(buf))
            yield buf.raw[:n]
        self.notified[characteristic] = total


def test_a_host_session_streams_decodable_packets(lib: ctypes.CDLL) -> None:
    rng = np.random.default_rng(20261124)
    clip = Clip(lib)
    clip.connect(mtu=247)
    assert clip.send(p.SetRate(208), token=1) == p.Response(p.Opcode.SET_RATE, 1, p.Result.OK)
    assert clip.send(p.SetRanges(p.AccelRange.G8, p.GyroRange.DPS1000), token=2).result == p.Result.OK
    sync = clip.send(p.TimeSync(1_795_000_000_000_000), token=3)
    assert sync.result == p.Result.OK
    assert sync.value is not None
    assert clip.send(p.StartStream(), token=4).result == p.Result.OK
    status = clip.status()
    assert status.state == p.ClipState.STREAMING
    assert (status.rate_hz, status.accel_range, status.gyro_range) == (
        208,
        p.AccelRange.G8,
        p.GyroRange.DPS1000,
    )
    assert status.flags & p.StatusFlags.CLOCK_SYNCED

    rows = rng.integers(-30000, 30000, size=(90, 6), dtype=np.int16)
    for chunk in np.split(rows, 5):  # 18 samples per watermark interrupt, 1/208 s apart
        clip.imu(chunk, seconds=18 / 208)
    packets = list(clip.new_notifications(STREAM))
    assert [len(pkt) for pkt in packets] == [236] * 5
    decoded = p.decode_sample_packets(packets, role=Role.BACK)
    assert decoded.seq.tolist() == [0, 1, 2, 3, 4]
    assert decoded.flags.tolist() == [p.PacketFlags.CLOCK_RESET, 0, 0, 0, 0]
    np.testing.assert_allclose(decoded.acc, rows[:, :3] * p.accel_scale(p.AccelRange.G8))
    np.testing.assert_allclose(decoded.gyr, rows[:, 3:] * p.gyro_scale(p.GyroRange.DPS1000))
    steps = np.diff(decoded.t_us)
    assert np.all(np.abs(steps - 1e6 / 208) < 40.0)  # one RTC tick (30.5 µs) of jitter at most

    assert clip.send(p.StopStream(), token=5).result == p.Result.OK
    assert clip.status().state == p.ClipState.IDLE


def test_refusals_reach_the_host_as_result_codes(lib: ctypes.CDLL) -> None:
    clip = Clip(lib)
    lib.sb_clip_on_connect(clip.ptr)  # not encrypted yet
    assert clip.send(p.StartStream(), token=9).result == p.Result.NOT_AUTHORIZED
    lib.sb_clip_on_security(clip.ptr, True)
    assert clip.send(p.StartStream(), token=10) == p.Response(p.Opcode.START_STREAM, 10, p.Result.BAD_STATE)
    assert clip.send(p.LogSelect(5), token=11).result == p.Result.INVALID_PARAM  # the log is empty
    assert clip.send(p.LogClear(1), token=12).result == p.Result.INVALID_PARAM


def test_standalone_minutes_reach_the_host_log(lib: ctypes.CDLL) -> None:
    clip = Clip(lib)
    upright = np.tile(np.array([8197, 0, 0, 0, 20, 0], np.int16), (26, 1))  # 1 g along x, ±4 g
    slouched = np.tile(np.array([7099, 0, -4098, 0, 20, 0], np.int16), (26, 1))  # 30° forward
    for _ in range(2 * 130):  # 2 min 10 s upright, 26 samples at 52 Hz per half second
        clip.imu(upright, seconds=0.5)
    for _ in range(2 * 100):  # 1 min 40 s slouched: an alert after the 30 s dwell
        clip.imu(slouched, seconds=0.5)
    assert lib.fake_vibrate_changes() >= 2
    clip.connect()
    assert clip.status().log_records == 1
    assert clip.send(p.LogSelect(0), token=1) == p.Response(p.Opcode.LOG_SELECT, 1, p.Result.OK, 1)
    page = clip.log_page()
    assert (page.first_record, page.total_records) == (0, 1)
    (record,) = page.records
    assert (record.upright_min, record.slouched_min, record.alerts) == (2, 1, 1)
    assert record.flags == p.LogRecordFlags.CLOCK_UNSYNCED
    assert record.hour_start == 0  # device time: the first hour since boot
    assert clip.send(p.LogClear(1), token=2).result == p.Result.OK
    assert clip.status().log_records == 0
