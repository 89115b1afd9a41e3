"""The client's public value types: what observers read about it.

Plain frozen values with no behaviour beyond parsing a READY user, so the
integration, the tests and every module of this package can share them
without importing the machinery that produces them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from .errors import FatalGatewayError, GatewayProtocolError

if TYPE_CHECKING:
    from .presence import Presence

_AVATAR_HASH = re.compile(r"(a_)?[0-9a-f]{32}")


class ConnectionState(StrEnum):
    """What the client is doing, as observers see it."""

    CONNECTING = "connecting"
    CONNECTED = "connected"
    RECONNECTING = "reconnecting"
    DISCONNECTED = "disconnected"
    # The identify budget is spent: sleeping until snapshot().waiting_until,
    # then trying again unattended. Not a failure.
    WAITING = "waiting"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class GatewayUser:
    """The account the session belongs to."""

    id: str
    username: str
    global_name: str | None
    bot: bool
    avatar: str | None = None  # the avatar's hash (None: Discord's default avatar)

    @classmethod
    def from_payload(cls, data: Any) -> GatewayUser:
        if not isinstance(data, dict) or "id" not in data:
            raise GatewayProtocolError("READY has no usable user")
        global_name = data.get("global_name")
        avatar = data.get("avatar")
        return cls(
            id=str(data["id"]),
            username=str(data.get("username", "")),
            global_name=None if global_name is None else str(global_name),
            bot=bool(data.get("bot", False)),
            # It ends up in a URL: only the shape Discord uses ("a_" = animated).
            avatar=avatar if isinstance(avatar, str) and _AVATAR_HASH.fullmatch(avatar) else None,
        )


@dataclass(frozen=True, slots=True)
class GatewayStats:
    """Counters since the client was created.

    ``identifies`` and ``resumes`` count payloads sent; ``reconnects`` counts
    connection attempts after the first of a run; ``last_close_code`` is the
    code that ended the last connection (the server's, ours, or 1006 when it
    dropped without a close frame).
    """

    identifies: int = 0
    resumes: int = 0
    reconnects: int = 0
    frames_in: int = 0
    frames_out: int = 0
    presence_updates_sent: int = 0
    last_close_code: int | None = None


@dataclass(frozen=True, slots=True)
class GatewaySnapshot:
    """An immutable view of the client for observers."""

    state: ConnectionState
    failure: FatalGatewayError | None
    user: GatewayUser | None
    latency: float | None
    stats: GatewayStats
    presence: Presence
    presence_applied: bool
    # Wall-clock epoch seconds when the wait ends at the latest (it may end
    # sooner: see Supervisor._before_identify); set only while WAITING.
    waiting_until: float | None = None
    # What the live session shows as far as we sent (the IDENTIFY's presence
    # once READY, else the last op 3 that went out) and when (wall-clock epoch
    # seconds, clock.time()). None while no session is live, and right after
    # a RESUMED until the presence is re-sent: Discord may have lost it.
    applied: Presence | None = None
    applied_at: float | None = None
