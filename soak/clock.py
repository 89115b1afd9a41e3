"""The soak's virtual clock and the two ways the harness moves it.

Virtual time may only move when the event loop is quiescent: every task is
blocked on the clock or on a socket with nothing in flight. Then the outcome of
a step depends on the seed alone, not on how the OS schedules loopback I/O.
"""

from __future__ import annotations

import asyncio
import selectors
from collections import deque
from typing import Final

from tests.clock import ManualClock

# Three polls in a row with nothing ready: one poll can still find loopback
# bytes whose callbacks run in the next iteration.
_QUIET_POLLS: Final = 3
_MAX_POLLS: Final = 100_000


class SoakClock(ManualClock):
    """The tests' ManualClock, which also says when someone starts sleeping."""

    def __init__(self, activity: asyncio.Event) -> None:
        super().__init__()
        self.activity = activity

    async def sleep(self, seconds: float) -> None:
        self.activity.set()
        await super().sleep(seconds)


async def settle() -> None:
    """Return once the loop has nothing ready to run for a few polls in a row.

    Reads the loop's private ready queue: asyncio offers no public "idle"
    signal, and a fixed number of yields is either slow or not enough for a
    TCP connect plus an HTTP upgrade over loopback.
    """
    loop = asyncio.get_running_loop()
    ready = getattr(loop, "_ready", None)
    if not isinstance(ready, deque):  # pragma: no cover - another loop implementation
        for _ in range(200):
            await asyncio.sleep(0)
        return
    selector = getattr(loop, "_selector", None)
    quiet = 0
    for _ in range(_MAX_POLLS):
        await asyncio.sleep(0)
        if ready or _connecting(selector):
            quiet = 0
            continue
        quiet += 1
        if quiet >= _QUIET_POLLS:
            return


def _connecting(selector: object) -> bool:
    """A socket waits to become writable: a TCP connect (or a full send) in flight.

    Its outcome (connected, or refused by a closed port during an outage) comes
    from the kernel, not from a task: moving virtual time before it arrives
    would let the machine's load decide the run instead of the seed.
    """
    if not isinstance(selector, selectors.BaseSelector):  # pragma: no cover
        return False
    return any(key.events & selectors.EVENT_WRITE for key in selector.get_map().values())


async def step(clock: SoakClock) -> bool:
    """Settle, wake the earliest sleeper(s), settle again; False if nobody sleeps."""
    await settle()
    deadline = clock.next_deadline()
    if deadline is None:
        return False
    await clock.advance(max(0.0, deadline - clock.monotonic()))
    await settle()
    return True


async def run_for(clock: SoakClock, seconds: float) -> None:
    """Let ``seconds`` of virtual time pass, waking every sleeper on its deadline."""
    target = clock.monotonic() + seconds
    while True:
        await settle()
        deadline = clock.next_deadline()
        if deadline is None or deadline > target:
            break
        await clock.advance(max(0.0, deadline - clock.monotonic()))
    await clock.advance(max(0.0, target - clock.monotonic()))
    await settle()
