"""Finding clips: scan by the full 128-bit service UUID and read role and battery from the scan
response's manufacturer data."""

from __future__ import annotations

from dataclasses import dataclass

from bleak import BleakScanner
from bleak.backends.device import BLEDevice
from bleak.backends.scanner import AdvertisementData, BaseBleakScanner
from bleak.exc import BleakError

from sensorbridge.ble.errors import AdapterError
from sensorbridge.conventions import Role
from sensorbridge.protocol import (
    SERVICE_UUID,
    TEST_COMPANY_ID,
    ClipState,
    ManufacturerData,
    ProtocolError,
    VersionError,
)


@dataclass(frozen=True)
class ClipAdvert:
    """One clip as its advertisement shows it. ``role``, ``battery`` (%) and ``state`` are None until
    the scan response arrived, or when it is unreadable (``problem`` then says why)."""

    address: str
    name: str | None
    rssi: int
    role: Role | None = None
    battery: int | None = None
    state: ClipState | None = None
    problem: str | None = None


def _adapter_error(e: BaseException) -> AdapterError:
    # Without a Bluetooth service (no D-Bus socket on Linux) bleak fails with a plain OSError.
    what = str(e) or type(e).__name__
    return AdapterError(
        f"scanning failed: {what}",
        hint="check that Bluetooth is on and this user may use it (Linux: `systemctl status bluetooth`)",
    )


def is_clip(adv: AdvertisementData) -> bool:
    return SERVICE_UUID in (u.lower() for u in adv.service_uuids)


def parse_advert(device: BLEDevice, adv: AdvertisementData) -> ClipAdvert:
    """What a clip's advertisement says; never raises (a bad scan response sets ``problem``)."""
    payload = adv.manufacturer_data.get(TEST_COMPANY_ID)
    base = ClipAdvert(device.address, adv.local_name or device.name, adv.rssi)
    if payload is None:
        return base
    try:
        info = ManufacturerData.decode(payload)
    except VersionError as e:
        # Another protocol version: its role byte may still say which node it wants to be, so the
        # node that looks for it can refuse it by name instead of scanning forever.
        role = Role(payload[1]) if len(payload) > 1 and payload[1] in set(Role) else None
        return ClipAdvert(base.address, base.name, base.rssi, role, problem=str(e))
    except ProtocolError as e:
        return ClipAdvert(base.address, base.name, base.rssi, problem=str(e))
    return ClipAdvert(base.address, base.name, base.rssi, info.role, info.battery_percent, info.state)


async def scan_clips(seconds: float = 5.0, backend: type[BaseBleakScanner] | None = None) -> list[ClipAdvert]:
    """Every clip heard within ``seconds``, strongest first."""
    try:
        if backend is None:
            found = await BleakScanner.discover(seconds, return_adv=True, service_uuids=[SERVICE_UUID])
        else:
            found = await BleakScanner.discover(
                seconds, return_adv=True, service_uuids=[SERVICE_UUID], backend=backend
            )
    except (BleakError, OSError) as e:
        raise _adapter_error(e) from e
    clips = [parse_advert(d, a) for d, a in found.values() if is_clip(a)]
    return sorted(clips, key=lambda c: -c.rssi)


async def find_clip(
    role: Role,
    address: str | None,
    seconds: float,
    backend: type[BaseBleakScanner] | None = None,
) -> tuple[BLEDevice, ClipAdvert] | None:
    """The first clip seen within ``seconds`` that has ``address`` (when given) or advertises
    ``role`` (when not)."""
    seen: dict[str, ClipAdvert] = {}

    def wanted(device: BLEDevice, adv: AdvertisementData) -> bool:
        if not is_clip(adv):
            return False
        info = parse_advert(device, adv)
        seen[device.address] = info
        if address is not None:
            # Wait for the scan response too: it carries the protocol version, role and battery.
            heard = info.role is not None or info.problem is not None
            return heard and device.address.upper() == address.upper()
        return info.role == role

    try:
        if backend is None:
            device = await BleakScanner.find_device_by_filter(
                wanted, timeout=seconds, service_uuids=[SERVICE_UUID]
            )
        else:
            device = await BleakScanner.find_device_by_filter(
                wanted, timeout=seconds, service_uuids=[SERVICE_UUID], backend=backend
            )
    except (BleakError, OSError) as e:
        raise _adapter_error(e) from e
    if device is None:
        return None
    return device, seen[device.address]
