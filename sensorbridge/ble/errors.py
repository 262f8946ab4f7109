"""What can go wrong on the BLE link, each with what to do about it."""

from __future__ import annotations

from sensorbridge.errors import SensorbridgeError


class BleError(SensorbridgeError):
    """The BLE adapter or a clip did not do what was asked."""


class AdapterError(BleError):
    """The host's Bluetooth adapter refused (off, missing, no permission)."""


class ClipNotFoundError(BleError):
    """No clip answered a scan."""


class FirmwareMismatchError(BleError):
    """The clip speaks another protocol version: it needs other firmware."""


class NotBondedError(BleError):
    """The clip is not one this host has bonded with."""


class LinkLostError(BleError):
    """The link dropped while a request was in flight."""


class CommandTimeoutError(BleError):
    """The clip did not answer a command in time."""


class StreamRefusedError(BleError):
    """The clip will not stream over this link (its MTU is too small)."""
