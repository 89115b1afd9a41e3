"""The control endpoint's fault table: a JSON body -> a Simulator fault call.

``POST /_sim/fault {"fault": name, ...args}``; every fault on a connection
accepts an optional ``"connection": id``; otherwise it acts on the newest open
connection. Bad arguments answer 400, a connection that is not open 409.

The faults act on the ``FaultTarget`` the server hands them (the Simulator
itself fits it), so this module never imports the server.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Protocol


class FaultTarget(Protocol):
    """The Simulator's fault methods, as the control endpoint calls them.

    A method on one connection takes its id, or None for the newest open one,
    and raises LookupError when that connection is not open.
    """

    @property
    def tokens(self) -> list[str]: ...

    async def drop(self, connection: int | None = None) -> None: ...
    async def close(self, code: int = 4000, connection: int | None = None) -> None: ...
    async def reconnect(self, connection: int | None = None) -> None: ...
    async def invalid_session(
        self, resumable: bool = False, connection: int | None = None
    ) -> None: ...
    async def withhold_acks(self, enabled: bool = True, connection: int | None = None) -> None: ...
    async def request_heartbeat(self, connection: int | None = None) -> None: ...
    async def send_garbage(self, connection: int | None = None) -> None: ...
    async def delay(self, seconds: float, connection: int | None = None) -> None: ...
    async def blackhole(self, connection: int | None = None) -> None: ...
    async def send_raw(
        self, data: str | bytes, *, connection: int | None = None, binary: bool, encode: bool
    ) -> None: ...
    def fail_rest(
        self, path: str, status: int = 503, *, count: int | None, hang: bool, retry_after: float
    ) -> None: ...
    def refuse_gateway(self, status: int | None = 503, *, count: int | None = None) -> None: ...
    def silent_gateway(self, enabled: bool = True) -> None: ...
    def forget_sessions(self) -> None: ...
    def set_session_start_limit(
        self,
        token: str,
        *,
        remaining: int | None = None,
        total: int | None = None,
        reset_after: float | None = None,
    ) -> None: ...


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


def _optional_int(body: dict[str, Any], key: str) -> int | None:
    value = body.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise FaultError(400, f"{key} must be an integer")
    return value


def _optional_number(body: dict[str, Any], key: str) -> float | None:
    return None if body.get(key) is None else _number(body, key)


def _text(body: dict[str, Any], key: str) -> str:
    value = body.get(key)
    if not isinstance(value, str):
        raise FaultError(400, f"{key} must be a string")
    return value


async def _send_raw(sim: FaultTarget, body: dict[str, Any], conn: int | None) -> None:
    await sim.send_raw(
        _text(body, "data"),
        connection=conn,
        binary=_flag(body, "binary", False),
        encode=_flag(body, "encode", True),
    )


async def _fail_rest(sim: FaultTarget, body: dict[str, Any], conn: int | None) -> None:
    sim.fail_rest(
        _text(body, "path"),
        int(_number(body, "status", 503)),
        count=_optional_int(body, "count"),
        hang=_flag(body, "hang", False),
        retry_after=_number(body, "retry_after", 1.0),
    )


async def _refuse_gateway(sim: FaultTarget, body: dict[str, Any], conn: int | None) -> None:
    sim.refuse_gateway(_optional_int(body, "status"), count=_optional_int(body, "count"))


async def _silent_gateway(sim: FaultTarget, body: dict[str, Any], conn: int | None) -> None:
    sim.silent_gateway(_flag(body, "enabled", True))


async def _forget_sessions(sim: FaultTarget, body: dict[str, Any], conn: int | None) -> None:
    sim.forget_sessions()


async def _session_start_limit(sim: FaultTarget, body: dict[str, Any], conn: int | None) -> None:
    """``token`` names one account; without it every account gets the limit."""
    token = body.get("token")
    if token is not None and not isinstance(token, str):
        raise FaultError(400, "token must be a string")
    for each in [token] if token is not None else sim.tokens:
        try:
            sim.set_session_start_limit(
                each,
                remaining=_optional_int(body, "remaining"),
                total=_optional_int(body, "total"),
                reset_after=_optional_number(body, "reset_after"),
            )
        except KeyError:
            raise FaultError(404, "unknown token") from None


_Fault = Callable[[FaultTarget, dict[str, Any], int | None], Awaitable[None]]

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
    "blackhole": lambda sim, body, conn: sim.blackhole(conn),
    "send_raw": _send_raw,
    "forget_sessions": _forget_sessions,
    "refuse_gateway": _refuse_gateway,
    "silent_gateway": _silent_gateway,
    "fail_rest": _fail_rest,
    "session_start_limit": _session_start_limit,
}


async def apply_fault(sim: FaultTarget, body: object) -> None:
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
    except ValueError as exc:
        raise FaultError(400, str(exc)) from None
