"""What the simulator observed, kept for tests, and an event-driven waiter."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from collections.abc import Callable

ClosedBy = Literal["client", "server", "drop"]


@dataclass
class ConnectionRecord:
    """Everything one websocket connection did, in the order it happened.

    ``heartbeats`` and ``presences`` hold ``(clock.monotonic(), d)`` pairs.
    ``received`` holds every frame that decoded to a JSON object; ``sent``
    every frame the simulator actually wrote (garbage excluded).
    """

    id: int
    dialect: Literal["v10", "legacy"]
    compression: str
    token: str | None = None
    session_id: str | None = None
    identifies: list[dict[str, Any]] = field(default_factory=list)
    resumes: list[dict[str, Any]] = field(default_factory=list)
    heartbeats: list[tuple[float, Any]] = field(default_factory=list)
    presences: list[tuple[float, dict[str, Any]]] = field(default_factory=list)
    received: list[dict[str, Any]] = field(default_factory=list)
    sent: list[dict[str, Any]] = field(default_factory=list)
    close_code: int | None = None
    closed_by: ClosedBy | None = None
    open: bool = True

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready copy (tuples become two-element lists)."""
        return {
            "id": self.id,
            "dialect": self.dialect,
            "compression": self.compression,
            "token": self.token,
            "session_id": self.session_id,
            "identifies": self.identifies,
            "resumes": self.resumes,
            "heartbeats": [[t, d] for t, d in self.heartbeats],
            "presences": [[t, d] for t, d in self.presences],
            "received": self.received,
            "sent": self.sent,
            "close_code": self.close_code,
            "closed_by": self.closed_by,
            "open": self.open,
        }


class Recorder:
    """Holds the records and wakes waiters after every recorded event."""

    def __init__(self) -> None:
        self.connections: list[ConnectionRecord] = []
        self.presences: list[dict[str, Any]] = []
        self.gateway_requests = 0
        self._changed = asyncio.Event()

    def new_connection(
        self, dialect: Literal["v10", "legacy"], compression: str
    ) -> ConnectionRecord:
        record = ConnectionRecord(
            id=len(self.connections) + 1, dialect=dialect, compression=compression
        )
        self.connections.append(record)
        self.changed()
        return record

    def changed(self) -> None:
        """Wake everyone waiting in :meth:`wait_for` so they re-check."""
        self._changed.set()
        self._changed = asyncio.Event()

    async def wait_for(self, predicate: Callable[[], bool], timeout: float = 5) -> None:  # noqa: ASYNC109
        """Return once ``predicate()`` holds, re-checking after each event.

        ``timeout`` is real time and only a safety net: TimeoutError if hit.
        """
        async with asyncio.timeout(timeout):
            while not predicate():
                await self._changed.wait()

    def to_json(self) -> dict[str, Any]:
        return {
            "connections": [record.to_json() for record in self.connections],
            "presences": self.presences,
            "gateway_requests": self.gateway_requests,
        }
