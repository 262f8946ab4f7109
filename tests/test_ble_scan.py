"""Scanning: clips found by the full service UUID, role and battery from the scan response; a clip
with other firmware is named with its problem; the scan command prints them."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

import pytest
from bleak.backends.device import BLEDevice
from bleak.backends.scanner import AdvertisementData

from sensorbridge.ble.scan import ClipAdvert, find_clip, parse_advert, scan_clips
from sensorbridge.cli import main
from sensorbridge.conventions import Role
from sensorbridge.protocol import SERVICE_UUID, TEST_COMPANY_ID, ClipState
from sensorbridge.virtual.air import VirtualAir
from sensorbridge.virtual.backend import bleak_backends
from sensorbridge.virtual.clip import VirtualClip
from sensorbridge.virtual.timeloop import run_virtual


def virtual_time(test: Callable[[], Coroutine[Any, Any, None]]) -> Callable[[], None]:
    """Run an async test on the virtual-time loop (a plain test to pytest)."""

    @functools.wraps(test)
    def run() -> None:
        run_virtual(test())

    return run


def _adv(manufacturer: bytes | None) -> AdvertisementData:
    return AdvertisementData(
        local_name="SB-Head",
        manufacturer_data={} if manufacturer is None else {TEST_COMPANY_ID: manufacturer},
        service_data={},
        service_uuids=[SERVICE_UUID],
        tx_power=None,
        rssi=-70,
        platform_data=(),
    )


def test_parse_advert() -> None:
    device = BLEDevice("C2:00:00:00:00:09", None, None)
    assert parse_advert(device, _adv(bytes([1, 1, 64, 1]))) == ClipAdvert(
        "C2:00:00:00:00:09", "SB-Head", -70, Role.HEAD, 64, ClipState.STREAMING
    )
    assert parse_advert(device, _adv(None)).role is None
    newer = parse_advert(device, _adv(bytes([2, 1, 64, 1])))
    assert newer.role == Role.HEAD
    assert newer.problem is not None
    assert "protocol version 2" in newer.problem
    broken = parse_advert(device, _adv(bytes([1, 1, 101, 1])))
    assert broken.battery is None
    assert broken.problem is not None


@virtual_time
async def test_scan_and_find_two_virtual_clips() -> None:
    air = VirtualAir(speed=4.0)
    back = VirtualClip(air, Role.BACK, seed=1, rssi_dbm=-48, battery=55)
    head = VirtualClip(air, Role.HEAD, seed=2, rssi_dbm=-71)
    for clip in (back, head):
        await clip.start()
    try:
        scanner, _client = bleak_backends(air)
        clips = await scan_clips(0.3, scanner)
        assert [(c.address, c.role, c.battery, c.rssi) for c in clips] == [
            (back.address, Role.BACK, 55, -48),
            (head.address, Role.HEAD, 87, -71),
        ]
        found = await find_clip(Role.HEAD, None, 2.0, scanner)
        assert found is not None
        assert found[0].address == head.address
        by_address = await find_clip(Role.HEAD, back.address, 2.0, scanner)
        assert by_address is not None
        assert by_address[1].role == Role.BACK
        assert await find_clip(Role.HEAD, "C9:99:99:99:99:99", 0.3, scanner) is None
    finally:
        for clip in (back, head):
            await clip.stop()


def test_scan_command_virtual_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["scan", "--virtual", "--seconds", "0.3", "--json"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(r["name"], r["role"], r["battery"]) for r in rows] == [
        ("SB-Back", "back", 87),
        ("SB-Head", "head", 87),
    ]


@virtual_time
async def test_pairing_a_new_clip_on_purpose_keeps_its_log() -> None:
    from sensorbridge.ble.bonds import BondRegistry
    from sensorbridge.ble.errors import ClipNotFoundError
    from sensorbridge.ble.pairing import pair_clip
    from sensorbridge.protocol import LogRecord

    air = VirtualAir(speed=4.0)
    records = [LogRecord(3600, 50, 10)]
    clip = VirtualClip(air, Role.HEAD, seed=2, log_records=records)
    await clip.start()
    try:
        scanner, client = bleak_backends(air)
        bonds = BondRegistry()
        bonds.add("C9:00:00:00:00:09")  # another clip is already ours: new ones need pairing
        assert not bonds.accepts(clip.address)
        info = await pair_clip(clip.address, bonds, scanner_backend=scanner, client_backend=client)
        assert info.status.role == Role.HEAD
        assert bonds.is_bonded(clip.address)
        assert not bonds.allow_new
        assert clip.counters.pairings == 1
        assert clip.log == records  # pairing leaves the posture log for the monitor
        assert not clip.streaming
        with pytest.raises(ClipNotFoundError):
            await pair_clip("C8:88:88:88:88:88", bonds, scanner_backend=scanner, scan_s=0.3)
    finally:
        await clip.stop()


def test_forget_and_pair_refuse_virtual(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    db = tmp_path / "db.sqlite"
    (tmp_path / "bonds.json").write_text('["C1:00:00:00:00:01"]', encoding="utf-8")
    assert main(["--db", str(db), "scan", "--forget", "c1:00:00:00:00:01"]) == 0
    assert "forgot" in capsys.readouterr().out
    assert (tmp_path / "bonds.json").read_text(encoding="utf-8") == "[]"
    assert main(["--db", str(db), "scan", "--virtual", "--pair", "C1:00:00:00:00:01"]) == 2
    assert "drop --virtual" in capsys.readouterr().err
