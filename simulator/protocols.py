"""A half-open link: the server side of a socket that has gone deaf and mute.

Installed in front of aiohttp's protocol on one connection's transport, it
swallows every byte the client sends (so aiohttp never parses a frame: no
pong for a PING, no ACK, no close reply), and tells the connection when the
client finally goes away. Nothing is written because the connection stops
its writer; the TCP connection itself stays up.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable


class Blackhole(asyncio.Protocol):
    """Stands in for the original protocol; forwards only the life-cycle calls."""

    def __init__(
        self,
        original: asyncio.BaseProtocol,
        *,
        on_discard: Callable[[int], None],
        on_lost: Callable[[], None],
    ) -> None:
        self._original = original
        self._on_discard = on_discard
        self._on_lost = on_lost

    def data_received(self, data: bytes) -> None:
        self._on_discard(len(data))

    def eof_received(self) -> bool | None:
        # The client half-closed: it has gone away. Let the socket close.
        return None

    def pause_writing(self) -> None:
        self._original.pause_writing()

    def resume_writing(self) -> None:
        self._original.resume_writing()

    def connection_lost(self, exc: Exception | None) -> None:
        self._original.connection_lost(exc)
        self._on_lost()
