"""One websocket's life: open, handshake, heartbeat, liveness, read, send, tear down.

A Connection serves one socket until it ends and says how to go on (a
``Next``); the supervisor decides what to do with that. While it is served, a
reader task reads frames and per-connection tasks do the timed work
(heartbeats, liveness pings, presence sends, the periodic re-assert, the
handshake watchdog). A timer that wants the connection gone, or any of those
tasks dying, resolves ``stop`` with a decision; ``run()`` then cancels the
reader wherever it is blocked, and ``teardown()`` stops everything (bounded,
and shielded from cancellation).

What outlives one socket is passed in: the session to resume (``Session``),
the wanted presence and its send schedule (``Outbox``), and what observers
see (``Observed``).
"""

from __future__ import annotations

import asyncio
import functools
import logging
from typing import TYPE_CHECKING, Any, Final

import aiohttp

from .compression import MAX_MESSAGE_BYTES
from .dialects import Dialect, encode, fits_in_frame
from .errors import GatewayError, GatewayProtocolError, describe
from .frames import decode, interval_seconds, usable_seq
from .keepalive import KeepAlive
from .models import ConnectionState, GatewayUser
from .protocol import (
    CLOSE_NORMAL,
    CLOSE_RECYCLE,
    RATE_LIMITED,
    CloseAction,
    OpCode,
    close_action,
    fatal_error,
)
from .ratelimit import SendBudget
from .session import Action, Next
from .urls import host_for_log
from .waits import wait_through_cancel, within

if TYPE_CHECKING:
    from collections.abc import Callable, Coroutine

    from .clock import Clock
    from .compression import Inflater
    from .observed import Observed
    from .presence import Presence
    from .session import Outbox, Session, Settings

_LOGGER = logging.getLogger(__name__)

# How long our close frame may wait for the peer's answer before the
# transport is dropped (aiohttp alone waits 10 s for a dead peer).
CLOSE_GRACE: Final = 1.0


async def open_socket(
    http: aiohttp.ClientSession, url: str, clock: Clock, deadline: float, connect_timeout: float
) -> aiohttp.ClientWebSocketResponse:
    """``ws_connect``, abandoned at ``deadline`` on the clock (TimeoutError)."""
    # autoping=False: PONGs must reach the reader (they prove the link is
    # alive, see KeepAlive); the reader answers PINGs itself.
    opening = asyncio.ensure_future(
        http.ws_connect(
            url, autoclose=False, autoping=False, max_msg_size=MAX_MESSAGE_BYTES, compress=0
        )
    )
    try:
        in_time = await within(clock, opening, deadline - clock.monotonic())
    except asyncio.CancelledError:
        if opening.done() and not opening.cancelled() and opening.exception() is None:
            await close_socket(clock, opening.result(), CLOSE_NORMAL)
        raise
    if not in_time:
        raise TimeoutError(f"no websocket within {connect_timeout:g} s")
    return opening.result()


async def close_socket(clock: Clock, ws: aiohttp.ClientWebSocketResponse, code: int) -> None:
    """Send a close frame; a peer that does not answer gets CLOSE_GRACE at most.

    aiohttp would wait 10 s of real time for a dead peer's close frame.
    Cancelling its close() after the grace drops the transport. When the
    reader was cancelled (a stop request), aiohttp already treats the link as
    broken and drops it right after writing the frame.
    """
    closing = asyncio.ensure_future(ws.close(code=code))
    if not await within(clock, closing, CLOSE_GRACE):
        _LOGGER.debug("No answer to our close frame; dropped the connection")
    elif (err := closing.exception()) is not None:
        _LOGGER.debug("Closing the websocket failed: %s", describe(err))


class Connection:
    """One websocket, served until it ends."""

    def __init__(
        self,
        ws: aiohttp.ClientWebSocketResponse,
        inflater: Inflater,
        *,
        settings: Settings,
        session: Session,
        outbox: Outbox,
        observed: Observed,
        resuming: bool,
        deadline: float,
        invalid_session_pause: Callable[[float | None], float],
    ) -> None:
        self.ws = ws
        self.inflater = inflater
        self._settings = settings
        self._clock = settings.clock
        self._codec = settings.codec
        self._session = session
        self._outbox = outbox
        self._observed = observed
        # The supervisor's pause before identifying after op 9 false, given
        # when this connection went live: it owns the backoff.
        self._invalid_session_pause = invalid_session_pause
        self.budget = SendBudget(self._clock)
        self.resuming = resuming
        # Clock time by which the handshake (HELLO and READY/RESUMED) must be done.
        self.deadline = deadline
        # Clock time of the last frame of any kind (PONG, ACK, dispatch, close).
        self.last_received = self._clock.monotonic()
        # Resolved with their decision by whoever first wants this connection
        # gone (a timer, a dying task): run() then stops the reader wherever
        # it is blocked.
        self.stop: asyncio.Future[Next] = asyncio.get_running_loop().create_future()
        self.reader: asyncio.Task[Next] | None = None
        self.send_lock = asyncio.Lock()
        self.tasks: set[asyncio.Task[None]] = set()
        self.keepalive = KeepAlive(
            self,
            clock=self._clock,
            codec=self._codec,
            session=session,
            observed=observed,
            connect_timeout=settings.connect_timeout,
        )
        # What our close frame says when we recycle (the server's code,
        # echoed, after it closed).
        self.close_code: int = CLOSE_RECYCLE
        self.handshaken = False  # HELLO seen (v10) / socket open (legacy)
        self.identify_sent = False
        self.resume_sent = False
        self.live_since: float | None = None  # READY/RESUMED time (monotonic)
        self.identify_presence: Presence | None = None
        # What this session shows now, as far as we sent, and since when
        # (wall clock): GatewaySnapshot.applied / applied_at.
        self.applied: Presence | None = None
        self.applied_at: float | None = None
        # An op 3 is on its way out (from the loop or send_presence_now()).
        self._presence_sending = False

    # ------------------------------------------------------------- life cycle

    async def run(self) -> Next:
        """Read until the connection ends, or until someone asks it to stop.

        The reader runs as its own task so a stop request can end it wherever
        it is blocked: in receive(), or in a send to a peer that stopped
        reading (which would otherwise wait for TCP to give up, many minutes).
        """
        reader = asyncio.create_task(self._serve(), name="discord-gateway reader")
        self.reader = reader
        await asyncio.wait({reader, self.stop}, return_when=asyncio.FIRST_COMPLETED)
        if not reader.done():
            reader.cancel()
            await asyncio.wait({reader})
        if not reader.cancelled():
            # It finished on its own: its outcome (or error) wins.
            return reader.result()
        return self.stop.result()

    async def teardown(self, code: int) -> None:
        """Stop everything this connection runs and close the socket with ``code``.

        Shielded: it runs to its end even if the caller is cancelled meanwhile
        (a second cancel during close() must not skip the close frame or
        leave timers running), then re-raises that cancellation.
        """
        task = asyncio.ensure_future(self._teardown_steps(code))
        await wait_through_cancel(task)
        task.result()

    async def _teardown_steps(self, code: int) -> None:
        tasks = [t for t in (self.reader, *self.tasks) if t is not None and not t.done()]
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks)
        self.tasks.clear()
        if not self.ws.closed:
            await close_socket(self._clock, self.ws, code)

    def request_close(self, nxt: Next) -> None:
        """From a timer or a dying task: end this connection, then go on with ``nxt``.

        The first request wins; run() stops the reader.
        """
        if not self.stop.done():
            self._observed.bump(last_close_code=self.close_code)
            self.stop.set_result(nxt)

    def recycle(self) -> None:
        """Replace this connection, resuming the session where possible."""
        self.request_close(Next(Action.RESUME))

    def spawn(self, coro: Coroutine[Any, Any, None], what: str) -> asyncio.Task[None]:
        """Run ``coro`` for as long as this connection lives; if it dies, recycle."""
        task = asyncio.create_task(coro, name=f"discord-gateway {what}")
        self.tasks.add(task)
        task.add_done_callback(functools.partial(self._task_ended, what))
        return task

    def _task_ended(self, what: str, task: asyncio.Task[None]) -> None:
        """A connection task ended: if it died, recycle the connection.

        A dead heartbeat or watchdog leaves a connection that looks healthy
        while nothing keeps it alive or checks it; never let that pass.
        """
        self.tasks.discard(task)
        if task.cancelled() or (err := task.exception()) is None:
            return
        self._observed.log_unexpected(err)
        _LOGGER.debug("The connection's %s task died; reconnecting", what)
        self.recycle()

    # ------------------------------------------------------- reading, sending

    async def _serve(self) -> Next:
        self.keepalive.watch_handshake(self.deadline)
        if not self._codec.has_hello:
            # Legacy: the client speaks first.
            self.handshaken = True
            await self._identify()
        while True:
            msg = await self.ws.receive()
            self.last_received = self._clock.monotonic()
            if msg.type in (aiohttp.WSMsgType.TEXT, aiohttp.WSMsgType.BINARY):
                self._observed.frames_in += 1
                try:
                    text = self.inflater.feed(msg.data)
                    if text is None:
                        continue
                    nxt = await self._handle(decode(text))
                except GatewayProtocolError as err:
                    _LOGGER.info("Discord gateway sent garbage (%s); reconnecting", err)
                    nxt = Next(Action.RESUME)
                if nxt is not None:
                    # Teardown sends the close frame (close_code).
                    self._observed.bump(last_close_code=self.close_code)
                    return nxt
            elif msg.type is aiohttp.WSMsgType.PING:
                try:
                    await self.ws.pong(msg.data)
                except (aiohttp.ClientError, ConnectionError) as err:
                    _LOGGER.debug("Pong not sent: %s", describe(err))
            elif msg.type is aiohttp.WSMsgType.PONG:
                continue  # an answer to the liveness probe; last_received says enough
            elif msg.type is aiohttp.WSMsgType.CLOSE:
                return await self._on_server_close(msg.data)
            else:
                # CLOSING/CLOSED/ERROR: the connection dropped without a close frame.
                _LOGGER.info("Discord gateway connection dropped; resuming")
                self._observed.bump(last_close_code=1006)
                return Next(Action.RESUME)

    async def _on_server_close(self, code: Any) -> Next:
        code = code if isinstance(code, int) and code >= 1000 else None
        self._observed.bump(last_close_code=code if code is not None else 1005)
        # Echo the code (RFC 6455); 4000 when the frame carried none.
        self.close_code = code if code is not None else CLOSE_RECYCLE
        await close_socket(self._clock, self.ws, self.close_code)
        action = close_action(code)
        _LOGGER.info("Discord gateway closed the connection: %s (%s)", code, action.value)
        if action is CloseAction.FATAL:
            assert code is not None
            raise fatal_error(code)
        if action is CloseAction.NEW_SESSION:
            return Next(Action.IDENTIFY, close_code=code)
        return Next(Action.RESUME, close_code=code, rate_limited=code == RATE_LIMITED)

    async def send(self, payload: dict[str, Any], *, priority: bool) -> None:
        text = encode(payload)
        if not fits_in_frame(text):
            # Discord would close with 4002; refuse instead (never expected:
            # presence is checked when set, identify falls back below).
            raise GatewayError(f"refusing to send an op {payload.get('op')} frame over 4096 bytes")
        await self.budget.acquire(priority=priority)
        async with self.send_lock:
            await self.ws.send_str(text)
        self._observed.frames_out += 1

    # --------------------------------------------------------------- payloads

    async def _handle(self, payload: dict[str, Any]) -> Next | None:
        op = payload["op"]
        data = payload.get("d")
        if (seq := usable_seq(payload.get("s"))) is not None:
            self._session.seq = seq
        if op == OpCode.DISPATCH:
            await self._on_dispatch(payload.get("t"), data)
        elif op == OpCode.HELLO and self._codec.has_hello:
            await self._on_hello(data)
        elif op == OpCode.HEARTBEAT_ACK:
            self.keepalive.on_ack()
        elif op == OpCode.HEARTBEAT:
            # The server asks for a beat now; it does not shift the schedule.
            await self.keepalive.beat()
        elif op == OpCode.RECONNECT:
            return self._on_reconnect(data)
        elif op == OpCode.INVALID_SESSION:
            return self._on_invalid_session(data)
        else:
            _LOGGER.debug("Ignoring gateway op %s", op)
        return None

    async def _on_hello(self, data: Any) -> None:
        if self.handshaken:
            # A second HELLO would start a second heartbeat schedule.
            raise GatewayProtocolError("a second HELLO")
        interval = interval_seconds(data)
        self.handshaken = True
        # Jitter the first beat so reconnecting clients don't beat in lockstep.
        self.keepalive.start(interval, interval * self._settings.rng.random())
        session_id = self._session.session_id
        if self.resuming and session_id is not None:
            token = self._settings.token
            await self.send(
                self._codec.resume(token, session_id, self._session.seq), priority=False
            )
            self.resume_sent = True
            self._observed.bump(resumes=1)
        else:
            await self._identify()

    async def _identify(self) -> None:
        token, intents = self._settings.token, self._settings.intents
        presence: Presence | None = self._outbox.wanted
        payload = self._codec.identify(token, intents, presence)
        if not fits_in_frame(encode(payload)):
            # Rare: a presence just under the op 3 limit plus identify fields.
            # Identify without it; it is sent after READY instead.
            payload = self._codec.identify(token, intents, None)
            presence = None
        await self.send(payload, priority=False)
        self._settings.ledger.record(self._clock.time())
        self.identify_sent = True
        self.identify_presence = presence if self._codec.has_hello else None
        self._observed.bump(identifies=1)

    async def _on_dispatch(self, event: Any, data: Any) -> None:
        if event == "READY":
            # Only as the answer to our IDENTIFY, once: a READY before HELLO
            # would go live with no heartbeat at all.
            if not self.identify_sent or self.live_since is not None:
                raise GatewayProtocolError("READY out of order")
            if not isinstance(data, dict):
                raise GatewayProtocolError("READY without data")
            user = GatewayUser.from_payload(data.get("user"))
            if self._codec.can_resume:
                session_id = data.get("session_id")
                resume_url = data.get("resume_gateway_url")
                if not isinstance(session_id, str) or not isinstance(resume_url, str):
                    raise GatewayProtocolError("READY without session_id / resume_gateway_url")
                self._session.session_id = session_id
                self._session.resume_url = resume_url
            self._observed.user = user
            # v10: the IDENTIFY carried a presence; only a change since needs a send.
            self._set_applied(self.identify_presence)
            self._went_live(data)
        elif event == "RESUMED":
            if not self.resume_sent or self.live_since is not None:
                raise GatewayProtocolError("RESUMED without a pending resume")
            # After a resume Discord may have lost the presence: always re-send.
            self._set_applied(None)
            self._went_live(data)

    def _set_applied(self, presence: Presence | None) -> None:
        self.applied = presence
        self.applied_at = None if presence is None else self._clock.time()

    def _went_live(self, data: Any) -> None:
        if not self._codec.has_hello:
            # Legacy: the interval arrives here. Without a usable one there
            # would be no heartbeat and no liveness probe: refuse instead.
            interval = interval_seconds(data)
            self.keepalive.start(interval, interval)
        self.live_since = self._clock.monotonic()
        self._outbox.dirty.set()
        self.spawn(self._presence_loop(), "presence")
        if self._settings.reassert_interval > 0:
            self.spawn(self._reassert_loop(), "reassert")
        self._observed.ready_seen = True
        self._observed.ready.set()
        self._observed.set_state(ConnectionState.CONNECTED)
        self._observed.notify()

    def _on_reconnect(self, data: Any) -> Next:
        if self._settings.dialect is Dialect.LEGACY:
            url = data.get("url") if isinstance(data, dict) else None
            if not isinstance(url, str) or not url:
                raise GatewayProtocolError("redirect without a url")
            _LOGGER.info("Discord gateway redirected us to %s", host_for_log(url))
            return Next(Action.IDENTIFY, url=url)
        _LOGGER.info("Discord gateway asked us to reconnect")
        return Next(Action.RESUME)

    def _on_invalid_session(self, data: Any) -> Next:
        if data is True and self._codec.can_resume:
            return Next(Action.RESUME)
        return Next(Action.IDENTIFY, delay=self._invalid_session_pause(self.live_since))

    # --------------------------------------------------------------- presence

    def send_presence_now(self) -> bool:
        """Send the wanted presence within this call when nothing has to wait.

        The presence loop costs a loop turn (it wakes on ``outbox.dirty``).
        When this connection is live, the 5-per-20 s window and the send
        budget have room and no other op 3 is on its way, the frame is
        written here instead (an eager task: it only becomes a real task if
        the socket makes it wait). False: the loop must do it, coalescing a
        burst to the latest; the limits are the same either way.
        """
        outbox = self._outbox
        if (
            self.live_since is None
            or self.stop.done()
            or self._presence_sending
            or self.send_lock.locked()
            or outbox.window.delay() > 0
            or not self.budget.has_room()
        ):
            return False
        if self.applied == outbox.wanted and not outbox.force:
            return True
        task = asyncio.Task(
            self._send_presence(outbox.wanted),
            # Python 3.13's eager start does not find the running loop itself.
            loop=asyncio.get_running_loop(),
            name="discord-gateway presence now",
            eager_start=True,
        )
        if not task.done():
            self.tasks.add(task)
        task.add_done_callback(functools.partial(self._task_ended, "presence now"))
        return True

    async def _presence_loop(self) -> None:
        """Send the wanted presence when it changed; bursts coalesce to the latest."""
        outbox = self._outbox
        while True:
            await outbox.dirty.wait()
            while (wait := outbox.window.delay()) > 0:
                await self._clock.sleep(wait)
            outbox.dirty.clear()
            presence = outbox.wanted
            if self.applied == presence and not outbox.force:
                continue
            await self._send_presence(presence)
            if self.stop.done():
                return  # the socket is going: the next connection sends it

    async def _send_presence(self, presence: Presence) -> None:
        """One op 3, counted in the presence window; a failed send recycles the connection."""
        outbox = self._outbox
        self._presence_sending = True
        outbox.force = False
        outbox.window.record()
        try:
            await self.send(
                self._codec.presence_update(presence, self._clock.time()), priority=False
            )
        except (aiohttp.ClientError, ConnectionError) as err:
            # The socket is going; make sure the connection is replaced
            # (and the presence re-sent on the next one).
            _LOGGER.debug("Presence not sent: %s", describe(err))
            outbox.dirty.set()
            self.recycle()
            return
        finally:
            self._presence_sending = False
        self._set_applied(presence)
        self._observed.bump(presence_updates_sent=1)

    async def _reassert_loop(self) -> None:
        """Re-send the presence now and then: Discord sometimes drops it silently."""
        while True:
            await self._clock.sleep(self._settings.reassert_interval)
            self._outbox.force = True
            self._outbox.dirty.set()
