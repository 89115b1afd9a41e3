"""What the simulator observed, kept for tests, and an event-driven waiter."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from collections.abc import Callable

    from simulator.parking import Outcome

ClosedBy = Literal["client", "server", "drop"]


@dataclass
class ConnectionRecord:
    """Everything one websocket connection did, in the order it happened.

    ``heartbeats`` and ``presences`` hold ``(clock.monotonic(), d)`` pairs.
    ``received`` holds every frame that decoded to a JSON object; ``sent``
    every frame the simulator actually wrote (garbage and raw frames excluded;
    those written by ``send_raw`` are in ``raw_sent``, as given). A blackholed
    connection keeps ``blackholed_at`` and counts the bytes it swallowed in
    ``discarded_bytes``.
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
    raw_sent: list[str | bytes] = field(default_factory=list)
    close_code: int | None = None
    closed_by: ClosedBy | None = None
    open: bool = True
    blackholed_at: float | None = None
    discarded_bytes: int = 0

    @property
    def blackholed(self) -> bool:
        return self.blackholed_at is not None

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
            "raw_sent": [_raw_json(data) for data in self.raw_sent],
            "close_code": self.close_code,
            "closed_by": self.closed_by,
            "open": self.open,
            "blackholed_at": self.blackholed_at,
            "discarded_bytes": self.discarded_bytes,
        }


def _raw_json(data: str | bytes) -> str | dict[str, str]:
    return data if isinstance(data, str) else {"hex": data.hex()}


@dataclass
class RestRequest:
    """One REST request: ``path`` without the API prefix (``/gateway/bot``).

    ``fault`` says what the simulator did instead of answering normally
    (``"status"``: a ``fail_rest`` status; ``"hang"``: held unanswered).
    ``status`` is what was finally answered; None while held, or when the
    simulator stopped before answering. A held request's ``outcome`` says how
    the hold ended: "released" (answered), "abandoned" (the client gave up) or
    "reset" (the simulator stopped and reset its connection).
    """

    t: float
    api: Literal["v10", "legacy"]
    path: str
    fault: Literal["status", "hang"] | None = None
    status: int | None = None
    outcome: Outcome | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "t": self.t,
            "api": self.api,
            "path": self.path,
            "fault": self.fault,
            "status": self.status,
            "outcome": self.outcome,
        }


@dataclass
class RejectedUpgrade:
    """A websocket upgrade the simulator did not accept.

    ``status`` is the HTTP status it answered (``refuse_gateway``); None for
    a ``silent_gateway`` request, whose ``outcome`` says how its hold ended
    ("released": let through when the fault was lifted; "abandoned"; "reset").
    """

    t: float
    dialect: Literal["v10", "legacy"]
    query: str
    status: int | None
    outcome: Outcome | None = None

    @property
    def released(self) -> bool:
        return self.outcome == "released"

    def to_json(self) -> dict[str, Any]:
        return {
            "t": self.t,
            "dialect": self.dialect,
            "query": self.query,
            "status": self.status,
            "outcome": self.outcome,
            "released": self.released,
        }


class Recorder:
    """Holds the records and wakes waiters after every recorded event."""

    def __init__(self) -> None:
        self.connections: list[ConnectionRecord] = []
        self.presences: list[dict[str, Any]] = []
        self.gateway_requests = 0
        self.rest_requests: list[RestRequest] = []
        self.rejected_upgrades: list[RejectedUpgrade] = []
        #: ``(clock.monotonic(), event)``; event is "start", "stop" or "forget_sessions".
        self.lifecycle: list[tuple[float, str]] = []
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
            "rest_requests": [request.to_json() for request in self.rest_requests],
            "rejected_upgrades": [upgrade.to_json() for upgrade in self.rejected_upgrades],
            "lifecycle": [[t, event] for t, event in self.lifecycle],
        }
