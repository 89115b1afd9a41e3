"""What the client shows its observers, and who is told when it changes.

The supervisor and each connection write their news here (state, counters,
the READY user, latency); the public client reads it for snapshots and for
wait_until_ready(). One place, so no part needs a reference to another just
to report.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from .listeners import Listeners
from .models import ConnectionState, GatewayStats, GatewayUser

if TYPE_CHECKING:
    from collections.abc import Callable

    from .errors import FatalGatewayError

_LOGGER = logging.getLogger(__name__)


class Observed:
    """The client's observable state and its listeners."""

    def __init__(self) -> None:
        self.state = ConnectionState.DISCONNECTED
        self.failure: FatalGatewayError | None = None
        self.user: GatewayUser | None = None
        self.latency: float | None = None
        # Plain counters, turned into a GatewayStats only when a snapshot asks:
        # frames move on every heartbeat, and nobody needs to hear about that.
        self.identifies = 0
        self.resumes = 0
        self.reconnects = 0
        self.frames_in = 0
        self.frames_out = 0
        self.presence_updates_sent = 0
        self.last_close_code: int | None = None
        self.waiting_until: float | None = None
        # READY/RESUMED seen in the current run (wait_until_ready()).
        self.ready_seen = False
        self.ready = asyncio.Event()
        self._listeners = Listeners(_LOGGER, "Gateway")
        self._unexpected_logged: set[str] = set()

    def add_listener(self, cb: Callable[[], None]) -> Callable[[], None]:
        return self._listeners.add(cb)

    def notify(self) -> None:
        self._listeners.call()

    def set_state(self, state: ConnectionState) -> None:
        if state is not self.state:
            self.state = state
            self.notify()

    def fail(self, err: FatalGatewayError) -> None:
        self.failure = err
        self.waiting_until = None
        self.set_state(ConnectionState.FAILED)

    @property
    def stats(self) -> GatewayStats:
        return GatewayStats(
            identifies=self.identifies,
            resumes=self.resumes,
            reconnects=self.reconnects,
            frames_in=self.frames_in,
            frames_out=self.frames_out,
            presence_updates_sent=self.presence_updates_sent,
            last_close_code=self.last_close_code,
        )

    def bump(self, **changes: int | None) -> None:
        """Add to counters (``last_close_code`` is set, not added), then tell the listeners.

        Not for frames_in/frames_out: those are plain increments, read on demand.
        """
        for name, value in changes.items():
            setattr(self, name, value if name == "last_close_code" else getattr(self, name) + value)
        self.notify()

    def log_unexpected(self, err: BaseException) -> None:
        """A traceback once per kind of error at ERROR; repeats at DEBUG."""
        kind = type(err).__qualname__
        level = logging.DEBUG if kind in self._unexpected_logged else logging.ERROR
        self._unexpected_logged.add(kind)
        _LOGGER.log(
            level, "Unexpected error in the Discord gateway client (%s)", kind, exc_info=err
        )
