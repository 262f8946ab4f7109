"""Pairing a new clip on purpose: find it, connect with pairing allowed (LE Secure Connections),
remember the bond, disconnect. Afterwards the monitor accepts it like the first clips."""

from __future__ import annotations

import time
from collections.abc import Callable

from bleak.backends.client import BaseBleakClient
from bleak.backends.scanner import BaseBleakScanner

from sensorbridge.ble.bonds import BondRegistry
from sensorbridge.ble.errors import ClipNotFoundError
from sensorbridge.ble.link import ClipLink, LinkInfo
from sensorbridge.ble.reconnect import CONNECT_TIMEOUT_S, SCAN_TIMEOUT_S
from sensorbridge.ble.scan import find_clip
from sensorbridge.ble.stream import NodeStream
from sensorbridge.conventions import Role
from sensorbridge.source import SourceEvent


def _ignore(_event: SourceEvent) -> None:
    """Pairing streams nothing, so there is nothing to hand on."""


async def pair_clip(
    address: str,
    bonds: BondRegistry,
    *,
    scanner_backend: type[BaseBleakScanner] | None = None,
    client_backend: type[BaseBleakClient] | None = None,
    clock: Callable[[], float] = time.time,
    scan_s: float = SCAN_TIMEOUT_S,
) -> LinkInfo:
    """Pair with the clip at ``address`` and add it to ``bonds``; returns what the link learned.
    Raises :class:`ClipNotFoundError` when the clip is not heard within ``scan_s`` seconds."""
    found = await find_clip(Role.BACK, address, scan_s, scanner_backend)
    if found is None:
        raise ClipNotFoundError(
            f"clip {address} was not heard within {scan_s:.0f} s",
            hint="wake the clip (press its button) and keep it near; `sensorbridge scan` lists clips",
        )
    device, advert = found
    role = advert.role if advert.role is not None else Role.BACK
    allowed = bonds.allow_new
    bonds.allow_new = True
    link = ClipLink(device, NodeStream(role), _ignore, clock, bonds, client_backend, CONNECT_TIMEOUT_S)
    try:
        # Only pair: the posture log stays on the clip for the monitor that will store it.
        info = await link.open(start_stream=False, take_log=False)
    finally:
        bonds.allow_new = allowed
        await link.close()
    return info
