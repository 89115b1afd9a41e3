"""Opcodes, close codes and what each close code means for reconnecting."""

from __future__ import annotations

from enum import Enum, IntEnum
from typing import Final

from .errors import (
    AuthenticationFailed,
    DisallowedIntents,
    FatalGatewayError,
    InvalidApiVersion,
    InvalidIntents,
    InvalidShard,
    ShardingRequired,
)


class OpCode(IntEnum):
    """Gateway opcodes (the legacy dialect uses the same numbers it knows)."""

    DISPATCH = 0
    HEARTBEAT = 1
    IDENTIFY = 2
    PRESENCE_UPDATE = 3
    RESUME = 6
    RECONNECT = 7
    INVALID_SESSION = 9
    HELLO = 10
    HEARTBEAT_ACK = 11


class CloseAction(Enum):
    """What to do after the server closed the connection with a given code."""

    RESUME = "resume"
    NEW_SESSION = "new_session"
    FATAL = "fatal"


# Our own close codes. 1000/1001 end the session on Discord's side (the bot
# goes offline), so they are only used when stopping for good.
CLOSE_NORMAL: Final = 1000
CLOSE_RECYCLE: Final = 4000

RATE_LIMITED: Final = 4008

_NEW_SESSION_CODES: Final = frozenset({4003, 4005, 4007, 4009})

_FATAL: Final[dict[int, type[FatalGatewayError]]] = {
    4004: AuthenticationFailed,
    4010: InvalidShard,
    4011: ShardingRequired,
    4012: InvalidApiVersion,
    4013: InvalidIntents,
    4014: DisallowedIntents,
}


def close_action(code: int | None) -> CloseAction:
    """Decide resume / new session / never for a close code (None = dropped).

    Codes not in Discord's table (including 1000/1001 from the server and
    drops without a close frame) are treated as resumable: if the session is
    really gone the server answers the resume with op 9 and we identify then.
    """
    if code in _FATAL:
        return CloseAction.FATAL
    if code in _NEW_SESSION_CODES:
        return CloseAction.NEW_SESSION
    return CloseAction.RESUME


def fatal_error(code: int) -> FatalGatewayError:
    """The typed error for a fatal close code."""
    return _FATAL[code](close_code=code)
