"""Sliding-window rate limits on the injected clock.

Discord counts sends per connection over a window (120 per 60 s; beyond that
it closes with 4008) and presence updates 5 per 20 s. A sliding window of
send times is exact for both and cheap at these sizes.
"""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from .clock import Clock

SEND_LIMIT: Final = 120
SEND_PERIOD: Final = 60.0
# Heartbeats must never wait behind presence or identify traffic, so ordinary
# sends stop short of the limit and leave these slots to "priority" sends.
SEND_RESERVED_FOR_PRIORITY: Final = 10
PRESENCE_LIMIT: Final = 5
PRESENCE_PERIOD: Final = 20.0


class SlidingWindow:
    """At most ``limit`` events in any ``period`` seconds."""

    def __init__(self, limit: int, period: float, clock: Clock) -> None:
        if limit < 1 or period <= 0:
            raise ValueError("limit must be >= 1 and period > 0")
        self.limit = limit
        self.period = period
        self._clock = clock
        self._events: deque[float] = deque()

    def _prune(self, now: float) -> None:
        while self._events and self._events[0] <= now - self.period:
            self._events.popleft()

    def used(self) -> int:
        """Events inside the current window."""
        self._prune(self._clock.monotonic())
        return len(self._events)

    def delay(self, limit: int | None = None) -> float:
        """Seconds until one more event fits under ``limit`` (default: the full limit)."""
        cap = self.limit if limit is None else limit
        now = self._clock.monotonic()
        self._prune(now)
        if len(self._events) < cap:
            return 0.0
        # The event that must leave the window before there is room again.
        return self._events[len(self._events) - cap] + self.period - now

    def record(self) -> None:
        """Count one event now."""
        self._events.append(self._clock.monotonic())

    async def acquire(self, limit: int | None = None) -> None:
        """Wait on the clock until an event fits, then count it."""
        while (wait := self.delay(limit)) > 0:
            await self._clock.sleep(wait)
        self.record()


class SendBudget:
    """The per-connection send limit, with slots reserved for priority sends."""

    def __init__(
        self,
        clock: Clock,
        *,
        limit: int = SEND_LIMIT,
        period: float = SEND_PERIOD,
        reserved: int = SEND_RESERVED_FOR_PRIORITY,
    ) -> None:
        self._window = SlidingWindow(limit, period, clock)
        self._normal_limit = limit - reserved

    def used(self) -> int:
        """Sends inside the current window."""
        return self._window.used()

    async def acquire(self, *, priority: bool = False) -> None:
        """Wait until a send of this kind fits, then count it."""
        await self._window.acquire(None if priority else self._normal_limit)
