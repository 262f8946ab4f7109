"""An event loop on virtual time: when nothing is ready to run, the clock jumps to the next timer
instead of waiting for it. The whole in-process stack (virtual clips, bumble, bleak, the client)
runs on timers only, so a minute of streaming takes only the CPU it needs, and timing no longer
depends on how busy the machine is: the loop's own delays cost zero world time.

Use :func:`run_virtual` like :func:`asyncio.run`. File descriptors (the loop's self-pipe, threads
handing back results) still work: they are polled without waiting, and waited for for real only
when no timer is due at all.
"""

from __future__ import annotations

import asyncio
import selectors
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


class _JumpingSelector(selectors.DefaultSelector):
    """Polls without blocking, and advances the virtual clock by the timeout the loop asked for."""

    def __init__(self) -> None:
        super().__init__()
        self.now = 0.0

    def select(self, timeout: float | None = None) -> list[tuple[selectors.SelectorKey, int]]:
        if timeout is None:  # no timer at all: only a file descriptor can wake us, wait for real
            return list(super().select(None))
        ready = list(super().select(0))
        if not ready and timeout > 0:
            self.now += timeout
        return ready


class VirtualTimeLoop(asyncio.SelectorEventLoop):
    """A selector event loop whose ``time()`` is virtual (starts at 0 s)."""

    def __init__(self) -> None:
        self._jumping = _JumpingSelector()
        super().__init__(self._jumping)

    def time(self) -> float:
        return self._jumping.now


def run_virtual(coro: Coroutine[Any, Any, T]) -> T:
    """Run ``coro`` to completion on a fresh :class:`VirtualTimeLoop`, then close it cleanly."""
    loop = VirtualTimeLoop()
    try:
        asyncio.set_event_loop(loop)
        return loop.run_until_complete(coro)
    finally:
        try:
            pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
            for task in pending:
                task.cancel()
            if pending:
                loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.run_until_complete(loop.shutdown_default_executor())
        finally:
            asyncio.set_event_loop(None)
            loop.close()
