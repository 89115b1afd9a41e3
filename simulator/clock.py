"""The simulator's notion of time: an injectable clock with a system default.

Heartbeat timeouts, rate windows, session lifetimes, the identify budget
window and fault delays all read time and wait through this interface, so
tests can drive them with a virtual clock while bytes cross real sockets.
"""

from __future__ import annotations

import asyncio
import time
from typing import Protocol


class Clock(Protocol):
    """What the simulator needs from a clock."""

    def monotonic(self) -> float:
        """Seconds on a monotonic scale, for intervals and windows."""
        ...

    def time(self) -> float:
        """Wall clock seconds since the Unix epoch."""
        ...

    async def sleep(self, seconds: float) -> None:
        """Wait for ``seconds``; the only way the simulator waits."""
        ...


class SystemClock:
    """The real clock: the running loop's time, ``time.time`` and ``asyncio.sleep``."""

    def monotonic(self) -> float:
        return asyncio.get_running_loop().time()

    def time(self) -> float:
        return time.time()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)
