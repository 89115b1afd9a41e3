"""Requests held unanswered (a hung REST call, a silent websocket upgrade).

A held request waits until the fault is lifted (``release``: answer it now)
or the simulator stops (``abort``: reset its TCP connection, as a crashed
server would), so ``stop()`` never waits on a request nobody will answer.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from asyncio import Transport


class Parking:
    """The requests currently held, each with its transport."""

    def __init__(self) -> None:
        self._held: dict[asyncio.Future[bool], Transport | None] = {}
        self._closed = False

    def __len__(self) -> int:
        return len(self._held)

    async def hold(self, transport: Transport | None) -> bool:
        """Wait; True when released (answer now), False when aborted."""
        if self._closed:
            if transport is not None:
                transport.abort()
            return False
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._held[future] = transport
        try:
            return await future
        finally:
            self._held.pop(future, None)

    def release(self) -> None:
        for future in self._held:
            if not future.done():
                future.set_result(True)

    def open(self) -> None:
        """Hold requests again (the server is back)."""
        self._closed = False

    def abort(self) -> None:
        """Reset every held request, and any that arrives until ``open()``."""
        self._closed = True
        for future, transport in self._held.items():
            if transport is not None:
                transport.abort()
            if not future.done():
                future.set_result(False)
