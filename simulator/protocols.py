"""Stand-ins for aiohttp's protocol on one transport (``transport.set_protocol``).

``LossWatcher`` forwards everything and also reports when the client goes
away: held requests use it to notice a client that gave up, which aiohttp
does not tell a running handler. ``Blackhole`` is the server side of a
half-open link: it swallows every byte the client sends, so aiohttp never
parses a frame (no pong for a PING, no ACK, no close reply), and reports
only when the client finally goes away.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable


class LossWatcher(asyncio.Protocol):
    """Forwards every call to ``original``; ``on_lost()`` once the connection ends."""

    def __init__(self, original: asyncio.BaseProtocol, *, on_lost: Callable[[], None]) -> None:
        self.original = original
        self._on_lost = on_lost

    def data_received(self, data: bytes) -> None:
        assert isinstance(self.original, asyncio.Protocol)
        self.original.data_received(data)

    def eof_received(self) -> bool | None:
        assert isinstance(self.original, asyncio.Protocol)
        return self.original.eof_received()

    def pause_writing(self) -> None:
        self.original.pause_writing()

    def resume_writing(self) -> None:
        self.original.resume_writing()

    def connection_lost(self, exc: Exception | None) -> None:
        self.original.connection_lost(exc)
        self._on_lost()


class Blackhole(LossWatcher):
    """Deaf: counts and drops what arrives; the transport stays open."""

    def __init__(
        self,
        original: asyncio.BaseProtocol,
        *,
        on_discard: Callable[[int], None],
        on_lost: Callable[[], None],
    ) -> None:
        super().__init__(original, on_lost=on_lost)
        self._on_discard = on_discard

    def data_received(self, data: bytes) -> None:
        self._on_discard(len(data))

    def eof_received(self) -> bool | None:
        # The client half-closed: it has gone away. Let the socket close.
        return None
