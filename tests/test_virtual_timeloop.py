"""The virtual-time loop: timers fire in order without waiting; threads still hand back results."""

from __future__ import annotations

import asyncio
import time

from sensorbridge.virtual.timeloop import VirtualTimeLoop, run_virtual


def test_an_hour_of_timers_takes_no_real_time() -> None:
    fired: list[tuple[str, float]] = []

    async def main() -> float:
        loop = asyncio.get_running_loop()
        assert isinstance(loop, VirtualTimeLoop)
        loop.call_later(30.0, lambda: fired.append(("b", loop.time())))
        loop.call_later(10.0, lambda: fired.append(("a", loop.time())))
        await asyncio.sleep(3600.0)
        return loop.time()

    start = time.perf_counter()
    end = run_virtual(main())
    assert end == 3600.0
    assert fired == [("a", 10.0), ("b", 30.0)]
    assert time.perf_counter() - start < 5.0  # generous: the point is that it is not an hour


def test_timeouts_and_threads_work() -> None:
    async def main() -> tuple[bool, int]:
        timed_out = False
        try:
            async with asyncio.timeout(5.0):
                await asyncio.Event().wait()
        except TimeoutError:
            timed_out = True
        result = await asyncio.to_thread(sum, range(10))
        return timed_out, result

    assert run_virtual(main()) == (True, 45)
