"""The virtual clip through bleak's public API, as the production client sees a real clip:
advertising, the GATT profile, security, every command with its result code, and bonding."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Coroutine
from typing import Any

import pytest
from bleak import BleakClient, BleakScanner
from bleak.exc import BleakGATTProtocolError

from sensorbridge.conventions import Role
from sensorbridge.protocol import (
    BATTERY_LEVEL_UUID,
    CONTROL_UUID,
    FIRMWARE_REVISION_UUID,
    LOG_UUID,
    MANUFACTURER_NAME_UUID,
    MODEL_NUMBER_UUID,
    SERVICE_UUID,
    STATUS_UUID,
    STREAM_UUID,
    TEST_COMPANY_ID,
    ClipState,
    LogClear,
    LogPage,
    LogRecord,
    LogSelect,
    ManufacturerData,
    Response,
    Result,
    SamplePacket,
    SetNeutral,
    SetRate,
    SetRole,
    SetThresholds,
    StartStream,
    Status,
    StatusFlags,
    StopStream,
    TimeSync,
    Vibrate,
    VibrationPattern,
)
from sensorbridge.virtual.air import VirtualAir
from sensorbridge.virtual.backend import bleak_backends
from sensorbridge.virtual.clip import VirtualClip
from sensorbridge.virtual.timeloop import run_virtual

LOG = tuple(LogRecord(1_700_000_000 + 3600 * i, 40, 20 - i % 3, i % 2) for i in range(35))


class Rig:
    def __init__(self, air: VirtualAir, clip: VirtualClip) -> None:
        self.air, self.clip = air, clip
        self.scanner, self.client = bleak_backends(air)


def with_rig(test: Callable[..., Coroutine[Any, Any, None]]) -> Callable[..., None]:
    """Run ``test(rig, **params)`` on the virtual-time loop with a fresh air and one clip, so no
    wait depends on how busy the machine is (pytest sees a plain test without ``rig``)."""
    signature = inspect.signature(test)

    def run(**params: Any) -> None:
        async def go() -> None:
            air = VirtualAir()
            clip = VirtualClip(air, Role.BACK, seed=3, log_records=LOG)
            await clip.start()
            try:
                await test(Rig(air, clip), **params)
            finally:
                await clip.stop()

        run_virtual(go())

    run.__signature__ = signature.replace(  # type: ignore[attr-defined]
        parameters=[p for name, p in signature.parameters.items() if name != "rig"]
    )
    run.__name__ = test.__name__
    run.__doc__ = test.__doc__
    return run


async def _connected(rig: Rig, pair: bool = True) -> BleakClient:
    client = BleakClient(rig.clip.address, backend=rig.client, pair=pair, timeout=10.0)
    await client.connect()
    return client


class Responses:
    """Collects control notifications; a real queue, as the production link does."""

    def __init__(self) -> None:
        self.items: list[Response] = []

    def __call__(self, _char: object, data: bytearray) -> None:
        self.items.append(Response.decode(bytes(data)))


async def _command(client: BleakClient, responses: Responses, raw: bytes) -> Response:
    before = len(responses.items)
    await client.write_gatt_char(CONTROL_UUID, raw, response=True)
    for _ in range(200):  # the notification follows the write response within a few loop turns
        if len(responses.items) > before:
            return responses.items[-1]
        await _yield()
    raise AssertionError("no response notification")


async def _yield() -> None:
    import asyncio

    await asyncio.sleep(0.001)


@with_rig
async def test_discovery_shows_name_rssi_role_battery(rig: Rig) -> None:
    assert len(rig.clip.advertising_data()) <= 31
    assert len(rig.clip.scan_response_data()) <= 31
    found = await BleakScanner.discover(
        0.3, return_adv=True, backend=rig.scanner, service_uuids=[SERVICE_UUID]
    )
    assert list(found) == [rig.clip.address]
    device, adv = found[rig.clip.address]
    assert adv.local_name == "SB-Back"
    assert adv.rssi == rig.clip.rssi_dbm
    info = ManufacturerData.decode(adv.manufacturer_data[TEST_COMPANY_ID])
    assert (info.role, info.battery_percent, info.state) == (Role.BACK, 87, ClipState.STANDALONE)
    assert device.name == "SB-Back"
    other = await BleakScanner.discover(
        0.2, backend=rig.scanner, service_uuids=["0000feed-0000-1000-8000-00805f9b34fb"]
    )
    assert other == []


@with_rig
async def test_find_device_by_filter(rig: Rig) -> None:
    device = await BleakScanner.find_device_by_filter(
        lambda d, ad: ad.local_name == "SB-Back", timeout=2.0, backend=rig.scanner
    )
    assert device is not None
    assert device.address == rig.clip.address


@with_rig
async def test_gatt_profile_mtu_and_information(rig: Rig) -> None:
    client = await _connected(rig)
    try:
        assert client.mtu_size == 247
        service = client.services.get_service(SERVICE_UUID)
        assert service is not None
        props = {c.uuid: sorted(c.properties) for c in service.characteristics}
        assert props == {
            STREAM_UUID: ["notify"],
            "5b1e0003-7a3c-4d4e-9f2b-2c8a5e0d1f60": ["notify", "write"],
            STATUS_UUID: ["notify", "read"],
            LOG_UUID: ["read"],
        }
        assert await client.read_gatt_char(MANUFACTURER_NAME_UUID) == b"sensorbridge"
        assert await client.read_gatt_char(MODEL_NUMBER_UUID) == b"SB-1"
        assert await client.read_gatt_char(FIRMWARE_REVISION_UUID) == b"1.0.0"
        assert list(await client.read_gatt_char(BATTERY_LEVEL_UUID)) == [87]
        status = Status.decode(bytes(await client.read_gatt_char(STATUS_UUID)))
        assert status.state == ClipState.IDLE
        assert status.rate_hz == 104
        assert status.flags & StatusFlags.BONDED
    finally:
        await client.disconnect()


@with_rig
async def test_without_pairing_the_control_point_needs_encryption(rig: Rig) -> None:
    client = await _connected(rig, pair=False)
    try:
        with pytest.raises(BleakGATTProtocolError) as err:
            await client.write_gatt_char(CONTROL_UUID, StartStream().encode(1), response=True)
        assert err.value.code == 0x0F  # insufficient encryption
        status = Status.decode(bytes(await client.read_gatt_char(STATUS_UUID)))  # open to all
        assert not status.flags & StatusFlags.BONDED
    finally:
        await client.disconnect()
    assert rig.clip.commands == []


@with_rig
async def test_every_command_answers_with_its_result(rig: Rig) -> None:
    client = await _connected(rig)
    responses = Responses()
    await client.start_notify(CONTROL_UUID, responses)
    try:
        cases = [
            (SetRate(52).encode(1), Result.OK),
            (SetRole(Role.BACK).encode(2), Result.OK),
            (Vibrate(VibrationPattern.DOUBLE, 70).encode(3), Result.OK),
            (SetNeutral.from_vector([1.0, 0.0, 0.1]).encode(4), Result.OK),
            (SetThresholds(1500, 20, 40000).encode(5), Result.OK),
            (StartStream().encode(6), Result.OK),
            (StopStream().encode(7), Result.OK),
            (bytes([0x03, 8, 0x10, 0x00]), Result.INVALID_PARAM),  # 16 Hz
            (bytes([0x05, 9, 1]), Result.BAD_LENGTH),
            (bytes([0x7E, 10]), Result.UNKNOWN_OPCODE),
            (LogSelect(1000).encode(11), Result.INVALID_PARAM),
        ]
        for raw, expected in cases:
            response = await _command(client, responses, raw)
            assert (response.token, response.result) == (raw[1], expected), raw.hex()
        sync = await _command(client, responses, TimeSync(1_800_000_000_000_000).encode(12))
        assert sync.result == Result.OK
        assert sync.value is not None
        assert sync.value > 0
        assert rig.clip.rate_hz == 52
        assert rig.clip.thresholds == SetThresholds(1500, 20, 40000)
        assert [(v.pattern, v.intensity) for v in rig.clip.vibrations] == [(VibrationPattern.DOUBLE, 70)]
        status = Status.decode(bytes(await client.read_gatt_char(STATUS_UUID)))
        assert status.flags & StatusFlags.NEUTRAL_SET
        assert status.flags & StatusFlags.CLOCK_SYNCED
        assert status.rate_hz == 52
    finally:
        await client.disconnect()


@with_rig
async def test_log_pages_and_clear(rig: Rig) -> None:
    client = await _connected(rig)
    responses = Responses()
    await client.start_notify(CONTROL_UUID, responses)
    try:
        select = await _command(client, responses, LogSelect(0).encode(1))
        assert select.value == 35
        page = LogPage.decode(bytes(await client.read_gatt_char(LOG_UUID)))
        assert page.records == LOG[:29]
        await _command(client, responses, LogSelect(29).encode(2))
        page = LogPage.decode(bytes(await client.read_gatt_char(LOG_UUID)))
        assert page.records == LOG[29:]
        assert (await _command(client, responses, LogClear(30).encode(3))).result == Result.OK
        assert rig.clip.log == list(LOG[30:])
        assert (await _command(client, responses, LogClear(9).encode(4))).result == Result.INVALID_PARAM
    finally:
        await client.disconnect()


@with_rig
async def test_stream_packets_fill_the_mtu(rig: Rig) -> None:
    client = await _connected(rig)
    responses = Responses()
    packets: list[bytes] = []
    await client.start_notify(CONTROL_UUID, responses)
    await client.start_notify(STREAM_UUID, lambda _c, d: packets.append(bytes(d)))
    try:
        await _command(client, responses, StartStream().encode(1))
        while len(packets) < 5:
            await _yield()
    finally:
        await client.disconnect()
    decoded = [SamplePacket.decode(p) for p in packets[:5]]
    assert all(len(p) == 236 for p in packets[:5])
    assert [d.seq for d in decoded] == list(range(5))
    assert decoded[0].flags & 0x08  # CLOCK_RESET: the first packet since boot


@pytest.mark.parametrize(("mtu", "per_packet"), [(100, 6), (35, 1)])
@with_rig
async def test_packets_follow_a_smaller_mtu(rig: Rig, mtu: int, per_packet: int) -> None:
    _scanner, small = bleak_backends(rig.air, mtu=mtu)
    client = BleakClient(rig.clip.address, backend=small, pair=True, timeout=10.0)
    await client.connect()
    responses = Responses()
    packets: list[bytes] = []
    await client.start_notify(CONTROL_UUID, responses)
    await client.start_notify(STREAM_UUID, lambda _c, d: packets.append(bytes(d)))
    try:
        assert client.mtu_size == mtu
        assert (await _command(client, responses, StartStream().encode(1))).result == Result.OK
        while len(packets) < 3:
            await _yield()
    finally:
        await client.disconnect()
    assert {SamplePacket.decode(p).count for p in packets[:3]} == {per_packet}
    assert all(len(p) <= mtu - 3 for p in packets[:3])


@with_rig
async def test_too_small_an_mtu_cannot_stream(rig: Rig) -> None:
    _scanner, tiny = bleak_backends(rig.air, mtu=23)
    client = BleakClient(rig.clip.address, backend=tiny, pair=True, timeout=10.0)
    await client.connect()
    responses = Responses()
    await client.start_notify(CONTROL_UUID, responses)
    try:
        assert (await _command(client, responses, StartStream().encode(1))).result == Result.BAD_STATE
    finally:
        await client.disconnect()
    assert not rig.clip.streaming


@with_rig
async def test_bonding_second_connection_does_not_pair_again(rig: Rig) -> None:
    for _ in range(2):
        client = await _connected(rig)
        responses = Responses()
        await client.start_notify(CONTROL_UUID, responses)
        assert (await _command(client, responses, StopStream().encode(1))).result == Result.OK
        await client.disconnect()
    assert rig.clip.counters.connections == 2
    assert rig.clip.counters.pairings == 1
    host = await rig.air.host_device()
    assert host.keystore is not None
    keys = await host.keystore.get(rig.clip.address)
    assert keys is not None
    # LE Secure Connections derive one LTK for both sides (legacy pairing distributes two).
    assert keys.ltk is not None
    assert keys.ltk_central is None
    assert keys.ltk_peripheral is None


@with_rig
async def test_a_bonded_clip_refuses_a_stranger(rig: Rig) -> None:
    client = await _connected(rig)
    await client.disconnect()
    # A second computer (its own adapter and key store) on the same air tries to pair.
    _scanner, stranger = bleak_backends(rig.air, host_address="F1:F1:F1:F1:F1:F1")
    other = BleakClient(rig.clip.address, backend=stranger, pair=True, timeout=10.0)
    with pytest.raises(Exception, match="setting up the link"):
        await other.connect()
    assert rig.clip.counters.refused_pairings == 1
    assert rig.clip.counters.pairings == 1
