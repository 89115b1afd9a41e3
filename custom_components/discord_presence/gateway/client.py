"""GatewayClient: the package's public face for one long-lived gateway session.

It holds what callers see and set (the wanted presence, the observable
state, listeners) and starts and stops the Supervisor, which does the
connecting (supervisor.py) through one Connection per websocket
(connection.py). run() and close() own the runner task and its
cancellation rules; nothing here talks to the network itself.
"""

from __future__ import annotations

import asyncio
import logging
import random
from typing import TYPE_CHECKING, Final

from .clock import Clock, SystemClock
from .compression import ZSTD_AVAILABLE, Compression
from .dialects import Dialect, codec_for
from .errors import ClientCrashed, FatalGatewayError, GatewayError
from .ledger import IdentifyLedger
from .models import ConnectionState, GatewaySnapshot, GatewayUser
from .observed import Observed
from .presence import Presence
from .ratelimit import PRESENCE_LIMIT, PRESENCE_PERIOD, SlidingWindow
from .rest import DEFAULT_API_URL, DEFAULT_REST_TIMEOUT
from .session import Outbox, Settings
from .supervisor import Supervisor
from .waits import wait_through_cancel

if TYPE_CHECKING:
    from collections.abc import Callable

    import aiohttp

_LOGGER = logging.getLogger(__name__)

# Seconds on the injected clock for ws_connect plus HELLO/READY.
DEFAULT_CONNECT_TIMEOUT: Final = 30.0


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
        self._api_url = api_url.rstrip("/")
        self._dialect = Dialect(dialect)
        self._codec = codec_for(self._dialect)
        compression = Compression(compression)
        if compression is Compression.ZSTD_STREAM and not ZSTD_AVAILABLE:
            # Python < 3.14 has no compression.zstd: the next best is zlib-stream.
            compression = Compression.ZLIB_STREAM  # pragma: no cover
        self._clock: Clock = clock if clock is not None else SystemClock()

        wanted = presence if presence is not None else Presence()
        self._codec.check_presence(wanted, self._clock.time())
        self._outbox = Outbox(wanted, SlidingWindow(PRESENCE_LIMIT, PRESENCE_PERIOD, self._clock))
        self._observed = Observed()
        self._supervisor = Supervisor(
            session,
            Settings(
                token=token,
                dialect=self._dialect,
                codec=self._codec,
                intents=intents,
                clock=self._clock,
                rng=rng if rng is not None else random.Random(),
                # Shared with every other user of this token (config flow handshakes).
                ledger=identify_ledger if identify_ledger is not None else IdentifyLedger(),
                reassert_interval=reassert_interval,
                connect_timeout=connect_timeout,
            ),
            outbox=self._outbox,
            observed=self._observed,
            api_url=self._api_url,
            compression=compression,
            rest_timeout=rest_timeout,
        )
        # The supervisor's backoff under its old name: tests written before
        # the split break the runner through it (tests/integration/test_failures.py).
        self._backoff = self._supervisor.backoff
        self._runner: asyncio.Task[None] | None = None

    @property
    def dialect(self) -> Dialect:
        return self._dialect

    @property
    def presence(self) -> Presence:
        """The wanted presence."""
        return self._outbox.wanted

    def __repr__(self) -> str:
        # Deliberately field-picked: the token must never show up here.
        return (
            f"<GatewayClient dialect={self._dialect.value} "
            f"state={self._observed.state.value} api_url={self._api_url!r}>"
        )

    def add_listener(self, cb: Callable[[], None]) -> Callable[[], None]:
        """Call ``cb()`` after every observable change; returns an unsubscribe."""
        return self._observed.add_listener(cb)

    def snapshot(self) -> GatewaySnapshot:
        observed = self._observed
        conn = self._supervisor.conn
        live = conn is not None and conn.live_since is not None
        applied = conn.applied if live and conn is not None else None
        return GatewaySnapshot(
            state=observed.state,
            failure=observed.failure,
            user=observed.user,
            latency=observed.latency,
            stats=observed.stats,
            presence=self._outbox.wanted,
            presence_applied=live and applied == self._outbox.wanted,
            waiting_until=(
                observed.waiting_until if observed.state is ConnectionState.WAITING else None
            ),
            applied=applied,
            applied_at=conn.applied_at if live and conn is not None else None,
        )

    def update_presence(self, presence: Presence) -> None:
        """Validate for the dialect, record as wanted, schedule a (coalesced) send."""
        self._codec.check_presence(presence, self._clock.time())
        self._outbox.wanted = presence
        conn = self._supervisor.conn
        if conn is None or not conn.send_presence_now():
            self._outbox.dirty.set()
        self._observed.notify()

    async def wait_until_ready(self) -> GatewayUser:
        """Return once READY/RESUMED was seen in the current run."""
        observed = self._observed
        while True:
            if observed.failure is not None:
                raise observed.failure
            if self._supervisor.closing:
                raise GatewayError("the gateway client is closed")
            if observed.ready_seen and observed.user is not None:
                return observed.user
            observed.ready.clear()
            await observed.ready.wait()

    async def run(self) -> None:
        """Connect and stay connected until close(); raise a FatalGatewayError on give-up.

        Give-up means the user must act (token rejected, intents refused ...)
        or the loop itself broke (ClientCrashed). An exhausted identify budget
        is not one: the client waits in WAITING and goes on by itself. The
        error is logged here at DEBUG only; the caller logs the one ERROR.
        """
        if self._runner is not None:
            raise RuntimeError("GatewayClient.run() is already running")
        observed, supervisor = self._observed, self._supervisor
        supervisor.new_run()
        observed.failure = None
        observed.ready_seen = False
        observed.set_state(ConnectionState.CONNECTING)
        runner = asyncio.create_task(supervisor.run_forever(), name="discord-gateway")
        self._runner = runner
        try:
            await runner
        except asyncio.CancelledError:
            task = asyncio.current_task()
            if supervisor.closing and (task is None or task.cancelling() == 0):
                return
            supervisor.closing = True
            observed.set_state(ConnectionState.DISCONNECTED)
            raise
        except FatalGatewayError as err:
            # The caller logs the one ERROR for a permanent failure.
            _LOGGER.debug("Discord gateway gave up: %s", err)
            observed.fail(err)
            raise
        except Exception as err:
            # The loop's own machinery broke (not one connection): retrying
            # would spin. Stop visibly instead of dying silently.
            observed.log_unexpected(err)
            crashed = ClientCrashed()
            observed.fail(crashed)
            raise crashed from err
        finally:
            self._runner = None
            observed.ready.set()

    async def close(self) -> None:
        """Close with 1000, stop every task and timer. Idempotent.

        The teardown runs to its end even when the caller is cancelled
        meanwhile (Home Assistant unloading under a timeout): it is bounded by
        CLOSE_GRACE on the clock, and stopping halfway would leave timers
        running and the bot online. The caller's cancellation is re-raised
        once it is done.
        """
        self._supervisor.closing = True
        runner = self._runner
        try:
            if runner is not None and not runner.done():
                runner.cancel()
                await wait_through_cancel(runner)
        finally:
            if self._observed.state is not ConnectionState.FAILED:
                self._observed.set_state(ConnectionState.DISCONNECTED)
            self._observed.ready.set()
