"""The supervisor: keeps connecting until told to stop, and decides how.

Its loop picks where to connect (resume URL, cached or fresh gateway URL,
legacy redirect), opens a Connection and serves it until it ends, then
decides (resume / new session / fatal), backs off and repeats. Only a fatal
error ends it. Before an IDENTIFY it waits for the budget (state WAITING:
Discord's session_start_limit keeps a reserve; when that cannot be read, the
shared IdentifyLedger caps "blind" identifies per 24 h) and for the 5 s
spacing. A failed attempt keeps the session to resume on; repeated endings
before READY get the token judged by REST; an unexpected exception in one
attempt is logged and the connection recycled.

Every wait goes through the injected clock, every random draw through the
injected rng, so tests drive it all with virtual time.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, Final

import aiohttp

from .backoff import Backoff
from .compression import Compression, make_inflater
from .connection import Connection, open_socket
from .dialects import Dialect
from .errors import (
    FatalGatewayError,
    GatewayError,
    GatewayProtocolError,
    GatewayUnavailable,
    describe,
)
from .ledger import LEGACY_IDENTIFY_CEILING
from .models import ConnectionState
from .protocol import CLOSE_NORMAL
from .rest import rest_get
from .session import Action, Next, Session
from .urls import host_for_log, is_safe_gateway_url

if TYPE_CHECKING:
    from .observed import Observed
    from .session import Outbox, Settings

_LOGGER = logging.getLogger(__name__)

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
# is read again, first soon (a single failed read must not park the bot for
# minutes), then ever less often up to BUDGET_RECHECK: a REST outage must not
# park us for a day either. Reading it spends nothing.
BUDGET_RECHECK_FIRST: Final = 15.0
BUDGET_RECHECK: Final = 300.0
# Consecutive handshakes ending before READY after which the token is judged
# by GET /users/@me (Spacebar closes a bad token with 4000, not 4004).
AUTH_CHECK_AFTER: Final = 3
INVALID_SESSION_MIN: Final = 1.0
INVALID_SESSION_MAX: Final = 5.0
RATE_LIMITED_MIN_DELAY: Final = 5.0

# What ends a connection attempt without being the server's fault for good.
_TRANSIENT_ERRORS: Final = (
    aiohttp.ClientError,
    OSError,
    TimeoutError,
    GatewayProtocolError,
    GatewayUnavailable,
)


class Supervisor:
    """Runs connection after connection; owns the retry, budget and resume decisions."""

    def __init__(
        self,
        http: aiohttp.ClientSession,
        settings: Settings,
        *,
        outbox: Outbox,
        observed: Observed,
        api_url: str,
        compression: Compression,
        rest_timeout: float,
    ) -> None:
        self._http = http
        self._settings = settings
        self._clock = settings.clock
        self._rng = settings.rng
        self._codec = settings.codec
        self._ledger = settings.ledger  # shared with every other user of the token
        self._outbox = outbox
        self._observed = observed
        self._api_url = api_url
        self._compression = compression
        self._rest_timeout = rest_timeout
        self.backoff = Backoff(self._rng)
        self.session = Session()
        self.conn: Connection | None = None  # the connection being served
        self.closing = False  # close() was called: end the session (1000)
        self._gateway_url: str | None = None
        self._redirect_url: str | None = None
        self._resume_failures = 0  # consecutive failed attempts at resuming
        self._session_lost_at: float | None = None  # monotonic; None: live or none
        self._prelive_endings = 0  # consecutive attempts that ended before READY
        self._live_this_attempt = False  # the current attempt reached CONNECTED
        self._budget_rechecks = 0  # /gateway/bot re-reads in the current budget wait

    def new_run(self) -> None:
        """A new run() starts with a fresh backoff and fresh counters (the session stays)."""
        self.closing = False
        self.backoff.reset()
        self._resume_failures = 0
        self._session_lost_at = None
        self._prelive_endings = 0

    async def run_forever(self) -> None:
        action = Action.IDENTIFY
        first = True
        while True:
            if not first:
                self._observed.bump(reconnects=1)
            first = False
            nxt, failed = await self._attempt(action)
            await self._judge_token()
            action = self._after_attempt(action, nxt, failed=failed)
            self._redirect_url = nxt.url
            self._observed.set_state(ConnectionState.RECONNECTING)
            if nxt.delay is not None:
                delay = nxt.delay
            else:
                delay = self.backoff.next_delay()
                if action is Action.RESUME:
                    # The session may expire while we back off: retry soon.
                    delay = min(delay, RESUME_RETRY_CAP)
                if nxt.rate_limited:
                    delay = max(delay, RATE_LIMITED_MIN_DELAY)
            _LOGGER.debug("Reconnecting (%s) in %.2f s", action.value, delay)
            await self._clock.sleep(delay)

    async def _attempt(self, action: Action) -> tuple[Next, bool]:
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
            _LOGGER.debug("Discord gateway connection attempt failed: %s", describe(err))
        except Exception as err:
            # A bug or a hostile server (RecursionError, OverflowError ...):
            # recycle the connection rather than let the runner die.
            self._observed.log_unexpected(err)
        # The cached gateway URL may be what is broken; the resume URL and
        # the session are kept (_after_attempt decides when to let them go).
        self._gateway_url = None
        return Next(action), True

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

    def _after_attempt(self, action: Action, nxt: Next, *, failed: bool) -> Action:
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
        elif action is Action.RESUME and nxt.action is Action.RESUME:
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
                nxt = Next(Action.IDENTIFY)
        if nxt.action is Action.RESUME and self._can_resume():
            return Action.RESUME
        self._resume_failures = 0
        self._session_lost_at = None
        self.session.forget()
        return Action.IDENTIFY

    def _can_resume(self) -> bool:
        return self._codec.can_resume and self.session.session_id is not None

    def _invalid_session_pause(self, live_since: float | None) -> float:
        """The pause before identifying after op 9 false (asked by the connection).

        Discord asks for a random 1-5 s pause. A server that keeps
        invalidating gets ever longer pauses (up to the backoff cap) instead
        of an IDENTIFY every few seconds; the backoff only resets once a
        connection stays live for STABLE_AFTER (checked here too: the usual
        reset happens at teardown, after this draw).
        """
        if live_since is not None and self._clock.monotonic() - live_since >= STABLE_AFTER:
            self.backoff.reset()
        return self.backoff.next_spacing(
            self._rng.uniform(INVALID_SESSION_MIN, INVALID_SESSION_MAX)
        )

    async def _connect_and_serve(self, action: Action) -> Next:
        resuming = action is Action.RESUME and self._can_resume()
        if not resuming:
            await self._before_identify()
        base = await self._pick_url(resuming)
        url = self._codec.connect_url(base, self._compression)
        _LOGGER.debug("Connecting to %s (%s)", url, "resume" if resuming else "identify")
        # One budget for the upgrade and the handshake: a server that accepts
        # TCP and then says nothing must not hold the runner.
        deadline = self._clock.monotonic() + self._settings.connect_timeout
        ws = await open_socket(
            self._http, url, self._clock, deadline, self._settings.connect_timeout
        )
        legacy = self._settings.dialect is Dialect.LEGACY
        conn = Connection(
            ws,
            make_inflater(None if legacy else self._compression),
            settings=self._settings,
            session=self.session,
            outbox=self._outbox,
            observed=self._observed,
            resuming=resuming,
            deadline=deadline,
            invalid_session_pause=self._invalid_session_pause,
        )
        self.conn = conn
        # Cancelled (close()) or a fatal close: 1000 ends the session on
        # Discord's side. Anything else recycles and keeps the session.
        stopping = True
        try:
            nxt = await conn.run()
            stopping = False
            return nxt
        except Exception as err:
            stopping = isinstance(err, FatalGatewayError)
            raise
        finally:
            if conn.live_since is not None:
                self._live_this_attempt = True
            await conn.teardown(CLOSE_NORMAL if stopping or self.closing else conn.close_code)
            if self.conn is conn:
                self.conn = None
            if conn.live_since is not None:
                if self._clock.monotonic() - conn.live_since >= STABLE_AFTER:
                    self.backoff.reset()
                self._observed.latency = None
                self._observed.notify()

    # ------------------------------------------------------- identify budget

    async def _before_identify(self) -> None:
        """Wait until an IDENTIFY is affordable and spaced from the last one.

        Runs before a connection that will identify; may wait (state WAITING,
        kept across re-checks) for as long as the budget needs, then goes on
        alone.
        """
        observed = self._observed
        before: ConnectionState | None = None
        try:
            while (blocked := await self._identify_blocked_until()) is not None:
                wake, until = blocked
                if before is None:
                    before = observed.state
                changed = until != observed.waiting_until
                observed.waiting_until = until
                observed.set_state(ConnectionState.WAITING)
                if changed:
                    observed.notify()
                await self._clock.sleep(wake - self._clock.time())
        finally:
            observed.waiting_until = None
        if before is not None:
            observed.set_state(before)
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
        v10 = self._settings.dialect is Dialect.V10
        # Legacy servers have no /gateway/bot: always judged by the ledger.
        limit = await self._check_session_start_limit() if v10 else None
        now = self._clock.time()
        if limit is not None:
            self._budget_rechecks = 0
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
        free_at = self._ledger.free_at(now, None if v10 else LEGACY_IDENTIFY_CEILING)
        if free_at is None:
            self._budget_rechecks = 0
            return None
        # A second past the oldest entry's expiry: float rounding must not
        # wake us a hair early into another full wait. Before that, look at
        # /gateway/bot again now and then (v10): once readable, it decides.
        until = free_at + 1.0
        recheck = min(BUDGET_RECHECK, BUDGET_RECHECK_FIRST * 2.0 ** min(self._budget_rechecks, 8))
        self._budget_rechecks += 1
        wake = min(until, now + recheck) if v10 else until
        waiting = self._observed.state is ConnectionState.WAITING
        log = _LOGGER.debug if waiting else _LOGGER.info
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
            _LOGGER.debug("Could not read session_start_limit: %s", describe(err))
            return None
        self._remember_gateway_url(data)
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

    # ---------------------------------------------------------- where to go

    def _remember_gateway_url(self, data: Any) -> None:
        """/gateway/bot names the gateway too: one REST call per connect instead of two.

        GET /gateway stays the fallback when /gateway/bot is not served or
        names no URL the token may go to.
        """
        url = data.get("url") if isinstance(data, dict) else None
        if self._codec.cache_gateway_url and isinstance(url, str) and is_safe_gateway_url(url):
            self._gateway_url = url

    async def _pick_url(self, resuming: bool) -> str:
        # Every URL a server hands out is checked here, the one place a
        # connection's address is chosen: the token follows it (security).
        resume_url = self.session.resume_url
        if resuming and resume_url:
            if is_safe_gateway_url(resume_url):
                return resume_url
            _LOGGER.info(
                "Not resuming at %s: it is not wss:// or loopback", host_for_log(resume_url)
            )
            self.session.resume_url = None
        if self._redirect_url is not None:
            redirect, self._redirect_url = self._redirect_url, None
            if is_safe_gateway_url(redirect):
                return redirect
            _LOGGER.info(
                "Ignoring a redirect to %s: it is not wss:// or loopback", host_for_log(redirect)
            )
        if self._codec.cache_gateway_url and self._gateway_url is not None:
            return self._gateway_url
        data = await self._get_json("/gateway", auth=False)
        url = data.get("url") if isinstance(data, dict) else None
        if not isinstance(url, str) or not url:
            raise GatewayProtocolError("GET /gateway returned no url")
        if not is_safe_gateway_url(url):
            raise GatewayProtocolError(
                f"GET /gateway returned a gateway the token may not go to ({host_for_log(url)})"
            )
        if self._codec.cache_gateway_url:
            self._gateway_url = url
        return url

    async def _get_json(self, path: str, *, auth: bool) -> Any:
        return await rest_get(
            self._http,
            self._api_url,
            path,
            self._settings.token if auth else None,
            timeout=self._rest_timeout,
            clock=self._clock,
        )
