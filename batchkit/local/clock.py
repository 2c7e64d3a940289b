"""The simulated clock: manual (time moves only when told) or realtime (wall time x speed)."""

from __future__ import annotations

import time

CLOCKS = ("manual", "realtime")


class Clock:
    """Where simulated time starts and, for realtime clocks, where it is now (epoch ms)."""

    def __init__(self, kind: str = "manual", speed: float = 1.0):
        if kind not in CLOCKS:
            raise ValueError(f"clock must be one of {', '.join(CLOCKS)}, not {kind!r}")
        if not (isinstance(speed, (int, float)) and speed > 0):
            raise ValueError(f"speed must be a positive number, not {speed!r}")
        self.kind, self.speed = kind, float(speed)
        self.start = int(time.time() * 1000)
        self._wall = time.monotonic()

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
