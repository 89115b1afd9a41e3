"""The control endpoint's fault table: a JSON body -> a Simulator fault call.

``POST /_sim/fault {"fault": name, ...args}``; every fault accepts an optional
``"connection": id``; otherwise it acts on the newest open connection.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from simulator.server import Simulator


class FaultError(Exception):
    """The request cannot be carried out; ``status`` is the HTTP status."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _number(body: dict[str, Any], key: str, default: float | None = None) -> float:
    value = body.get(key, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise FaultError(400, f"{key} must be a number")
    return float(value)


def _flag(body: dict[str, Any], key: str, default: bool) -> bool:
    value = body.get(key, default)
    if not isinstance(value, bool):
        raise FaultError(400, f"{key} must be a boolean")
    return value


_Fault = Callable[["Simulator", dict[str, Any], int | None], Awaitable[None]]

FAULTS: dict[str, _Fault] = {
    "drop": lambda sim, body, conn: sim.drop(conn),
    "close": lambda sim, body, conn: sim.close(int(_number(body, "code", 4000)), conn),
    "reconnect": lambda sim, body, conn: sim.reconnect(conn),
    "invalid_session": lambda sim, body, conn: sim.invalid_session(
        _flag(body, "resumable", False), conn
    ),
    "withhold_acks": lambda sim, body, conn: sim.withhold_acks(_flag(body, "enabled", True), conn),
    "request_heartbeat": lambda sim, body, conn: sim.request_heartbeat(conn),
    "send_garbage": lambda sim, body, conn: sim.send_garbage(conn),
    "delay": lambda sim, body, conn: sim.delay(_number(body, "seconds"), conn),
}


async def apply_fault(sim: Simulator, body: object) -> None:
    """Run the fault a control request names; FaultError when it cannot."""
    if not isinstance(body, dict):
        raise FaultError(400, "body must be a JSON object")
    fault = FAULTS.get(body.get("fault"))  # type: ignore[arg-type]
    if fault is None:
        raise FaultError(400, f"unknown fault {body.get('fault')!r}; known: {sorted(FAULTS)}")
    connection = body.get("connection")
    if connection is not None and (isinstance(connection, bool) or not isinstance(connection, int)):
        raise FaultError(400, "connection must be a connection id")
    try:
        await fault(sim, body, connection)
    except LookupError as exc:
        raise FaultError(409, str(exc)) from None
