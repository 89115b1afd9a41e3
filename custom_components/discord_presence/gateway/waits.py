"""Waiting on the injected clock: bounded waits, and waits a cancellation cannot cut short.

Deadlines are clock sleeps raced against the work, never aiohttp's or
asyncio's own timeouts, so virtual time in tests can expire them.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .clock import Clock


async def within(clock: Clock, task: asyncio.Future[Any], seconds: float) -> bool:
    """Wait for ``task`` at most ``seconds`` on ``clock``; cancel it when late.

    True when it finished in time (its outcome is then the caller's to read).
    If the caller is cancelled meanwhile, ``task`` is cancelled too.
    """
    timer = asyncio.ensure_future(clock.sleep(max(0.0, seconds)))
    try:
        await asyncio.wait({task, timer}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        timer.cancel()
        if not task.done():
            task.cancel()
            await asyncio.wait({task})
    return not task.cancelled()


async def wait_through_cancel(task: asyncio.Future[Any]) -> None:
    """Wait until ``task`` is done even if we are cancelled meanwhile, then re-raise that.

    For teardown work that must not stop halfway; it is bounded on the clock
    (CLOSE_GRACE), so this cannot hang a caller for long. The task's own
    outcome is left for the caller to read.
    """
    cancelled = False
    while not task.done():
        try:
            await asyncio.wait({task})
        except asyncio.CancelledError:
            cancelled = True
    if cancelled:
        raise asyncio.CancelledError
