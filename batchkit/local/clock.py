"""The simulated clock: manual (time moves only when told) or realtime (wall time x speed),
and sleeps that pass simulated time for code under test."""

from __future__ import annotations

import contextlib
import threading
import time

CLOCKS = ("manual", "realtime")
MAX_SPEED = 1_000_000  # simulated seconds per wall second; beyond it epoch milliseconds soon overflow


class Clock:
    """Where simulated time starts and, for realtime clocks, where it is now (epoch ms)."""

    def __init__(self, kind: str = "manual", speed: float = 1.0):
        if kind not in CLOCKS:
            raise ValueError(f"clock must be one of {', '.join(CLOCKS)}, not {kind!r}")
        if not (isinstance(speed, (int, float)) and 0 < speed <= MAX_SPEED):
            raise ValueError(f"speed must be a number above 0 and at most {MAX_SPEED:,}, not {speed!r}")
        self.kind, self.speed = kind, float(speed)
        self.start = int(time.time() * 1000)
        self._wall = time.monotonic()

    def resume(self, at: int) -> None:
        """Go on from `at` (epoch ms): a restored state's time, whatever the wall clock says now."""
        self.start, self._wall = int(at), time.monotonic()

    @property
    def manual(self) -> bool:
        return self.kind == "manual"

    def now(self) -> int:
        """Manual: the start (the lifecycle keeps its own time); realtime: start + elapsed x speed."""
        if self.manual:
            return self.start
        return self.start + int((time.monotonic() - self._wall) * 1000 * self.speed)

    def __repr__(self) -> str:
        return "<Clock manual>" if self.manual else f"<Clock realtime x{self.speed:g}>"


@contextlib.contextmanager
def sleeps_advance(advance):
    """Meanwhile `time.sleep` and `asyncio.sleep` called from this thread call `advance(seconds)`
    and return at once, so that polling code under test finds its jobs moved along; other
    threads (servers, pools, the code's own workers) keep sleeping for real."""
    import asyncio

    owner = threading.get_ident()
    real_sleep, real_async_sleep = time.sleep, asyncio.sleep

    def sleep(seconds):
        if threading.get_ident() != owner:
            return real_sleep(seconds)
        advance(max(float(seconds), 0.0))
        real_sleep(0)  # still a chance for other threads to run

    async def async_sleep(delay, result=None):
        if threading.get_ident() == owner:
            advance(max(float(delay), 0.0))
            delay = 0
        return await real_async_sleep(delay, result)

    time.sleep, asyncio.sleep = sleep, async_sleep
    try:
        yield
    finally:
        time.sleep, asyncio.sleep = real_sleep, real_async_sleep
