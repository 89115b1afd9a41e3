"""Keeping one connection alive and noticing when it is not.

The heartbeat schedule (op 1, and v10's ACK check), the liveness probe (a
WebSocket PING every interval, judged only by what arrives) and the
handshake watchdog. Each wants a dead link replaced: it asks the connection
to recycle itself, and the supervisor resumes where it can.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, Protocol

import aiohttp

from .errors import describe

if TYPE_CHECKING:
    import asyncio
    from collections.abc import Coroutine

    from .clock import Clock
    from .dialects import DialectCodec
    from .observed import Observed
    from .session import Session

_LOGGER = logging.getLogger(__name__)


class Link(Protocol):
    """What the keep-alive needs of its connection."""

    @property
    def ws(self) -> aiohttp.ClientWebSocketResponse: ...

    @property
    def last_received(self) -> float: ...

    @property
    def live_since(self) -> float | None: ...

    def spawn(self, coro: Coroutine[Any, Any, None], what: str) -> asyncio.Task[None]: ...

    def recycle(self) -> None: ...

    async def send(self, payload: dict[str, Any], *, priority: bool) -> None: ...


class KeepAlive:
    """One connection's heartbeat, liveness probe and handshake watchdog."""

    def __init__(
        self,
        link: Link,
        *,
        clock: Clock,
        codec: DialectCodec,
        session: Session,
        observed: Observed,
        connect_timeout: float,
    ) -> None:
        self._link = link
        self._clock = clock
        self._codec = codec
        self._session = session
        self._observed = observed
        self._connect_timeout = connect_timeout
        self.heartbeat: asyncio.Task[None] | None = None
        self.liveness: asyncio.Task[None] | None = None
        self.prober: asyncio.Task[None] | None = None
        self.probe_sent_at: float | None = None
        self.ack_pending = False
        self.acks_seen = False
        self.beat_sent_at: float | None = None

    def start(self, interval: float, first: float) -> None:
        """Beat every ``interval`` s, the first after ``first`` s, and probe the link."""
        for task in (self.heartbeat, self.liveness):
            if task is not None:
                task.cancel()
        self.heartbeat = self._link.spawn(self._heartbeat_loop(interval, first), "heartbeat")
        self.liveness = self._link.spawn(self._liveness_loop(interval), "liveness")

    def watch_handshake(self, deadline: float) -> None:
        """Recycle the connection if it is not live by ``deadline`` (monotonic)."""
        self._link.spawn(self._handshake_watchdog(deadline), "handshake watchdog")

    async def beat(self) -> None:
        self.ack_pending = True
        self.beat_sent_at = self._clock.monotonic()
        payload = self._codec.heartbeat(self._session.seq, self._clock.time())
        try:
            await self._link.send(payload, priority=True)
        except (aiohttp.ClientError, ConnectionError) as err:
            _LOGGER.debug("Heartbeat not sent: %s", describe(err))

    def on_ack(self) -> None:
        self.ack_pending = False
        self.acks_seen = True
        if self.beat_sent_at is not None:
            self._observed.latency = self._clock.monotonic() - self.beat_sent_at
            self._observed.notify()

    async def _heartbeat_loop(self, interval: float, first: float) -> None:
        await self._clock.sleep(first)
        while True:
            # Legacy servers may never ACK; only judge them once they have.
            if self.ack_pending and (self._codec.has_hello or self.acks_seen):
                _LOGGER.info("No heartbeat ACK since the last beat: zombie connection; resuming")
                self._link.recycle()
                return
            await self.beat()
            await self._clock.sleep(interval)

    async def _liveness_loop(self, interval: float) -> None:
        """Notice a half-open link by what arrives, never by what we manage to send.

        The legacy gateway never ACKs, and a v10 heartbeat can hang behind a
        send to a peer that stopped reading, so this relies on receiving
        only: every interval a WebSocket PING goes out (without waiting for
        it to be written), and when nothing at all (PONG, ACK, dispatch)
        arrived since the previous PING, the link is dead. A link that dies
        is noticed one to two intervals later.

        On v10 a frame received within the last interval (the heartbeat ACK,
        in practice) already proves the server reads and answers, so no PING
        is sent then: an idle v10 bot sends nothing beside its heartbeat
        (issue 9's CPU budget). To still notice a dead v10 link within two
        intervals when our sends are stuck behind a peer that stopped reading
        (so no heartbeat, and no ACK check, happens), v10 looks every half
        interval: a PING goes out once nothing arrived for an interval, and
        half an interval without an answer ends the link.
        """
        v10 = self._codec.has_hello
        tick = interval / 2 if v10 else interval
        while True:
            await self._clock.sleep(tick)
            now = self._clock.monotonic()
            sent = self.probe_sent_at
            last = self._link.last_received
            if sent is not None and last < sent:
                _LOGGER.info(
                    "Nothing received from the Discord gateway for %.0f s: "
                    "half-open connection; resuming",
                    now - last,
                )
                self._link.recycle()
                return
            if v10 and now - last < interval:
                self.probe_sent_at = None
                continue
            self.probe_sent_at = now
            if self.prober is None or self.prober.done():
                self.prober = self._link.spawn(self._ping(), "ping")

    async def _ping(self) -> None:
        try:
            await self._link.ws.ping()
        except (aiohttp.ClientError, ConnectionError) as err:
            _LOGGER.debug("Ping not sent: %s", describe(err))

    async def _handshake_watchdog(self, deadline: float) -> None:
        await self._clock.sleep(deadline - self._clock.monotonic())
        if self._link.live_since is None:
            _LOGGER.debug("Discord gateway handshake not done within %g s", self._connect_timeout)
            self._link.recycle()
