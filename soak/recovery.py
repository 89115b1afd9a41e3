"""How a soak run waits: virtual time moved from wake-up to wake-up until every account recovers.

After a fault the harness moves the shared virtual clock to the next
sleeper's deadline, again and again, until every account shows its wanted
presence on a live session (and no connection the fault broke is still in
use). Time is only waited for for real when nothing sleeps on the virtual
clock (an aiohttp close handshake, I/O), and then within IDLE_PATIENCE.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING

from soak.checks import SoakChecks
from soak.clock import run_for, settle, step
from soak.config import IDLE_PATIENCE
from soak.invariants import Breach

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

#: With --keep-going, a late recovery is recorded and waited for this long
#: (virtual time, so it costs nothing): a day-long identify-budget wait fits.
#: Beyond it the client counts as stuck and the run stops.
KEEP_GOING_BOUND = 26 * 3600.0


@dataclass
class During:
    """Something done once, a little after the fault, while the client recovers."""

    after: float
    act: Callable[[], Awaitable[None]]
    done: bool = False


class SoakRecovery(SoakChecks):
    """Moving virtual time until the accounts have converged."""

    async def run_for(self, seconds: float) -> None:
        await run_for(self.clock, seconds)
        self._check_fast()

    async def _recover(self, during: During | None = None) -> float:
        """Move virtual time until every account has converged; the time it took."""
        start = self.clock.monotonic()
        late = False
        while True:
            await settle()
            self._check_fast()
            now = self.clock.monotonic()
            if during is not None and not during.done and now >= start + during.after:
                during.done = True
                await during.act()
                continue
            pending = during is not None and not during.done
            if not pending and all(self._converged(bot) for bot in self.bots):
                # Virtual time moves in jumps: convergence seen at the first
                # wake-up past the bound is late too.
                if now - start > self.config.recovery_bound and not late:
                    self._soft(partial(self._late, now - start))
                return now - start
            if now - start > self.config.recovery_bound and not late:
                late = True
                self._soft(partial(self._late, now - start))
            hard = KEEP_GOING_BOUND if self.config.keep_going else self.config.recovery_bound
            if now - start > hard:
                self._late(now - start)
            deadline = self.clock.next_deadline()
            if pending and during is not None:
                wake = start + during.after
                if deadline is None or deadline > wake:
                    await self.clock.advance(wake - now)
                    continue
            if not await step(self.clock):
                await self._idle()

    def _late(self, elapsed: float) -> None:
        raise Breach(
            "presence converges",
            f"not converged {elapsed:.1f} s after the fault "
            f"(bound {self.config.recovery_bound:.0f} s)",
        )

    async def _idle(self) -> None:
        """Nothing sleeps on the virtual clock: something waits on real time
        (aiohttp's close handshake) or on I/O. Wait for it, within patience."""
        give_up = time.perf_counter() + IDLE_PATIENCE
        while time.perf_counter() < give_up:
            self.changed.clear()
            await settle()
            if self.clock.next_deadline() is not None:
                return
            if self._expect_end is not None and self._expect_end.ended() is not None:
                return
            if all(self._converged(bot) for bot in self.bots):
                return
            try:
                async with asyncio.timeout(0.05):
                    await self.changed.wait()
            except TimeoutError:
                continue
        raise Breach(
            "no hang",
            f"nothing scheduled on the virtual clock and no progress for {IDLE_PATIENCE:.0f} s "
            "of real time",
        )
