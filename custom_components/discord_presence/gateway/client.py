"""GatewayClient: one long-lived Discord gateway session, kept alive.

Shape of the machine:

* ``run()`` owns a runner task that loops: pick where to connect (resume URL,
  cached or fresh gateway URL, legacy redirect), open the websocket, serve it
  until it ends, decide (resume / new session / fatal), back off, repeat.
  Only a fatal error ends it. Before an IDENTIFY it waits for the budget
  (state WAITING: Discord's session_start_limit keeps a reserve; when that
  cannot be read, the shared IdentifyLedger caps "blind" identifies per
  24 h) and for the 5 s spacing. A failed attempt keeps the session to
  resume on; repeated endings before READY get the token judged by REST; an
  unexpected exception in one attempt is logged and the connection recycled.
* While a connection is served, a reader task reads frames; per-connection
  tasks do the timed work (heartbeats, liveness pings, presence sends,
  periodic re-assert, the handshake watchdog). A timer that wants the
  connection gone, or any of those tasks dying, resolves the connection's
  stop future with a decision; the runner then cancels the reader wherever
  it is blocked and tears down (bounded, and shielded from cancellation).
* Every wait goes through the injected clock, every random draw through the
  injected rng, so tests drive it all with virtual time.
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import random
from dataclasses import dataclass, field, replace
from enum import Enum, StrEnum
from typing import TYPE_CHECKING, Any, Final

import aiohttp

from .clock import Clock, SystemClock
from .compression import (
    MAX_MESSAGE_BYTES,
    ZSTD_AVAILABLE,
    Compression,
    Inflater,
    make_inflater,
)
from .dialects import MAX_FRAME_BYTES, Dialect, codec_for, encode
from .errors import (
    AuthenticationFailed,
    ClientCrashed,
    FatalGatewayError,
    GatewayError,
    GatewayProtocolError,
    GatewayUnavailable,
)
from .ledger import IdentifyLedger
from .presence import Presence
from .protocol import (
    CLOSE_NORMAL,
    CLOSE_RECYCLE,
    RATE_LIMITED,
    CloseAction,
    OpCode,
    close_action,
    fatal_error,
)
from .ratelimit import PRESENCE_LIMIT, PRESENCE_PERIOD, SendBudget, SlidingWindow
from .urls import host_of, is_safe_gateway_url

if TYPE_CHECKING:
    from collections.abc import Callable, Coroutine

    from .dialects import DialectCodec

_LOGGER = logging.getLogger(__name__)

DEFAULT_API_URL: Final = "https://discord.com/api/v10"

BACKOFF_BASE: Final = 1.0
BACKOFF_CAP: Final = 60.0
# A connection that stayed up this long proves the path works again.
STABLE_AFTER: Final = 60.0
IDENTIFY_SPACING: Final = 5.0
# Session starts left that we never spend: at zero Discord resets the token,
# and other processes using the same token may be spending too.
IDENTIFY_RESERVE: Final = 10
# Added to reset_after so clients sharing a token don't all wake together.
BUDGET_JITTER_MIN: Final = 1.0
BUDGET_JITTER_MAX: Final = 30.0
# How long after losing a session we keep trying to resume it (see
# _after_attempt): resuming costs no identify, so it is worth retrying often
# (RESUME_RETRY_CAP) for as long as the session may still live on the server;
# after the window a new session is started through GET /gateway, so a
# resume URL that stays unreachable cannot keep the bot offline.
RESUME_WINDOW: Final = 120.0
RESUME_RETRY_CAP: Final = 10.0
# While the budget is unknown and our ledger is at its ceiling, /gateway/bot
# is read again this often: a short REST outage must not park us for a day.
BUDGET_RECHECK: Final = 300.0
# Consecutive handshakes ending before READY after which the token is judged
# by GET /users/@me (Spacebar closes a bad token with 4000, not 4004).
AUTH_CHECK_AFTER: Final = 3
INVALID_SESSION_MIN: Final = 1.0
INVALID_SESSION_MAX: Final = 5.0
RATE_LIMITED_MIN_DELAY: Final = 5.0
# Seconds on the injected clock: a REST call that takes longer is abandoned.
DEFAULT_REST_TIMEOUT: Final = 10.0
# Seconds on the injected clock for ws_connect plus HELLO/READY.
DEFAULT_CONNECT_TIMEOUT: Final = 30.0

# What ends a connection attempt without being the server's fault for good.
_TRANSIENT_ERRORS: Final = (
    aiohttp.ClientError,
    OSError,
    TimeoutError,
    GatewayProtocolError,
    GatewayUnavailable,
)


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

    @classmethod
    def from_payload(cls, data: Any) -> GatewayUser:
        if not isinstance(data, dict) or "id" not in data:
            raise GatewayProtocolError("READY has no usable user")
        global_name = data.get("global_name")
        return cls(
            id=str(data["id"]),
            username=str(data.get("username", "")),
            global_name=None if global_name is None else str(global_name),
            bot=bool(data.get("bot", False)),
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
    # sooner: see GatewayClient._before_identify); set only while WAITING.
    waiting_until: float | None = None


class _Action(Enum):
    RESUME = "resume"
    IDENTIFY = "identify"


@dataclass(frozen=True, slots=True)
class _Next:
    """How to continue after a connection ended."""

    action: _Action
    delay: float | None = None  # None: the usual backoff
    url: str | None = None  # legacy op 7: connect here next
    close_code: int | None = None
    rate_limited: bool = False


@dataclass(eq=False)
class _Connection:
    """State that lives and dies with one websocket."""

    ws: aiohttp.ClientWebSocketResponse
    inflater: Inflater
    budget: SendBudget
    resuming: bool
    # Clock time by which the handshake (HELLO and READY/RESUMED) must be done.
    deadline: float
    # Clock time of the last frame of any kind (PONG, ACK, dispatch, close).
    last_received: float
    # Resolved with their decision by whoever first wants this connection gone
    # (a timer, a dying task): the runner then stops the reader wherever it is
    # blocked and tears the connection down.
    stop: asyncio.Future[_Next] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )
    reader: asyncio.Task[_Next] | None = None
    send_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    tasks: set[asyncio.Task[None]] = field(default_factory=set)
    heartbeat: asyncio.Task[None] | None = None
    liveness: asyncio.Task[None] | None = None
    prober: asyncio.Task[None] | None = None
    probe_sent_at: float | None = None
    # What our close frame says when we recycle (the server's code, echoed,
    # after it closed).
    close_code: int = CLOSE_RECYCLE
    handshaken: bool = False  # HELLO seen (v10) / socket open (legacy)
    identify_sent: bool = False
    resume_sent: bool = False
    live_since: float | None = None  # READY/RESUMED time
    ack_pending: bool = False
    acks_seen: bool = False
    beat_sent_at: float | None = None
    identify_presence: Presence | None = None
    applied: Presence | None = None  # what this session shows now, as far as we sent


class Backoff:
    """Exponential backoff with full jitter: uniform(0, min(cap, base * 2**n))."""

    def __init__(
        self, rng: random.Random, *, base: float = BACKOFF_BASE, cap: float = BACKOFF_CAP
    ) -> None:
        self._rng = rng
        self.base = base
        self.cap = cap
        self.failures = 0

    def ceiling(self) -> float:
        """The upper bound of the next delay."""
        return min(self.cap, self.base * 2.0 ** min(self.failures, 32))

    def next_delay(self) -> float:
        """Draw the next delay and count one more failure."""
        delay = self._rng.uniform(0.0, self.ceiling())
        self.failures += 1
        return delay

    def next_spacing(self, floor: float) -> float:
        """A delay of at least ``floor`` that grows with the failures ("equal jitter").

        For retries that cost something each time (an IDENTIFY): unlike full
        jitter it never draws a near-zero delay once the ceiling has grown.
        """
        ceiling = max(floor, self.ceiling())
        delay = self._rng.uniform(max(floor, ceiling / 2), ceiling)
        self.failures += 1
        return delay

    def reset(self) -> None:
        self.failures = 0


class GatewayClient:
    """Keeps one Discord gateway session alive and the wanted presence applied."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        token: str,
        *,
        api_url: str = DEFAULT_API_URL,
        dialect: Dialect = Dialect.V10,
        compression: Compression = Compression.ZSTD_STREAM,
        intents: int = 0,
        presence: Presence | None = None,
        reassert_interval: float = 0,
        clock: Clock | None = None,
        rng: random.Random | None = None,
        identify_ledger: IdentifyLedger | None = None,
        rest_timeout: float = DEFAULT_REST_TIMEOUT,
        connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
    ) -> None:
        self._http = session
        self._token = token
        self._api_url = api_url.rstrip("/")
        self._dialect = Dialect(dialect)
        self._codec: DialectCodec = codec_for(self._dialect)
        self._compression = Compression(compression)
        if self._compression is Compression.ZSTD_STREAM and not ZSTD_AVAILABLE:
            # Python < 3.14 has no compression.zstd: the next best is zlib-stream.
            self._compression = Compression.ZLIB_STREAM  # pragma: no cover
        self._intents = intents
        self._reassert_interval = reassert_interval
        self._clock: Clock = clock if clock is not None else SystemClock()
        self._rng = rng if rng is not None else random.Random()
        self._backoff = Backoff(self._rng)
        # Shared with every other user of this token (config flow handshakes).
        self._ledger = identify_ledger if identify_ledger is not None else IdentifyLedger()
        self._rest_timeout = rest_timeout
        self._connect_timeout = connect_timeout
        self._waiting_until: float | None = None
        self._resume_failures = 0  # consecutive failed attempts at resuming
        self._session_lost_at: float | None = None  # monotonic; None: live or none
        self._prelive_endings = 0  # consecutive attempts that ended before READY
        self._live_this_attempt = False  # the current attempt reached CONNECTED
        self._unexpected_logged: set[str] = set()
        self._presence_window = SlidingWindow(PRESENCE_LIMIT, PRESENCE_PERIOD, self._clock)
        self._presence_dirty = asyncio.Event()
        self._presence_force = False
        self._listeners: list[Callable[[], None]] = []

        wanted = presence if presence is not None else Presence()
        self._codec.check_presence(wanted, self._clock.time())
        self._presence = wanted

        self._state = ConnectionState.DISCONNECTED
        self._failure: FatalGatewayError | None = None
        self._user: GatewayUser | None = None
        self._latency: float | None = None
        self._stats = GatewayStats()

        self._gateway_url: str | None = None
        self._redirect_url: str | None = None
        self._session_id: str | None = None
        self._resume_url: str | None = None
        self._seq: int | None = None
        self._last_identify: float | None = None

        self._runner: asyncio.Task[None] | None = None
        self._conn: _Connection | None = None
        self._closing = False
        self._ready_seen = False
        self._ready_event = asyncio.Event()

    # ------------------------------------------------------------------ public

    @property
    def dialect(self) -> Dialect:
        return self._dialect

    @property
    def presence(self) -> Presence:
        """The wanted presence."""
        return self._presence

    def __repr__(self) -> str:
        # Deliberately field-picked: the token must never show up here.
        return (
            f"<GatewayClient dialect={self._dialect.value} state={self._state.value} "
            f"api_url={self._api_url!r}>"
        )

    def add_listener(self, cb: Callable[[], None]) -> Callable[[], None]:
        """Call ``cb()`` after every observable change; returns an unsubscribe."""
        self._listeners.append(cb)

        def unsubscribe() -> None:
            if cb in self._listeners:
                self._listeners.remove(cb)

        return unsubscribe

    def snapshot(self) -> GatewaySnapshot:
        conn = self._conn
        applied = (
            conn is not None and conn.live_since is not None and conn.applied == self._presence
        )
        return GatewaySnapshot(
            state=self._state,
            failure=self._failure,
            user=self._user,
            latency=self._latency,
            stats=self._stats,
            presence=self._presence,
            presence_applied=applied,
            waiting_until=self._waiting_until if self._state is ConnectionState.WAITING else None,
        )

    def update_presence(self, presence: Presence) -> None:
        """Validate for the dialect, record as wanted, schedule a (coalesced) send."""
        self._codec.check_presence(presence, self._clock.time())
        self._presence = presence
        self._presence_dirty.set()
        self._notify()

    async def wait_until_ready(self) -> GatewayUser:
        """Return once READY/RESUMED was seen in the current run."""
        while True:
            if self._failure is not None:
                raise self._failure
            if self._closing:
                raise GatewayError("the gateway client is closed")
            if self._ready_seen and self._user is not None:
                return self._user
            self._ready_event.clear()
            await self._ready_event.wait()

    async def run(self) -> None:
        """Connect and stay connected until close(); raise a FatalGatewayError on give-up.

        Give-up means the user must act (token rejected, intents refused ...)
        or the loop itself broke (ClientCrashed). An exhausted identify budget
        is not one: the client waits in WAITING and goes on by itself. The
        error is logged here at DEBUG only; the caller logs the one ERROR.
        """
        if self._runner is not None:
            raise RuntimeError("GatewayClient.run() is already running")
        self._closing = False
        self._failure = None
        self._ready_seen = False
        self._backoff.reset()
        self._resume_failures = 0
        self._session_lost_at = None
        self._prelive_endings = 0
        self._set_state(ConnectionState.CONNECTING)
        runner = asyncio.create_task(self._run_forever(), name="discord-gateway")
        self._runner = runner
        try:
            await runner
        except asyncio.CancelledError:
            task = asyncio.current_task()
            if self._closing and (task is None or task.cancelling() == 0):
                return
            self._closing = True
            self._set_state(ConnectionState.DISCONNECTED)
            raise
        except FatalGatewayError as err:
            # The caller logs the one ERROR for a permanent failure.
            _LOGGER.debug("Discord gateway gave up: %s", err)
            self._fail(err)
            raise
        except Exception as err:
            # The loop's own machinery broke (not one connection): retrying
            # would spin. Stop visibly instead of dying silently.
            self._log_unexpected(err)
            crashed = ClientCrashed()
            self._fail(crashed)
            raise crashed from err
        finally:
            self._runner = None
            self._ready_event.set()

    async def close(self) -> None:
        """Close with 1000, stop every task and timer. Idempotent.

        The teardown runs to its end even when the caller is cancelled
        meanwhile (Home Assistant unloading under a timeout): it is bounded by
        CLOSE_GRACE on the clock, and stopping halfway would leave timers
        running and the bot online. The caller's cancellation is re-raised
        once it is done.
        """
        self._closing = True
        runner = self._runner
        try:
            if runner is not None and not runner.done():
                runner.cancel()
                await _wait_through_cancel(runner)
        finally:
            if self._state is not ConnectionState.FAILED:
                self._set_state(ConnectionState.DISCONNECTED)
            self._ready_event.set()

    # --------------------------------------------------------------- observers

    def _notify(self) -> None:
        for cb in list(self._listeners):
            try:
                cb()
            except Exception:
                _LOGGER.exception("Gateway listener failed")

    def _set_state(self, state: ConnectionState) -> None:
        if state is ConnectionState.CONNECTED:
            self._live_this_attempt = True
        if state is not self._state:
            self._state = state
            self._notify()

    def _fail(self, err: FatalGatewayError) -> None:
        self._failure = err
        self._waiting_until = None
        self._set_state(ConnectionState.FAILED)

    def _log_unexpected(self, err: BaseException) -> None:
        """A traceback once per kind of error at ERROR; repeats at DEBUG."""
        kind = type(err).__qualname__
        level = logging.DEBUG if kind in self._unexpected_logged else logging.ERROR
        self._unexpected_logged.add(kind)
        _LOGGER.log(
            level, "Unexpected error in the Discord gateway client (%s)", kind, exc_info=err
        )

    def _bump(self, **changes: int | None) -> None:
        values = {
            name: (getattr(self._stats, name) + value if name != "last_close_code" else value)
            for name, value in changes.items()
        }
        self._stats = replace(self._stats, **values)  # type: ignore[arg-type]
        self._notify()

    # ------------------------------------------------------------------ runner

    async def _run_forever(self) -> None:
        action = _Action.IDENTIFY
        first = True
        while True:
            if not first:
                self._bump(reconnects=1)
            first = False
            nxt, failed = await self._attempt(action)
            await self._judge_token()
            action = self._after_attempt(action, nxt, failed=failed)
            self._redirect_url = nxt.url
            self._set_state(ConnectionState.RECONNECTING)
            if nxt.delay is not None:
                delay = nxt.delay
            else:
                delay = self._backoff.next_delay()
                if action is _Action.RESUME:
                    # The session may expire while we back off: retry soon.
                    delay = min(delay, RESUME_RETRY_CAP)
                if nxt.rate_limited:
                    delay = max(delay, RATE_LIMITED_MIN_DELAY)
            _LOGGER.debug("Reconnecting (%s) in %.2f s", action.value, delay)
            await self._clock.sleep(delay)

    async def _attempt(self, action: _Action) -> tuple[_Next, bool]:
        """One connection, start to end; ``(how to go on, whether it failed)``.

        Only fatal errors leave here: anything else ends this connection and
        the runner goes on with backoff.
        """
        self._live_this_attempt = False
        try:
            return await self._connect_and_serve(action), False
        except FatalGatewayError:
            raise
        except _TRANSIENT_ERRORS as err:
            # Per-attempt failures are routine; the integration decides when
            # an outage has lasted long enough to warn about.
            _LOGGER.debug("Discord gateway connection attempt failed: %s", _describe(err))
        except Exception as err:
            # A bug or a hostile server (RecursionError, OverflowError ...):
            # recycle the connection rather than let the runner die.
            self._log_unexpected(err)
        # The cached gateway URL may be what is broken; the resume URL and
        # the session are kept (_after_attempt decides when to let them go).
        self._gateway_url = None
        return _Next(action), True

    async def _judge_token(self) -> None:
        """After repeated handshakes that end before READY, ask REST about the token."""
        if self._live_this_attempt:
            self._prelive_endings = 0
            return
        self._prelive_endings += 1
        if self._prelive_endings % AUTH_CHECK_AFTER:
            return
        try:
            await self._get_json("/users/@me", auth=True)
        except GatewayError as err:
            if isinstance(err, FatalGatewayError):
                raise
            _LOGGER.debug("Could not check the token: %s", err)

    def _after_attempt(self, action: _Action, nxt: _Next, *, failed: bool) -> _Action:
        """Resume or identify next, and keep or forget the session accordingly.

        The session (id, seq, resume URL) survives failed attempts: Discord
        disconnects clients that resume elsewhere significantly faster. Only
        op 9 false, a new-session close code or a new READY replace it, or
        RESUME_WINDOW passing since the session was lost without a resume
        getting through: by then the session has most likely expired on the
        server anyway (a resume would only earn op 9 false), and a resume URL
        that stays unreachable must not keep the bot offline forever, so we
        identify afresh through GET /gateway.
        """
        now = self._clock.monotonic()
        if self._live_this_attempt:
            self._resume_failures = 0
            self._session_lost_at = now
        elif action is _Action.RESUME and nxt.action is _Action.RESUME:
            self._resume_failures += 1
            if self._session_lost_at is None:
                self._session_lost_at = now
            if now - self._session_lost_at >= RESUME_WINDOW:
                _LOGGER.debug(
                    "No resume got through in %.0f s (%d attempts%s); starting a new session",
                    now - self._session_lost_at,
                    self._resume_failures,
                    ", the last failed to connect" if failed else "",
                )
                nxt = _Next(_Action.IDENTIFY)
        if nxt.action is _Action.RESUME and self._can_resume():
            return _Action.RESUME
        self._resume_failures = 0
        self._session_lost_at = None
        self._forget_session()
        return _Action.IDENTIFY

    def _can_resume(self) -> bool:
        return self._codec.can_resume and self._session_id is not None

    def _forget_session(self) -> None:
        self._session_id = None
        self._resume_url = None
        self._seq = None

    async def _connect_and_serve(self, action: _Action) -> _Next:
        resuming = action is _Action.RESUME and self._can_resume()
        if not resuming:
            await self._before_identify()
        base = await self._pick_url(resuming)
        url = self._codec.connect_url(base, self._compression)
        _LOGGER.debug("Connecting to %s (%s)", url, "resume" if resuming else "identify")
        # One budget for the upgrade and the handshake: a server that accepts
        # TCP and then says nothing must not hold the runner.
        deadline = self._clock.monotonic() + self._connect_timeout
        ws = await self._open_socket(url, deadline)
        conn = _Connection(
            ws=ws,
            inflater=make_inflater(None if self._dialect is Dialect.LEGACY else self._compression),
            budget=SendBudget(self._clock),
            resuming=resuming,
            deadline=deadline,
            last_received=self._clock.monotonic(),
        )
        self._conn = conn
        # Cancelled (close()) or a fatal close: 1000 ends the session on
        # Discord's side. Anything else recycles and keeps the session.
        stopping = True
        try:
            nxt = await self._supervise(conn)
            stopping = False
            return nxt
        except Exception as err:
            stopping = isinstance(err, FatalGatewayError)
            raise
        finally:
            await self._teardown(
                conn, CLOSE_NORMAL if stopping or self._closing else conn.close_code
            )
            if self._conn is conn:
                self._conn = None
            if conn.live_since is not None:
                if self._clock.monotonic() - conn.live_since >= STABLE_AFTER:
                    self._backoff.reset()
                self._latency = None
                self._notify()

    async def _open_socket(self, url: str, deadline: float) -> aiohttp.ClientWebSocketResponse:
        """``ws_connect``, abandoned at ``deadline`` on the clock (TimeoutError)."""
        # autoping=False: PONGs must reach the reader (they prove the link is
        # alive, see _liveness_loop); the reader answers PINGs itself.
        opening = asyncio.ensure_future(
            self._http.ws_connect(
                url, autoclose=False, autoping=False, max_msg_size=MAX_MESSAGE_BYTES, compress=0
            )
        )
        try:
            in_time = await _within(self._clock, opening, deadline - self._clock.monotonic())
        except asyncio.CancelledError:
            if opening.done() and not opening.cancelled() and opening.exception() is None:
                await self._close_socket(opening.result(), CLOSE_NORMAL)
            raise
        if not in_time:
            raise TimeoutError(f"no websocket within {self._connect_timeout:g} s")
        return opening.result()

    async def _supervise(self, conn: _Connection) -> _Next:
        """Read until the connection ends, or until someone asks it to stop.

        The reader runs as its own task so a stop request can end it wherever
        it is blocked: in receive(), or in a send to a peer that stopped
        reading (which would otherwise wait for TCP to give up, many minutes).
        """
        reader = asyncio.create_task(self._serve(conn), name="discord-gateway reader")
        conn.reader = reader
        await asyncio.wait({reader, conn.stop}, return_when=asyncio.FIRST_COMPLETED)
        if not reader.done():
            reader.cancel()
            await asyncio.wait({reader})
        if not reader.cancelled():
            # It finished on its own: its outcome (or error) wins.
            return reader.result()
        return conn.stop.result()

    async def _before_identify(self) -> None:
        """Wait until an IDENTIFY is affordable and spaced from the last one.

        Runs in the runner before a connection that will identify; may wait
        (state WAITING, kept across re-checks) for as long as the budget
        needs, then goes on alone.
        """
        before: ConnectionState | None = None
        try:
            while (blocked := await self._identify_blocked_until()) is not None:
                wake, until = blocked
                if before is None:
                    before = self._state
                changed = until != self._waiting_until
                self._waiting_until = until
                self._set_state(ConnectionState.WAITING)
                if changed:
                    self._notify()
                await self._clock.sleep(wake - self._clock.time())
        finally:
            self._waiting_until = None
        if before is not None:
            self._set_state(before)
        now = self._clock.time()
        slot = self._ledger.claim(now, IDENTIFY_SPACING)
        if slot > now:
            # Epoch floats carry ~0.2 us of rounding: a millisecond more keeps
            # the spacing at least 5 s on the monotonic scale too.
            await self._clock.sleep(slot - now + 0.001)

    async def _identify_blocked_until(self) -> tuple[float, float] | None:
        """None if an IDENTIFY may go out now, else ``(next look, wait ends at the latest)``.

        Both are wall times. They differ while the budget is unknown: the
        ledger says when the wait ends for sure, /gateway/bot is looked at
        again before that.
        """
        limit = None
        if self._dialect is Dialect.V10:
            # Legacy servers have no /gateway/bot: always judged by the ledger.
            limit = await self._check_session_start_limit()
        now = self._clock.time()
        if limit is not None:
            remaining, reset_after, reserve = limit
            if remaining > reserve:
                return None
            wake = now + reset_after + self._rng.uniform(BUDGET_JITTER_MIN, BUDGET_JITTER_MAX)
            _LOGGER.info(
                "Discord identify budget nearly spent (%d left); waiting %.0f s for it to refill",
                remaining,
                wake - now,
            )
            return wake, wake
        free_at = self._ledger.free_at(now)
        if free_at is None:
            return None
        # A second past the oldest entry's expiry: float rounding must not
        # wake us a hair early into another full wait. Before that, look at
        # /gateway/bot again now and then (v10): once readable, it decides.
        until = free_at + 1.0
        wake = until
        if self._dialect is Dialect.V10:
            wake = min(wake, now + BUDGET_RECHECK)
        log = _LOGGER.info if self._state is not ConnectionState.WAITING else _LOGGER.debug
        log(
            "Discord identify budget unknown and %d identifies in the last 24 h; "
            "waiting up to %.0f s",
            self._ledger.count(now),
            until - now,
        )
        return wake, until

    async def _check_session_start_limit(self) -> tuple[int, float, int] | None:
        """``(remaining, reset_after s, reserve)`` from /gateway/bot; None when unreadable."""
        try:
            data = await self._get_json("/gateway/bot", auth=True)
        except FatalGatewayError:
            raise
        except (*_TRANSIENT_ERRORS, GatewayError, ValueError) as err:
            _LOGGER.debug("Could not read session_start_limit: %s", _describe(err))
            return None
        limit = data.get("session_start_limit") if isinstance(data, dict) else None
        remaining = limit.get("remaining") if isinstance(limit, dict) else None
        reset_after = limit.get("reset_after") if isinstance(limit, dict) else None
        if (
            not isinstance(remaining, int)
            or isinstance(remaining, bool)
            or not isinstance(reset_after, int | float)
            or isinstance(reset_after, bool)
            or not 0 <= reset_after < 7 * 86_400_000
        ):
            _LOGGER.debug("GET /gateway/bot has no usable session_start_limit")
            return None
        total = limit.get("total") if isinstance(limit, dict) else None
        reserve = IDENTIFY_RESERVE
        if isinstance(total, int) and not isinstance(total, bool) and total >= 0:
            # A server with a tiny daily total (not Discord's 1000) would
            # otherwise never get past the reserve: keep a tenth of it there.
            reserve = min(reserve, total // 10)
        return remaining, reset_after / 1000.0, reserve

    async def _pick_url(self, resuming: bool) -> str:
        # Every URL a server hands out is checked here, the one place a
        # connection's address is chosen: the token follows it (security).
        if resuming and self._resume_url:
            if is_safe_gateway_url(self._resume_url):
                return self._resume_url
            _LOGGER.info(
                "Not resuming at %s: it is not wss:// or loopback", _host(self._resume_url)
            )
            self._resume_url = None
        if self._redirect_url is not None:
            redirect, self._redirect_url = self._redirect_url, None
            if is_safe_gateway_url(redirect):
                return redirect
            _LOGGER.info("Ignoring a redirect to %s: it is not wss:// or loopback", _host(redirect))
        if self._codec.cache_gateway_url and self._gateway_url is not None:
            return self._gateway_url
        data = await self._get_json("/gateway", auth=False)
        url = data.get("url") if isinstance(data, dict) else None
        if not isinstance(url, str) or not url:
            raise GatewayProtocolError("GET /gateway returned no url")
        if not is_safe_gateway_url(url):
            raise GatewayProtocolError(
                f"GET /gateway returned a gateway the token may not go to ({_host(url)})"
            )
        if self._codec.cache_gateway_url:
            self._gateway_url = url
        return url

    async def _get_json(self, path: str, *, auth: bool) -> Any:
        return await _rest_get(
            self._http,
            self._api_url,
            path,
            self._token if auth else None,
            timeout=self._rest_timeout,
            clock=self._clock,
        )

    async def _teardown(self, conn: _Connection, code: int) -> None:
        """Stop everything this connection runs and close the socket with ``code``.

        Shielded: it runs to its end even if the runner is cancelled meanwhile
        (a second cancel during close() must not skip the close frame or
        leave timers running), then re-raises that cancellation.
        """
        task = asyncio.ensure_future(self._teardown_steps(conn, code))
        await _wait_through_cancel(task)
        task.result()

    async def _teardown_steps(self, conn: _Connection, code: int) -> None:
        tasks = [t for t in (conn.reader, *conn.tasks) if t is not None and not t.done()]
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks)
        conn.tasks.clear()
        if not conn.ws.closed:
            await self._close_socket(conn.ws, code)

    async def _close_socket(self, ws: aiohttp.ClientWebSocketResponse, code: int) -> None:
        """Send a close frame; a peer that does not answer gets CLOSE_GRACE at most.

        aiohttp would wait 10 s of real time for a dead peer's close frame.
        Cancelling its close() after the grace drops the transport. When the
        reader was cancelled (a stop request), aiohttp already treats the
        link as broken and drops it right after writing the frame.
        """
        closing = asyncio.ensure_future(ws.close(code=code))
        if not await _within(self._clock, closing, CLOSE_GRACE):
            _LOGGER.debug("No answer to our close frame; dropped the connection")
        elif (err := closing.exception()) is not None:
            _LOGGER.debug("Closing the websocket failed: %s", _describe(err))

    # -------------------------------------------------------------- connection

    async def _serve(self, conn: _Connection) -> _Next:
        self._spawn(conn, self._handshake_watchdog(conn), "handshake watchdog")
        if not self._codec.has_hello:
            # Legacy: the client speaks first.
            conn.handshaken = True
            await self._identify(conn)
        while True:
            msg = await conn.ws.receive()
            conn.last_received = self._clock.monotonic()
            if msg.type in (aiohttp.WSMsgType.TEXT, aiohttp.WSMsgType.BINARY):
                self._bump(frames_in=1)
                try:
                    text = conn.inflater.feed(msg.data)
                    if text is None:
                        continue
                    nxt = await self._handle(conn, _decode(text))
                except GatewayProtocolError as err:
                    _LOGGER.info("Discord gateway sent garbage (%s); reconnecting", err)
                    nxt = _Next(_Action.RESUME)
                if nxt is not None:
                    # Teardown sends the close frame (conn.close_code).
                    self._bump(last_close_code=conn.close_code)
                    return nxt
            elif msg.type is aiohttp.WSMsgType.PING:
                try:
                    await conn.ws.pong(msg.data)
                except (aiohttp.ClientError, ConnectionError) as err:
                    _LOGGER.debug("Pong not sent: %s", _describe(err))
            elif msg.type is aiohttp.WSMsgType.PONG:
                continue  # an answer to _liveness_loop; last_received says enough
            elif msg.type is aiohttp.WSMsgType.CLOSE:
                return await self._on_server_close(conn, msg.data)
            else:
                # CLOSING/CLOSED/ERROR: the connection dropped without a close frame.
                _LOGGER.info("Discord gateway connection dropped; resuming")
                self._bump(last_close_code=1006)
                return _Next(_Action.RESUME)

    async def _on_server_close(self, conn: _Connection, code: Any) -> _Next:
        code = code if isinstance(code, int) and code >= 1000 else None
        self._bump(last_close_code=code if code is not None else 1005)
        # Echo the code (RFC 6455); 4000 when the frame carried none.
        conn.close_code = code if code is not None else CLOSE_RECYCLE
        await self._close_socket(conn.ws, conn.close_code)
        action = close_action(code)
        _LOGGER.info("Discord gateway closed the connection: %s (%s)", code, action.value)
        if action is CloseAction.FATAL:
            assert code is not None
            raise fatal_error(code)
        if action is CloseAction.NEW_SESSION:
            return _Next(_Action.IDENTIFY, close_code=code)
        return _Next(_Action.RESUME, close_code=code, rate_limited=code == RATE_LIMITED)

    def _request_close(self, conn: _Connection, nxt: _Next) -> None:
        """From a timer or a dying task: end this connection, then go on with ``nxt``.

        The first request wins; the runner stops the reader and tears down.
        """
        if not conn.stop.done():
            self._bump(last_close_code=conn.close_code)
            conn.stop.set_result(nxt)

    def _spawn(
        self, conn: _Connection, coro: Coroutine[Any, Any, None], what: str
    ) -> asyncio.Task[None]:
        task = asyncio.create_task(coro, name=f"discord-gateway {what}")
        conn.tasks.add(task)
        task.add_done_callback(functools.partial(self._task_ended, conn, what))
        return task

    def _task_ended(self, conn: _Connection, what: str, task: asyncio.Task[None]) -> None:
        """A connection task ended: if it died, recycle the connection.

        A dead heartbeat or watchdog leaves a connection that looks healthy
        while nothing keeps it alive or checks it; never let that pass.
        """
        conn.tasks.discard(task)
        if task.cancelled() or (err := task.exception()) is None:
            return
        self._log_unexpected(err)
        _LOGGER.debug("The connection's %s task died; reconnecting", what)
        self._request_close(conn, _Next(_Action.RESUME))

    async def _send(self, conn: _Connection, payload: dict[str, Any], *, priority: bool) -> None:
        text = encode(payload)
        if len(text.encode("utf-8")) > MAX_FRAME_BYTES:
            # Discord would close with 4002; refuse instead (never expected:
            # presence is checked when set, identify falls back below).
            raise GatewayError(f"refusing to send an op {payload.get('op')} frame over 4096 bytes")
        await conn.budget.acquire(priority=priority)
        async with conn.send_lock:
            await conn.ws.send_str(text)
        self._bump(frames_out=1)

    # ---------------------------------------------------------------- payloads

    async def _handle(self, conn: _Connection, payload: dict[str, Any]) -> _Next | None:
        op = payload["op"]
        data = payload.get("d")
        seq = payload.get("s")
        if isinstance(seq, int) and not isinstance(seq, bool):
            if not 0 <= seq < MAX_SEQ:
                # It goes into every heartbeat: a 5000-digit seq would push
                # that frame past 4096 bytes.
                raise GatewayProtocolError("sequence number out of range")
            self._seq = seq
        if op == OpCode.DISPATCH:
            await self._on_dispatch(conn, payload.get("t"), data)
        elif op == OpCode.HELLO and self._codec.has_hello:
            await self._on_hello(conn, data)
        elif op == OpCode.HEARTBEAT_ACK:
            self._on_ack(conn)
        elif op == OpCode.HEARTBEAT:
            # The server asks for a beat now; it does not shift the schedule.
            await self._beat(conn)
        elif op == OpCode.RECONNECT:
            return self._on_reconnect(data)
        elif op == OpCode.INVALID_SESSION:
            return self._on_invalid_session(data)
        else:
            _LOGGER.debug("Ignoring gateway op %s", op)
        return None

    async def _on_hello(self, conn: _Connection, data: Any) -> None:
        if conn.handshaken:
            # A second HELLO would start a second heartbeat schedule.
            raise GatewayProtocolError("a second HELLO")
        interval = _interval_seconds(data)
        conn.handshaken = True
        # Jitter the first beat so reconnecting clients don't beat in lockstep.
        self._start_heartbeat(conn, interval, interval * self._rng.random())
        if conn.resuming and self._session_id is not None:
            await self._send(
                conn, self._codec.resume(self._token, self._session_id, self._seq), priority=False
            )
            conn.resume_sent = True
            self._bump(resumes=1)
        else:
            await self._identify(conn)

    async def _identify(self, conn: _Connection) -> None:
        presence: Presence | None = self._presence
        payload = self._codec.identify(self._token, self._intents, presence)
        if len(encode(payload).encode("utf-8")) > MAX_FRAME_BYTES:
            # Rare: a presence just under the op 3 limit plus identify fields.
            # Identify without it; it is sent after READY instead.
            payload = self._codec.identify(self._token, self._intents, None)
            presence = None
        await self._send(conn, payload, priority=False)
        self._ledger.record(self._clock.time())
        self._last_identify = self._clock.monotonic()
        conn.identify_sent = True
        conn.identify_presence = presence if self._codec.has_hello else None
        self._bump(identifies=1)

    async def _on_dispatch(self, conn: _Connection, event: Any, data: Any) -> None:
        if event == "READY":
            # Only as the answer to our IDENTIFY, once: a READY before HELLO
            # would go live with no heartbeat at all.
            if not conn.identify_sent or conn.live_since is not None:
                raise GatewayProtocolError("READY out of order")
            if not isinstance(data, dict):
                raise GatewayProtocolError("READY without data")
            user = GatewayUser.from_payload(data.get("user"))
            if self._codec.can_resume:
                session_id = data.get("session_id")
                resume_url = data.get("resume_gateway_url")
                if not isinstance(session_id, str) or not isinstance(resume_url, str):
                    raise GatewayProtocolError("READY without session_id / resume_gateway_url")
                self._session_id = session_id
                self._resume_url = resume_url
            self._user = user
            # v10: the IDENTIFY carried a presence; only a change since needs a send.
            conn.applied = conn.identify_presence
            self._went_live(conn, data)
        elif event == "RESUMED":
            if not conn.resume_sent or conn.live_since is not None:
                raise GatewayProtocolError("RESUMED without a pending resume")
            # After a resume Discord may have lost the presence: always re-send.
            conn.applied = None
            self._went_live(conn, data)

    def _went_live(self, conn: _Connection, data: Any) -> None:
        if not self._codec.has_hello:
            # Legacy: the interval arrives here. Without a usable one there
            # would be no heartbeat and no liveness probe: refuse instead.
            interval = _interval_seconds(data)
            self._start_heartbeat(conn, interval, interval)
        conn.live_since = self._clock.monotonic()
        self._presence_dirty.set()
        self._spawn(conn, self._presence_loop(conn), "presence")
        if self._reassert_interval > 0:
            self._spawn(conn, self._reassert_loop(conn), "reassert")
        self._ready_seen = True
        self._ready_event.set()
        self._set_state(ConnectionState.CONNECTED)
        self._notify()

    def _on_reconnect(self, data: Any) -> _Next:
        if self._dialect is Dialect.LEGACY:
            url = data.get("url") if isinstance(data, dict) else None
            if not isinstance(url, str) or not url:
                raise GatewayProtocolError("redirect without a url")
            _LOGGER.info("Discord gateway redirected us to %s", _host(url))
            return _Next(_Action.IDENTIFY, url=url)
        _LOGGER.info("Discord gateway asked us to reconnect")
        return _Next(_Action.RESUME)

    def _on_invalid_session(self, data: Any) -> _Next:
        if data is True and self._codec.can_resume:
            return _Next(_Action.RESUME)
        # Discord asks for a random 1-5 s pause before identifying again. A
        # server that keeps invalidating gets ever longer pauses (up to the
        # backoff cap) instead of an IDENTIFY every few seconds; the backoff
        # only resets once a connection stays live for STABLE_AFTER (checked
        # here too: the usual reset happens at teardown, after this draw).
        conn = self._conn
        if (
            conn is not None
            and conn.live_since is not None
            and self._clock.monotonic() - conn.live_since >= STABLE_AFTER
        ):
            self._backoff.reset()
        return _Next(
            _Action.IDENTIFY,
            delay=self._backoff.next_spacing(
                self._rng.uniform(INVALID_SESSION_MIN, INVALID_SESSION_MAX)
            ),
        )

    # ------------------------------------------------------------------ timers

    def _start_heartbeat(self, conn: _Connection, interval: float, first: float) -> None:
        for task in (conn.heartbeat, conn.liveness):
            if task is not None:
                task.cancel()
        conn.heartbeat = self._spawn(conn, self._heartbeat_loop(conn, interval, first), "heartbeat")
        conn.liveness = self._spawn(conn, self._liveness_loop(conn, interval), "liveness")

    async def _heartbeat_loop(self, conn: _Connection, interval: float, first: float) -> None:
        await self._clock.sleep(first)
        while True:
            # Legacy servers may never ACK; only judge them once they have.
            if conn.ack_pending and (self._codec.has_hello or conn.acks_seen):
                _LOGGER.info("No heartbeat ACK since the last beat: zombie connection; resuming")
                self._request_close(conn, _Next(_Action.RESUME))
                return
            await self._beat(conn)
            await self._clock.sleep(interval)

    async def _liveness_loop(self, conn: _Connection, interval: float) -> None:
        """Notice a half-open link by what arrives, never by what we manage to send.

        The legacy gateway never ACKs, and a v10 heartbeat can hang behind a
        send to a peer that stopped reading, so this relies on receiving
        only: every interval a WebSocket PING goes out (without waiting for
        it to be written), and when nothing at all (PONG, ACK, dispatch)
        arrived since the previous PING, the link is dead. A link that dies
        is noticed one to two intervals later.
        """
        while True:
            await self._clock.sleep(interval)
            sent = conn.probe_sent_at
            if sent is not None and conn.last_received < sent:
                _LOGGER.info(
                    "Nothing received from the Discord gateway for %.0f s: "
                    "half-open connection; resuming",
                    self._clock.monotonic() - conn.last_received,
                )
                self._request_close(conn, _Next(_Action.RESUME))
                return
            conn.probe_sent_at = self._clock.monotonic()
            if conn.prober is None or conn.prober.done():
                conn.prober = self._spawn(conn, self._ping(conn), "ping")

    async def _ping(self, conn: _Connection) -> None:
        try:
            await conn.ws.ping()
        except (aiohttp.ClientError, ConnectionError) as err:
            _LOGGER.debug("Ping not sent: %s", _describe(err))

    async def _beat(self, conn: _Connection) -> None:
        conn.ack_pending = True
        conn.beat_sent_at = self._clock.monotonic()
        payload = self._codec.heartbeat(self._seq, self._clock.time())
        try:
            await self._send(conn, payload, priority=True)
        except (aiohttp.ClientError, ConnectionError) as err:
            _LOGGER.debug("Heartbeat not sent: %s", _describe(err))

    def _on_ack(self, conn: _Connection) -> None:
        conn.ack_pending = False
        conn.acks_seen = True
        if conn.beat_sent_at is not None:
            self._latency = self._clock.monotonic() - conn.beat_sent_at
            self._notify()

    async def _handshake_watchdog(self, conn: _Connection) -> None:
        await self._clock.sleep(conn.deadline - self._clock.monotonic())
        if conn.live_since is None:
            _LOGGER.debug("Discord gateway handshake not done within %g s", self._connect_timeout)
            self._request_close(conn, _Next(_Action.RESUME))

    async def _presence_loop(self, conn: _Connection) -> None:
        """Send the wanted presence when it changed; bursts coalesce to the latest."""
        while True:
            await self._presence_dirty.wait()
            while (wait := self._presence_window.delay()) > 0:
                await self._clock.sleep(wait)
            self._presence_dirty.clear()
            presence = self._presence
            if conn.applied == presence and not self._presence_force:
                continue
            self._presence_force = False
            self._presence_window.record()
            try:
                await self._send(
                    conn,
                    self._codec.presence_update(presence, self._clock.time()),
                    priority=False,
                )
            except (aiohttp.ClientError, ConnectionError) as err:
                # The socket is going; make sure the connection is replaced
                # (and the presence re-sent on the next one).
                _LOGGER.debug("Presence not sent: %s", _describe(err))
                self._presence_dirty.set()
                self._request_close(conn, _Next(_Action.RESUME))
                return
            conn.applied = presence
            self._bump(presence_updates_sent=1)

    async def _reassert_loop(self, conn: _Connection) -> None:
        """Re-send the presence now and then: Discord sometimes drops it silently."""
        while True:
            await self._clock.sleep(self._reassert_interval)
            self._presence_force = True
            self._presence_dirty.set()


async def fetch_current_user(
    session: aiohttp.ClientSession,
    token: str,
    *,
    api_url: str = DEFAULT_API_URL,
    timeout: float = DEFAULT_REST_TIMEOUT,  # noqa: ASYNC109 - on the injected clock
    clock: Clock | None = None,
) -> GatewayUser:
    """GET /users/@me: who the token belongs to, judged by the REST API.

    401 -> AuthenticationFailed; network error, timeout, 429, 5xx or an
    unusable answer -> GatewayUnavailable. Never logs the token.
    """
    data = await _rest_get(
        session,
        api_url.rstrip("/"),
        "/users/@me",
        token,
        timeout=timeout,
        clock=clock if clock is not None else SystemClock(),
    )
    try:
        return GatewayUser.from_payload(data)
    except GatewayProtocolError as err:
        raise GatewayUnavailable("GET /users/@me returned no usable user") from err


async def _rest_get(
    session: aiohttp.ClientSession,
    api_url: str,
    path: str,
    token: str | None,
    *,
    timeout: float,  # noqa: ASYNC109 - on the injected clock
    clock: Clock,
) -> Any:
    """One authenticated (or not) GET, bounded by ``timeout`` on ``clock``.

    The deadline is a clock sleep raced against the request, not aiohttp's
    timeout, so virtual time in tests can expire a request that hangs.
    """
    request = asyncio.ensure_future(_rest_request(session, f"{api_url}{path}", path, token))
    timer = asyncio.ensure_future(clock.sleep(timeout))
    try:
        await asyncio.wait({request, timer}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in (request, timer):
            task.cancel()
        await asyncio.wait({request, timer})
    if request.cancelled():
        raise GatewayUnavailable(f"GET {path} timed out after {timeout:g} s")
    return request.result()


async def _rest_request(
    session: aiohttp.ClientSession, url: str, path: str, token: str | None
) -> Any:
    if token is not None and not (token.isascii() and token.isprintable()):
        # aiohttp refuses control characters in headers with a ValueError;
        # no real token has any (nor non-ASCII): it is simply not valid.
        raise AuthenticationFailed("authentication failed: the token has invalid characters")
    headers = {"Authorization": f"Bot {token}"} if token is not None else {}
    try:
        async with session.get(url, headers=headers) as resp:
            if resp.status == 401:
                raise AuthenticationFailed("authentication failed: HTTP 401 from the API")
            if resp.status != 200:
                # Our own error: aiohttp's would carry the request headers.
                raise GatewayUnavailable(f"GET {path} returned HTTP {resp.status}")
            try:
                return await resp.json(content_type=None)
            except ValueError as err:
                raise GatewayUnavailable(f"GET {path} returned invalid JSON") from err
    except (aiohttp.ClientError, OSError, TimeoutError) as err:
        raise GatewayUnavailable(f"GET {path} failed: {_describe(err)}") from err


# What a server may send before we call it broken (issue 7: a hostile value
# must not kill, freeze or silence the client). Heartbeat intervals: below
# 1 s heartbeats alone would use half of the 120-per-60 s send budget; above
# 1 h a dead link would go unnoticed for hours (Discord sends 41.25 s).
HEARTBEAT_INTERVAL_MIN_MS: Final = 1_000
HEARTBEAT_INTERVAL_MAX_MS: Final = 3_600_000
# seq goes into every heartbeat; 2**53 (exact in any JSON reader) is far
# beyond what a session reaches and keeps that frame tiny.
MAX_SEQ: Final = 2**53
# How long our close frame may wait for the peer's answer before the
# transport is dropped (aiohttp alone waits 10 s for a dead peer).
CLOSE_GRACE: Final = 1.0


def _decode(text: str) -> dict[str, Any]:
    try:
        payload = json.loads(text)
    except (ValueError, RecursionError) as err:
        # RecursionError: a hostile server nesting arrays 100,000 deep.
        raise GatewayProtocolError("undecodable JSON") from err
    if not isinstance(payload, dict):
        raise GatewayProtocolError("payload is not an object")
    op = payload.get("op")
    if not isinstance(op, int) or isinstance(op, bool):
        raise GatewayProtocolError("payload without an integer op")
    return payload


def _interval_seconds(data: Any) -> float:
    """``heartbeat_interval`` (ms) in seconds; refused outside the accepted range.

    Compared as sent (int or float) before any conversion: a 400-digit int
    would overflow float(), NaN fails every comparison, infinity and 2**63
    are above the range, zero and negatives below it.
    """
    value = data.get("heartbeat_interval") if isinstance(data, dict) else None
    if not isinstance(value, int | float) or isinstance(value, bool):
        raise GatewayProtocolError("no usable heartbeat_interval")
    if not HEARTBEAT_INTERVAL_MIN_MS <= value <= HEARTBEAT_INTERVAL_MAX_MS:
        raise GatewayProtocolError("heartbeat_interval out of range")
    return float(value) / 1000.0


async def _within(clock: Clock, task: asyncio.Future[Any], seconds: float) -> bool:
    """Wait for ``task`` at most ``seconds`` on ``clock``; cancel it when late.

    True when it finished in time (its outcome is then the caller's to read).
    The deadline is a clock sleep so virtual time in tests can expire it.
    """
    timer = asyncio.ensure_future(clock.sleep(max(0.0, seconds)))
    try:
        await asyncio.wait({task, timer}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        timer.cancel()
        if not task.done():
            task.cancel()
            await asyncio.wait({task})
    return not task.cancelled()


async def _wait_through_cancel(task: asyncio.Future[Any]) -> None:
    """Wait until ``task`` is done even if we are cancelled meanwhile, then re-raise that.

    For teardown work that must not stop halfway; it is bounded on the clock
    (CLOSE_GRACE), so this cannot hang a caller for long. The task's own
    outcome is left for the caller to read.
    """
    cancelled = False
    while not task.done():
        try:
            await asyncio.wait({task})
        except asyncio.CancelledError:
            cancelled = True
    if cancelled:
        raise asyncio.CancelledError


def _host(url: str) -> str:
    """A URL's host for the log (the rest of a URL may carry a session's query)."""
    return host_of(url) or "a URL without a host"


def _describe(err: BaseException) -> str:
    """A log-safe description (aiohttp errors can carry request headers in reprs)."""
    return f"{type(err).__name__}: {err}"
