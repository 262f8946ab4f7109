"""A bleak backend over bumble: the production BLE client drives virtual clips through bleak's own
public API (``BleakScanner(backend=...)``, ``BleakClient(backend=...)``).

:func:`bleak_backends` binds the scanner and client classes to one :class:`VirtualAir`. Behaviour
follows a real adapter where it matters to the client: advertisements and scan responses are merged
per address, ``connect`` exchanges the largest MTU (without it bumble cuts notifications to 20
bytes), pairs with LE Secure Connections when asked or re-encrypts with the stored bond, and
discovers the whole GATT database; ATT errors become ``BleakGATTProtocolError``; an unsolicited
disconnection calls ``disconnected_callback``.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import Callable
from typing import Any, ClassVar, Final

from bleak.args import SizedBuffer
from bleak.backends.characteristic import BleakGATTCharacteristic
from bleak.backends.client import BaseBleakClient, NotifyCallback
from bleak.backends.descriptor import BleakGATTDescriptor
from bleak.backends.device import BLEDevice
from bleak.backends.scanner import AdvertisementData, AdvertisementDataCallback, BaseBleakScanner
from bleak.backends.service import BleakGATTService, BleakGATTServiceCollection
from bleak.exc import BleakDeviceNotFoundError, BleakError, BleakGATTProtocolError
from bumble import core, gatt, hci
from bumble.device import Advertisement, Connection, Device, Peer

from sensorbridge.protocol import MAX_ATT_MTU
from sensorbridge.virtual.air import HOST_ADDRESS, VirtualAir

DEFAULT_ATT_MTU: Final = 23

_PROPERTY_NAMES: Final = [
    (gatt.Characteristic.Properties.BROADCAST, "broadcast"),
    (gatt.Characteristic.Properties.READ, "read"),
    (gatt.Characteristic.Properties.WRITE_WITHOUT_RESPONSE, "write-without-response"),
    (gatt.Characteristic.Properties.WRITE, "write"),
    (gatt.Characteristic.Properties.NOTIFY, "notify"),
    (gatt.Characteristic.Properties.INDICATE, "indicate"),
    (gatt.Characteristic.Properties.AUTHENTICATED_SIGNED_WRITES, "authenticated-signed-writes"),
    (gatt.Characteristic.Properties.EXTENDED_PROPERTIES, "extended-properties"),
]


def uuid_str(u: core.UUID) -> str:
    """bleak's spelling of a UUID: full 128-bit, lower case."""
    return str(uuid.UUID(bytes=bytes(reversed(u.to_bytes(force_128=True)))))


def _advertisement_data(merged: dict[int, list[bytes]], rssi: int, raw: Advertisement) -> AdvertisementData:
    ad = core.AdvertisingData
    names = merged.get(ad.COMPLETE_LOCAL_NAME) or merged.get(ad.SHORTENED_LOCAL_NAME) or []
    name_bytes = names[0] if names else None
    manufacturer: dict[int, bytes] = {}
    for value in merged.get(ad.MANUFACTURER_SPECIFIC_DATA, []):
        if len(value) >= 2:
            manufacturer[int.from_bytes(value[:2], "little")] = bytes(value[2:])
    services: list[str] = []
    for kind, size in (
        (ad.COMPLETE_LIST_OF_128_BIT_SERVICE_CLASS_UUIDS, 16),
        (ad.INCOMPLETE_LIST_OF_128_BIT_SERVICE_CLASS_UUIDS, 16),
        (ad.COMPLETE_LIST_OF_16_BIT_SERVICE_CLASS_UUIDS, 2),
    ):
        for value in merged.get(kind, []):
            for i in range(0, len(value) - size + 1, size):
                services.append(uuid_str(core.UUID.from_bytes(value[i : i + size])))
    return AdvertisementData(
        local_name=name_bytes.decode("utf-8", "replace") if name_bytes else None,
        manufacturer_data=manufacturer,
        service_data={},
        service_uuids=services,
        tx_power=None,
        rssi=rssi,
        platform_data=(raw,),
    )


class BumbleScanner(BaseBleakScanner):
    """bleak scanner backend on the host's bumble device. Bound to an air by :func:`bleak_backends`."""

    air: ClassVar[VirtualAir]
    host_address: ClassVar[str] = HOST_ADDRESS

    def __init__(
        self,
        detection_callback: AdvertisementDataCallback | None,
        service_uuids: list[str] | None,
        scanning_mode: str = "active",
        **kwargs: Any,
    ) -> None:
        super().__init__(detection_callback, service_uuids)
        self._device: Device | None = None
        self._merged: dict[str, dict[int, list[bytes]]] = {}
        self._scanning = False

    async def start(self) -> None:
        self.seen_devices = {}
        self._merged = {}
        self._device = await self.air.host_device(self.host_address)
        self._device.on("advertisement", self._on_advertisement)
        self._scanning = True
        if not self._device.scanning:
            await self._device.start_scanning(filter_duplicates=False)

    async def stop(self) -> None:
        if self._device is None or not self._scanning:
            return
        self._scanning = False
        self._device.remove_listener("advertisement", self._on_advertisement)
        if self._device.scanning and not self._device.listeners("advertisement"):
            await self._device.stop_scanning()

    def _on_advertisement(self, adv: Advertisement) -> None:
        if not self._scanning:
            return
        key = str(adv.address)
        merged = self._merged.setdefault(key, {})
        for kind, value in adv.data.ad_structures:
            values = merged.setdefault(int(kind), [])
            if bytes(value) not in values:
                values[:] = [v for v in values if kind != core.AdvertisingData.MANUFACTURER_SPECIFIC_DATA]
                values.append(bytes(value))
        data = _advertisement_data(merged, adv.rssi, adv)
        if not self.is_allowed_uuid(data.service_uuids):
            return
        device = self.create_or_update_device(key, key, data.local_name, adv.address, data)
        self.call_detection_callbacks(device, data)


class BumbleClient(BaseBleakClient):
    """bleak client backend on the host's bumble device. Bound to an air by :func:`bleak_backends`."""

    air: ClassVar[VirtualAir]
    host_address: ClassVar[str] = HOST_ADDRESS
    requested_mtu: ClassVar[int] = MAX_ATT_MTU  # what connect() asks for, as an adapter would

    def __init__(
        self,
        address_or_ble_device: BLEDevice | str,
        *,
        disconnected_callback: Callable[[], None] | None = None,
        timeout: float = 10.0,
        **kwargs: Any,
    ) -> None:
        super().__init__(address_or_ble_device, disconnected_callback=disconnected_callback, timeout=timeout)
        self._conn: Connection | None = None
        self._peer: Peer | None = None
        self._device: Device | None = None
        self._closing = False
        self._subscriptions: dict[int, Callable[[bytes], None]] = {}

    @property
    def name(self) -> str:
        return self.address

    @property
    def mtu_size(self) -> int:
        return int(self._conn.att_mtu) if self._conn is not None else DEFAULT_ATT_MTU

    @property
    def is_connected(self) -> bool:
        return self._conn is not None

    async def connect(self, pair: bool, **kwargs: Any) -> None:
        self._device = device = await self.air.host_device(self.host_address)
        async with self.air.connect_lock:  # one connection attempt at a time on one bumble device
            try:
                conn = await device.connect(hci.Address(self.address), timeout=self._timeout)
            except core.TimeoutError as e:  # bumble's own, not the built-in
                raise TimeoutError(f"no connection to {self.address} within {self._timeout} s") from e
            except core.BaseBumbleError as e:
                raise BleakDeviceNotFoundError(self.address, str(e)) from e
        self._conn = conn
        self._closing = False
        conn.on("disconnection", self._on_disconnection)
        try:
            self._peer = peer = Peer(conn)
            await peer.request_mtu(self.requested_mtu)
            if pair:
                await self._secure(conn)
            await self._discover(peer)
        except (core.BaseBumbleError, asyncio.CancelledError) as e:
            await self._drop()
            if isinstance(e, asyncio.CancelledError):
                raise
            raise BleakError(f"setting up the link to {self.address} failed: {e}") from e

    async def _secure(self, conn: Connection) -> None:
        assert self._device is not None
        keystore = self._device.keystore
        keys = await keystore.get(str(conn.peer_address)) if keystore is not None else None
        if keys is not None:
            await conn.encrypt()
        else:
            await conn.pair()

    async def _discover(self, peer: Peer) -> None:
        services = BleakGATTServiceCollection()
        for svc in await peer.discover_services():
            bs = BleakGATTService(svc, svc.handle, uuid_str(svc.uuid))
            services.add_service(bs)
            for ch in await svc.discover_characteristics():
                props = [name for flag, name in _PROPERTY_NAMES if ch.properties & flag]
                bc = BleakGATTCharacteristic(ch, ch.handle, uuid_str(ch.uuid), props, self._max_wwr, bs)  # type: ignore[arg-type]
                services.add_characteristic(bc)
                for d in await ch.discover_descriptors():
                    services.add_descriptor(BleakGATTDescriptor(d, d.handle, uuid_str(d.type), bc))
        self.services = services

    def _max_wwr(self) -> int:
        return self.mtu_size - 3

    def _on_disconnection(self, _reason: int) -> None:
        was_closing = self._closing
        self._conn = None
        self._peer = None
        self.services = None
        if not was_closing and self._disconnected_callback is not None:
            self._disconnected_callback()

    async def _drop(self) -> None:
        conn = self._conn
        if conn is None:
            return
        self._closing = True
        with contextlib.suppress(core.BaseBumbleError):  # already gone: what we wanted
            await conn.disconnect()
        self._conn = None

    async def disconnect(self) -> None:
        await self._drop()

    async def pair(self, *args: Any, **kwargs: Any) -> None:
        if self._conn is None:
            raise BleakError("not connected")
        await self._conn.pair()

    async def unpair(self) -> None:
        if self._device is not None and self._device.keystore is not None:
            await self._device.keystore.delete(self.address)
        await self._drop()

    def _require_peer(self) -> Peer:
        if self._peer is None:
            raise BleakError(f"not connected to {self.address}")
        return self._peer

    async def _att(self, op: Any) -> Any:
        try:
            return await op
        except core.ProtocolError as e:
            if getattr(e, "error_namespace", "") == "att":
                raise BleakGATTProtocolError(int(e.error_code or 0)) from e
            raise BleakError(str(e)) from e
        except core.BaseBumbleError as e:
            raise BleakError(str(e)) from e

    async def read_gatt_char(
        self, characteristic: BleakGATTCharacteristic, *, use_cached: bool = False, **kwargs: Any
    ) -> bytearray:
        peer = self._require_peer()
        return bytearray(await self._att(peer.read_value(characteristic.handle)))

    async def read_gatt_descriptor(
        self, descriptor: BleakGATTDescriptor, *, use_cached: bool = False, **kwargs: Any
    ) -> bytearray:
        peer = self._require_peer()
        return bytearray(await self._att(peer.read_value(descriptor.handle)))

    async def write_gatt_char(
        self, characteristic: BleakGATTCharacteristic, data: SizedBuffer, response: bool
    ) -> None:
        peer = self._require_peer()
        await self._att(peer.write_value(characteristic.handle, bytes(data), with_response=response))

    async def write_gatt_descriptor(self, descriptor: BleakGATTDescriptor, data: SizedBuffer) -> None:
        peer = self._require_peer()
        await self._att(peer.write_value(descriptor.handle, bytes(data), with_response=True))

    async def start_notify(
        self, characteristic: BleakGATTCharacteristic, callback: NotifyCallback, **kwargs: Any
    ) -> None:
        peer = self._require_peer()

        def deliver(value: bytes) -> None:
            callback(bytearray(value))

        self._subscriptions[characteristic.handle] = deliver
        await self._att(peer.subscribe(characteristic.obj, deliver))

    async def stop_notify(self, characteristic: BleakGATTCharacteristic) -> None:
        peer = self._require_peer()
        deliver = self._subscriptions.pop(characteristic.handle, None)
        await self._att(peer.unsubscribe(characteristic.obj, deliver))


def bleak_backends(
    air: VirtualAir, host_address: str = HOST_ADDRESS, mtu: int = MAX_ATT_MTU
) -> tuple[type[BumbleScanner], type[BumbleClient]]:
    """Scanner and client backend classes bound to ``air`` and the host adapter at
    ``host_address``, for bleak's ``backend=`` argument; the client asks for an ATT MTU of ``mtu``
    (an older adapter offers less than 247)."""
    attrs = {"air": air, "host_address": host_address, "requested_mtu": mtu}
    scanner = type("BumbleScanner", (BumbleScanner,), attrs)
    client = type("BumbleClient", (BumbleClient,), attrs)
    return scanner, client
