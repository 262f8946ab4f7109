"""The once-a-second pace of the streaming commands (monitor, record)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any


async def each_second(
    task: asyncio.Future[Any], duration: float | None, sleep: Callable[[float], Awaitable[Any]]
) -> AsyncIterator[float]:
    """The seconds elapsed (on ``sleep``'s clock), once a second and once at ``duration`` (None: no end),
    while ``task`` runs; it wakes early when ``task`` ends, so a lost link does not wait out the second."""
    elapsed = 0.0
    while not task.done() and (duration is None or elapsed < duration):
        step = 1.0 if duration is None else min(1.0, duration - elapsed)
        tick = asyncio.ensure_future(sleep(step))
        await asyncio.wait([task, tick], return_when=asyncio.FIRST_COMPLETED)
        tick.cancel()
        elapsed += step
        yield elapsed
