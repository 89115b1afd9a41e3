"""Requests held unanswered (a hung REST call, a silent websocket upgrade).

A held request waits until the fault is lifted (``release``: answer it now),
its client gives up (noticed through a ``LossWatcher`` on its transport), or
the simulator stops (``abort``: reset its TCP connection, as a crashed server
would), so ``stop()`` never waits on a request nobody will answer.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Literal

from simulator.protocols import LossWatcher

if TYPE_CHECKING:
    from asyncio import Transport
    from collections.abc import Callable

#: How a held request ended: answered once the fault was lifted, given up by
#: its client, or reset because the simulator stopped.
Outcome = Literal["released", "abandoned", "reset"]


class Parking:
    """The requests currently held, each with its transport."""

    def __init__(self, on_change: Callable[[], None]) -> None:
        self._held: dict[asyncio.Future[Outcome], Transport | None] = {}
        self._closed = False
        #: Called whenever a request starts or stops being held (wakes ``wait_for``).
        self._on_change = on_change

    def __len__(self) -> int:
        return len(self._held)

    async def hold(self, transport: Transport | None) -> Outcome:
        """Wait until the request is to be answered ("released") or not at all."""
        if transport is None or transport.is_closing():
            return "abandoned"
        if self._closed:
            transport.abort()
            return "reset"
        future: asyncio.Future[Outcome] = asyncio.get_running_loop().create_future()

        def lost() -> None:
            if not future.done():
                future.set_result("abandoned")

        watcher = LossWatcher(transport.get_protocol(), on_lost=lost)
        transport.set_protocol(watcher)
        self._held[future] = transport
        self._on_change()
        try:
            outcome = await future
            return "abandoned" if transport.is_closing() and outcome == "released" else outcome
        finally:
            self._held.pop(future, None)
            if not transport.is_closing():
                transport.set_protocol(watcher.original)
            self._on_change()

    def release(self) -> None:
        for future in self._held:
            if not future.done():
                future.set_result("released")

    def open(self) -> None:
        """Hold requests again (the server is back)."""
        self._closed = False

    def abort(self) -> None:
        """Reset every held request, and any that arrives until ``open()``."""
        self._closed = True
        for future, transport in self._held.items():
            if not future.done():
                future.set_result("reset")
            if transport is not None:
                transport.abort()
