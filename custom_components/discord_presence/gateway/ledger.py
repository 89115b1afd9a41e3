"""A rolling 24-hour record of IDENTIFY payloads sent with one token.

Discord resets a bot's token once its daily session starts run out. When
``/gateway/bot`` tells us how many are left we trust that; when it cannot be
read we have only our own count, so this ledger is what stops a client (or
several: the config flow and the entry's client share one per token) from
identifying blindly. Times are wall-clock epoch seconds so the integration can
persist them across restarts.
"""

from __future__ import annotations

import logging
import math
from typing import TYPE_CHECKING, Final

from .listeners import Listeners

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

_LOGGER = logging.getLogger(__name__)

WINDOW: Final = 86_400.0
# Discord's smallest daily budget is 1000; a tenth of it, spent without being
# able to read the real number, leaves the token safe even if other processes
# share it.
BLIND_IDENTIFY_CEILING: Final = 100
# The legacy dialect has no /gateway/bot at all, so for it "blind" is the
# normal state, and every reconnect is an IDENTIFY (it cannot resume). Half
# of Discord's daily 1000 keeps a flaky link online all day while still
# leaving the token's other users room.
LEGACY_IDENTIFY_CEILING: Final = 500


class IdentifyLedger:
    """Identify times in the last 24 h, shared by everything using one token."""

    def __init__(
        self, times: Iterable[float] = (), *, ceiling: int = BLIND_IDENTIFY_CEILING
    ) -> None:
        if ceiling < 1:
            raise ValueError("ceiling must be at least 1")
        self.ceiling = ceiling
        # Persisted data may be damaged: keep only real numbers.
        self._times: list[float] = sorted(
            float(t)
            for t in times
            if isinstance(t, int | float) and not isinstance(t, bool) and math.isfinite(t)
        )
        self._listeners = Listeners(_LOGGER, "Identify ledger")
        # The latest identify slot handed out by claim() (memory only).
        self._claimed: float | None = None

    def __repr__(self) -> str:
        return f"<IdentifyLedger entries={len(self._times)} ceiling={self.ceiling}>"

    @property
    def times(self) -> tuple[float, ...]:
        """Identify times (epoch seconds), oldest first, as of the last record()."""
        return tuple(self._times)

    def record(self, now: float) -> None:
        """One IDENTIFY was sent at wall time ``now``."""
        self._times.append(float(now))
        self._times.sort()
        self._prune(now)
        self._listeners.call()

    def count(self, now: float) -> int:
        """Identifies newer than ``now - 24 h``.

        Entries "in the future" count too: a wall clock that stepped back must
        not hand out budget that was already spent.
        """
        return sum(1 for t in self._times if t > now - WINDOW)

    def last(self) -> float | None:
        """The newest identify, for the 5 s spacing."""
        return self._times[-1] if self._times else None

    def free_at(self, now: float, ceiling: int | None = None) -> float | None:
        """Wall time at which one more identify fits under the ceiling; None: now.

        ``ceiling`` overrides the ledger's own for one question (the legacy
        dialect's larger one).
        """
        recent = [t for t in self._times if t > now - WINDOW]
        excess = len(recent) - (self.ceiling if ceiling is None else ceiling)
        if excess < 0:
            return None
        # The entry whose expiry brings the count back below the ceiling.
        return recent[excess] + WINDOW

    def claim(self, now: float, spacing: float) -> float:
        """Take the next identify slot: the wall time to identify at.

        Identifies are spaced ``spacing`` apart from the last one recorded and
        from every slot already handed out, so two clients sharing the ledger
        that decide at the same moment still identify ``spacing`` apart (the
        record only happens once the IDENTIFY is actually sent, too late to
        serve as the lock). References are capped at ``now + spacing``: a wall
        clock that stepped back must not hold a client for long.
        """
        slot = now
        for ref in (self.last(), self._claimed):
            if ref is not None:
                slot = max(slot, min(ref, now + spacing) + spacing)
        self._claimed = slot
        return slot

    def add_listener(self, cb: Callable[[], None]) -> Callable[[], None]:
        """Call ``cb()`` after every record(); returns an unsubscribe."""
        return self._listeners.add(cb)

    def _prune(self, now: float) -> None:
        cutoff = now - WINDOW
        self._times = [t for t in self._times if t > cutoff]
