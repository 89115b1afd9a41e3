"""Sliding-window rate limits on the injected clock.

Discord counts sends per connection over a window (120 per 60 s; beyond that
it closes with 4008) and presence updates 5 per 20 s. A sliding window of
send times is exact for both and cheap at these sizes.

The margin: Discord starts its window when a frame arrives, we count from when
it leaves, and the two differ by the network's jitter (and by floating-point
rounding of "first + period"). A window that lets the (limit+1)-th event out at
exactly first + period is therefore one jitter away from a 4008 close. Every
event is counted for ``period + margin`` instead, through one expiry rule that
both the pruning and the delay use, so the (limit+1)-th event can leave no
earlier than first + period + margin. One second costs a burst at most one
second and covers any jitter a working link has.
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
# Seconds added to every window (see the module docstring).
WINDOW_MARGIN: Final = 1.0
# A remainder this small is the float rounding of a sleep meant to end exactly
# at the expiry; treating it as expired keeps a waiter from sleeping again for
# 1e-15 s (which, on a virtual clock, would wait for the next advance).
_ROUNDING: Final = 1e-6


class SlidingWindow:
    """At most ``limit`` events in any ``period`` seconds, counted with a margin."""

    def __init__(
        self, limit: int, period: float, clock: Clock, *, margin: float = WINDOW_MARGIN
    ) -> None:
        if limit < 1 or period <= 0 or margin < 0:
            raise ValueError("limit must be >= 1, period > 0 and margin >= 0")
        self.limit = limit
        self.period = period
        self.margin = margin
        self._clock = clock
        self._events: deque[float] = deque()

    def _left(self, event: float, now: float) -> float:
        """Seconds until ``event`` stops counting: the one rule for prune and delay."""
        return event + self.period + self.margin - now

    def _prune(self, now: float) -> None:
        while self._events and self._left(self._events[0], now) <= _ROUNDING:
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
        # The event that must stop counting before there is room again; the
        # prune above guarantees this is > 0.
        return self._left(self._events[len(self._events) - cap], now)

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

    def has_room(self, *, priority: bool = False) -> bool:
        """Whether a send of this kind would go out without waiting."""
        return self._window.delay(None if priority else self._normal_limit) <= 0

    async def acquire(self, *, priority: bool = False) -> None:
        """Wait until a send of this kind fits, then count it."""
        await self._window.acquire(None if priority else self._normal_limit)
