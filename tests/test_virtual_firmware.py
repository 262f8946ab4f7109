"""The virtual clip's firmware without a radio: the standalone posture log."""

from __future__ import annotations

from sensorbridge.conventions import Role
from sensorbridge.protocol import LogRecordFlags, SetNeutral
from sensorbridge.virtual.firmware import ClipFirmware


def test_standalone_minutes_fill_hour_records() -> None:
    fw = ClipFirmware(Role.BACK)
    fw.neutral = SetNeutral.from_vector([1.0, 0.0, 0.0])  # upright: gravity along sensor x
    upright, slouched = (9.8, 0.0, 0.0), (9.0, 0.0, 3.9)  # the second is ~23° from neutral
    t_us = 0.0
    for i in range(90):  # 90 minutes without a host, the last 30 of them slouched
        t_us += 60e6
        fw.log_standalone(t_us, 60.0, slouched if i >= 60 else upright)
    assert [(r.hour_start, r.upright_min, r.slouched_min) for r in fw.log] == [(0, 59, 0), (3600, 1, 30)]
    assert all(r.flags == LogRecordFlags.CLOCK_UNSYNCED for r in fw.log)  # no TIME_SYNC yet


def test_synced_hours_are_unix_hours_and_nothing_under_a_minute_is_logged() -> None:
    fw = ClipFirmware(Role.HEAD)
    fw.unix_offset_us = 1_790_000_000 * 1_000_000
    fw.log_standalone(10e6, 30.0, (9.8, 0.0, 0.0))
    assert fw.log == []
    fw.log_standalone(40e6, 30.0, (9.8, 0.0, 0.0))
    assert [(r.hour_start, r.upright_min, r.flags) for r in fw.log] == [
        (1_790_000_000 // 3600 * 3600, 1, LogRecordFlags.NONE)
    ]
