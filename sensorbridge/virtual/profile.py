"""The clip's GATT profile exactly as ``firmware/PROTOCOL.md`` lists it: the posture service (stream,
control, status, log) with its security, Battery Service and Device Information, as bumble objects
wired to the callbacks a virtual clip provides."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bumble import gatt
from bumble.device import Connection
from bumble.profiles.battery_service import BatteryService
from bumble.profiles.device_information_service import DeviceInformationService

from sensorbridge.protocol import CONTROL_UUID, LOG_UUID, SERVICE_UUID, STATUS_UUID, STREAM_UUID


class ClipProfile:
    """The characteristics a clip notifies on (``stream``, ``control``) and every ``services``."""

    def __init__(
        self,
        *,
        on_control_write: Callable[[Connection, bytes], Awaitable[None]],
        read_status: Callable[[], bytes],
        read_log: Callable[[], bytes],
        read_battery: Callable[[], int],
        firmware: tuple[int, int, int],
    ) -> None:
        props = gatt.Characteristic.Properties
        perms = gatt.Characteristic
        # Encryption is enforced by bumble's ATT layer, as a real stack does for these permissions.
        self.stream: gatt.Characteristic[bytes] = gatt.Characteristic(
            STREAM_UUID, props.NOTIFY, perms.READ_REQUIRES_ENCRYPTION, b""
        )
        self.control: gatt.Characteristic[bytes] = gatt.Characteristic(
            CONTROL_UUID,
            props.WRITE | props.NOTIFY,
            perms.WRITE_REQUIRES_ENCRYPTION,
            gatt.CharacteristicValue(write=on_control_write),
        )
        self.status: gatt.Characteristic[bytes] = gatt.Characteristic(
            STATUS_UUID,
            props.READ | props.NOTIFY,
            perms.READABLE,
            gatt.CharacteristicValue(read=lambda _c: read_status()),
        )
        self.log: gatt.Characteristic[bytes] = gatt.Characteristic(
            LOG_UUID,
            props.READ,
            perms.READ_REQUIRES_ENCRYPTION,
            gatt.CharacteristicValue(read=lambda _c: read_log()),
        )
        self.battery = BatteryService(lambda _c: read_battery())
        self.services: list[gatt.Service] = [
            gatt.Service(SERVICE_UUID, [self.stream, self.control, self.status, self.log]),
            self.battery,
            DeviceInformationService(
                manufacturer_name="sensorbridge",
                model_number="SB-1",
                firmware_revision="{}.{}.{}".format(*firmware),
            ),
        ]
