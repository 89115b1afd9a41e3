"""What the supervisor and its connections hand each other.

The session to resume and the wanted presence outlive any one socket; the
settings are the same for every connection of a client; ``Next`` is how a
connection that ended tells the supervisor to go on.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import random

    from .clock import Clock
    from .dialects import Dialect, DialectCodec
    from .ledger import IdentifyLedger
    from .presence import Presence
    from .ratelimit import SlidingWindow


class Action(Enum):
    RESUME = "resume"
    IDENTIFY = "identify"


@dataclass(frozen=True, slots=True)
class Next:
    """How to continue after a connection ended."""

    action: Action
    delay: float | None = None  # None: the usual backoff
    url: str | None = None  # legacy op 7: connect here next
    close_code: int | None = None
    rate_limited: bool = False


@dataclass(slots=True)
class Session:
    """The session to resume: set by READY and each sequence number, kept across sockets."""

    session_id: str | None = None
    resume_url: str | None = None
    seq: int | None = None

    def forget(self) -> None:
        """Start afresh: the next READY brings a new session."""
        self.session_id = None
        self.resume_url = None
        self.seq = None


@dataclass(eq=False)
class Outbox:
    """The wanted presence and when to send it; shared by the client and each connection."""

    wanted: Presence
    window: SlidingWindow  # the 5-per-20 s presence limit, across connections
    dirty: asyncio.Event = field(default_factory=asyncio.Event)
    force: bool = False  # re-send even when the session shows it (re-assert)


@dataclass(frozen=True, slots=True, eq=False)
class Settings:
    """What every connection of one client is configured with."""

    token: str = field(repr=False)
    dialect: Dialect
    codec: DialectCodec
    intents: int
    clock: Clock
    rng: random.Random
    ledger: IdentifyLedger
    reassert_interval: float
    connect_timeout: float
