"""The virtual radio: bumble controllers on one in-memory link, and the clock everything shares.

bumble's :class:`~bumble.link.LocalLink` connects controllers in-process. Its controller has two
simplifications this project cannot live with, fixed in :class:`AirController`: a scan response
carries the advertising data again instead of the advertiser's scan response data, and every
report has an RSSI of -50 dBm. Here the scanner fetches the advertiser's real scan response data
(as a SCAN_REQ would) and the RSSI the advertiser's controller is set to.

:class:`VirtualAir` must be created inside the running event loop (bumble binds to it).
"""

from __future__ import annotations

import asyncio
import dataclasses
import itertools
import time
from typing import Any

from bumble import hci
from bumble.controller import Controller
from bumble.device import Device, DeviceConfiguration
from bumble.host import Host
from bumble.keys import MemoryKeyStore
from bumble.link import LocalLink
from bumble.transport.common import AsyncPipeSink

HOST_ADDRESS = "F0:F0:F0:F0:F0:F0"  # the sensorbridge host's adapter on the virtual air

_SCAN_RESPONSE_TYPES = (
    hci.HCI_LE_Advertising_Report_Event.EventType.SCAN_RSP,
    hci.HCI_LE_Extended_Advertising_Report_Event.EventType.SCAN_RESPONSE,
)


class AirController(Controller):
    """A bumble controller whose advertising reports carry the real scan response and RSSI."""

    rssi_dbm: int = -55  # what scanners report for this controller's advertisements

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._advertiser: Controller | None = None

    def on_ll_advertising_pdu(self, packet: Any) -> None:
        self._advertiser = self.link.find_le_controller(packet.advertiser_address)
        try:
            super().on_ll_advertising_pdu(packet)
        finally:
            self._advertiser = None

    def send_hci_packet(self, packet: Any) -> None:
        source = self._advertiser
        if source is not None and isinstance(
            packet, hci.HCI_LE_Advertising_Report_Event | hci.HCI_LE_Extended_Advertising_Report_Event
        ):
            scan_response = _scan_response_of(source)
            rssi = getattr(source, "rssi_dbm", -50)
            reports: list[Any] = [
                dataclasses.replace(
                    r, data=scan_response if r.event_type in _SCAN_RESPONSE_TYPES else r.data, rssi=rssi
                )
                for r in packet.reports
            ]
            packet = type(packet)(reports)
        # bumble's own send_hci_packet formats the whole packet for a debug log line even when
        # debug logging is off: on this path that cost more than the rest of the stack together.
        if self.host:
            asyncio.get_running_loop().call_soon(self.host.on_packet, bytes(packet))


class QuietHost(Host):
    """bumble's host without the per-packet debug formatting (see AirController.send_hci_packet);
    it does exactly what :class:`~bumble.host.Host` does otherwise (no snooper is ever set here)."""

    def send_hci_packet(self, packet: hci.HCI_Packet) -> None:
        if self.hci_sink:
            self.hci_sink.on_packet(bytes(packet))

    def on_hci_packet(self, packet: hci.HCI_Packet) -> None:
        if self.snooper is not None:
            super().on_hci_packet(packet)  # keep bumble's behaviour (and its logging) when snooping
            return
        match packet:
            case hci.HCI_Event():
                self.on_hci_event_packet(packet)
            case hci.HCI_AclDataPacket():
                self.on_hci_acl_data_packet(packet)
            case _:
                super().on_hci_packet(packet)


def _scan_response_of(controller: Controller) -> bytes:
    legacy = controller.le_legacy_advertiser
    if legacy.enabled:
        return bytes(legacy.scan_response_data)
    for adv_set in controller.advertising_sets.values():
        if adv_set.enabled:
            return bytes(adv_set.scan_response_data)
    return b""


class VirtualClock:
    """World time in seconds, running ``speed`` times faster than the event loop's clock.

    Starts at the Unix time of its creation so recordings made from virtual clips carry real dates.
    Both the virtual clips (their crystals) and the BLE client (its host clock) read it.
    """

    def __init__(self, speed: float = 1.0) -> None:
        if speed <= 0:
            raise ValueError(f"speed must be positive, got {speed}")
        self.speed = speed
        self._loop = asyncio.get_running_loop()
        self._loop_t0 = self._loop.time()
        self._world_t0 = time.time()

    def now(self) -> float:
        return self._world_t0 + (self._loop.time() - self._loop_t0) * self.speed

    def __call__(self) -> float:
        return self.now()

    async def sleep_until(self, world_t: float) -> None:
        await asyncio.sleep(max(0.0, (world_t - self.now()) / self.speed))

    async def sleep(self, world_s: float) -> None:
        await asyncio.sleep(max(0.0, world_s / self.speed))


class VirtualAir:
    """One in-memory radio: a link, the shared clock, and bumble devices on it."""

    def __init__(self, speed: float = 1.0) -> None:
        self.link = LocalLink()  # type: ignore[no-untyped-call]
        self.clock = VirtualClock(speed)
        self.connect_lock = asyncio.Lock()  # bumble handles one connection attempt at a time
        self._hosts: dict[str, Device] = {}
        self._host_ready: asyncio.Lock = asyncio.Lock()
        self._addresses = itertools.count(1)

    def new_address(self, prefix: str) -> str:
        n = next(self._addresses)
        return f"{prefix}:00:00:00:{n >> 8:02X}:{n & 0xFF:02X}"

    def make_device(self, name: str, address: str, rssi_dbm: int = -55) -> Device:
        """A bumble device on this air with a random static identity address (so bonds made over
        the advertised address are found again on the next connection)."""
        controller = AirController(name, link=self.link, public_address=address)
        controller.rssi_dbm = rssi_dbm
        config = DeviceConfiguration(
            name=name,
            address=hci.Address(address),
            identity_address_type=hci.Address.RANDOM_DEVICE_ADDRESS,
        )
        device = Device(config=config, host=QuietHost(controller, AsyncPipeSink(controller)))
        device.keystore = MemoryKeyStore()
        return device

    async def host_device(self, address: str = HOST_ADDRESS) -> Device:
        """A host's adapter: one bumble central (per address) shared by the bleak backend's scanner
        and clients, powered on the first time it is asked for. Another address is another
        computer, with its own key store."""
        async with self._host_ready:
            if address not in self._hosts:
                device = self.make_device(f"host-{address}", address)
                await device.power_on()
                self._hosts[address] = device
            return self._hosts[address]
