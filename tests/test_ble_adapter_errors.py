"""Adapter trouble: a BleakError while scanning is reported and retried with backoff; anything
else in a node's task reaches the reader of the events instead of leaving a silent node."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from bleak.backends.scanner import BaseBleakScanner
from bleak.exc import BleakError

from sensorbridge.ble.client import BleSource, ClipTarget
from sensorbridge.conventions import Role
from sensorbridge.source import LinkEvent, LinkState


class OffAdapterScanner(BaseBleakScanner):
    """A scanner backend for an adapter that is switched off."""

    def __init__(self, detection_callback: Any, service_uuids: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(detection_callback, service_uuids)

    async def start(self) -> None:
        raise BleakError("No Bluetooth adapters found.")

    async def stop(self) -> None:
        return None


class NoBluetoothServiceScanner(OffAdapterScanner):
    """Linux without BlueZ: bleak cannot even reach the system bus."""

    async def start(self) -> None:
        raise FileNotFoundError(2, "No such file or directory")


class BrokenScanner(OffAdapterScanner):
    async def start(self) -> None:
        raise RuntimeError("a bug in a backend")


@pytest.mark.parametrize("scanner", [OffAdapterScanner, NoBluetoothServiceScanner])
async def test_adapter_off_is_reported_and_retried(scanner: type[BaseBleakScanner]) -> None:
    waits: list[float] = []

    async def no_wait(seconds: float) -> None:
        waits.append(seconds)
        await asyncio.sleep(0)

    source = BleSource([ClipTarget(Role.BACK)], scanner_backend=scanner, sleep=no_wait)
    seen: list[LinkEvent] = []
    async with source:
        async for event in source.events():
            assert isinstance(event, LinkEvent)
            seen.append(event)
            if len(waits) >= 3:
                break
    backoffs = [e for e in seen if e.state == LinkState.BACKOFF]
    assert backoffs
    assert "scanning failed" in backoffs[0].message
    assert "Bluetooth is on" in backoffs[0].message
    assert waits[:3] == [0.5, 1.0, 2.0]


async def test_a_crashed_node_task_reaches_the_reader() -> None:
    source = BleSource([ClipTarget(Role.BACK)], scanner_backend=BrokenScanner)
    async with source:
        with pytest.raises(RuntimeError, match="a bug in a backend"):
            async for _event in source.events():
                pass
