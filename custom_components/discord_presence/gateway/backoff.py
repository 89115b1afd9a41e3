"""How long to wait before the next connection attempt (exponential, jittered)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    import random

BACKOFF_BASE: Final = 1.0
BACKOFF_CAP: Final = 60.0


class Backoff:
    """Exponential backoff with full jitter: uniform(0, min(cap, base * 2**n))."""

    def __init__(
        self, rng: random.Random, *, base: float = BACKOFF_BASE, cap: float = BACKOFF_CAP
    ) -> None:
        self._rng = rng
        self.base = base
        self.cap = cap
        self.failures = 0

    def ceiling(self) -> float:
        """The upper bound of the next delay."""
        return min(self.cap, self.base * 2.0 ** min(self.failures, 32))

    def next_delay(self) -> float:
        """Draw the next delay and count one more failure."""
        delay = self._rng.uniform(0.0, self.ceiling())
        self.failures += 1
        return delay

    def next_spacing(self, floor: float) -> float:
        """A delay of at least ``floor`` that grows with the failures ("equal jitter").

        For retries that cost something each time (an IDENTIFY): unlike full
        jitter it never draws a near-zero delay once the ceiling has grown.
        """
        ceiling = max(floor, self.ceiling())
        delay = self._rng.uniform(max(floor, ceiling / 2), ceiling)
        self.failures += 1
        return delay

    def reset(self) -> None:
        self.failures = 0
