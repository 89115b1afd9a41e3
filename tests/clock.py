"""A controlled clock for tests: time moves only when a test advances it.

Both the gateway client and the simulator take any object with
``monotonic()``, ``time()`` and ``async sleep()``; tests hand the same
ManualClock to both so heartbeats, rate windows and backoff run on virtual
time while bytes still cross real loopback sockets.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools

_EPOCH = 1_700_000_000.0


class ManualClock:
    """Virtual time; sleepers wake in deadline order as the test advances it."""

    def __init__(self, start: float = 0.0) -> None:
        self._now = start
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._order = itertools.count()

    def monotonic(self) -> float:
        return self._now

    def time(self) -> float:
        return _EPOCH + self._now

    async def sleep(self, seconds: float) -> None:
        if seconds <= 0:
            await asyncio.sleep(0)
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (self._now + seconds, next(self._order), future))
        await future

    @property
    def sleepers(self) -> int:
        """How many sleeps are pending (cancelled ones excluded)."""
        return sum(1 for _, _, f in self._sleepers if not f.done())

    def next_deadline(self) -> float | None:
        """The earliest pending wake-up time, or None."""
        self._drop_cancelled()
        return self._sleepers[0][0] if self._sleepers else None

    async def advance(self, seconds: float) -> None:
        """Move time forward, waking each sleeper at its own deadline in order."""
        target = self._now + seconds
        while True:
            self._drop_cancelled()
            if not self._sleepers or self._sleepers[0][0] > target:
                break
            deadline, _, future = heapq.heappop(self._sleepers)
            self._now = max(self._now, deadline)
            future.set_result(None)
            await _settle()
        self._now = target
        await _settle()

    def _drop_cancelled(self) -> None:
        while self._sleepers and self._sleepers[0][2].done():
            heapq.heappop(self._sleepers)


async def _settle() -> None:
    """Let woken tasks run until they block again on something."""
    for _ in range(20):
        await asyncio.sleep(0)
