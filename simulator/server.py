"""The Simulator: the public face that owns and runs one simulated Discord.

It owns the hub (shared state and live connections) and the aiohttp server:
REST in ``rest.py`` (v10 under ``/api/v10``, the 2016 API under ``/api``), the
websocket endpoint in ``gateway_endpoint.py``, and here the life cycle, the
records, the fault methods and the control endpoint (``POST /_sim/fault``,
``GET /_sim/records``), which hands itself to ``faults.py`` as its FaultTarget.

Faults set on the simulator itself (failing REST, refused or silent upgrades,
custom HELLO/READY) stay set across ``stop()``/``start()`` and ``restart()``:
they describe the world a test builds, not one server process.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, Self

from aiohttp import web

from simulator.accounts import Account, Accounts
from simulator.clock import Clock, SystemClock
from simulator.faults import FaultError, apply_fault
from simulator.gateway_endpoint import GatewayEndpoint
from simulator.hub import Hub
from simulator.records import ConnectionRecord, Recorder, RejectedUpgrade, RestRequest
from simulator.rest import RestApi, json_response
from simulator.sessions import Sessions

if TYPE_CHECKING:
    from collections.abc import Callable
    from types import TracebackType

    from simulator.connection import GatewayConnection

log = logging.getLogger("simulator")


class Simulator:
    """A local Discord: REST, the v10 and legacy gateways, records and faults."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        legacy: bool = False,
        heartbeat_interval_ms: int = 41250,
        clock: Clock | None = None,
        session_ttl: float = 120.0,
        bad_token_close_code: int = 4004,
        gateway_bot_any_token: bool = False,
    ) -> None:
        self.host = host
        self.legacy = legacy
        self._port = port
        self.clock: Clock = clock or SystemClock()
        self._recorder = Recorder()
        self.hub = Hub(
            clock=self.clock,
            accounts=Accounts(self.clock),
            sessions=Sessions(session_ttl),
            recorder=self._recorder,
            heartbeat_interval_ms=heartbeat_interval_ms,
            bad_token_close_code=bad_token_close_code,
        )
        self._api = RestApi(self.hub, any_token=gateway_bot_any_token)
        self._runner: web.AppRunner | None = None
        self._gateway = GatewayEndpoint(self.hub)
        #: Session start windows are relative until the first start anchors them.
        self._anchored = False

    # -- accounts ---------------------------------------------------------
    def add_account(
        self,
        token: str,
        *,
        user_id: str | int,
        username: str,
        session_start_total: int = 1000,
        session_start_remaining: int = 1000,
        global_name: str | None = None,
        privileged_intents: int = 0,
        avatar: str | None = None,
    ) -> None:
        """Register a bot token; ``privileged_intents`` are the ones it may ask for;
        ``avatar`` is the avatar's hash in the user object (None: the default avatar)."""
        self.hub.accounts.add(
            token,
            user_id=str(user_id),
            username=username,
            global_name=global_name,
            privileged_intents=privileged_intents,
            total=session_start_total,
            remaining=session_start_remaining,
            now=self.clock.monotonic() if self._anchored else 0.0,
            avatar=avatar,
        )

    def set_session_start_limit(
        self,
        token: str,
        *,
        remaining: int | None = None,
        total: int | None = None,
        reset_after: float | None = None,
    ) -> None:
        """Set the identify budget ``/gateway/bot`` reports and IDENTIFY spends.

        ``reset_after`` is seconds from now on the simulator's clock; the budget
        refills to ``total`` then. KeyError for an unknown token.
        """
        self.hub.accounts.set_limit(
            self.hub.accounts.known(token),
            remaining=remaining,
            total=total,
            reset_after=reset_after,
            now=self.clock.monotonic() if self._anchored else None,
        )
        self._recorder.changed()

    def revoke_token(self, token: str) -> None:
        """The token stops working (as after a reset in the developer portal):
        REST answers 401, IDENTIFY and RESUME close with ``bad_token_close_code``.
        Live connections stay up until they close. KeyError for an unknown token."""
        self.hub.accounts.known(token).revoked = True
        self._recorder.changed()

    # -- life cycle -------------------------------------------------------
    async def start(self) -> None:
        """Listen (on the port of the previous start, once one has run)."""
        if self._runner is not None:
            raise RuntimeError("simulator already started")
        app = web.Application()
        self._api.add_routes(app)
        self._gateway.add_routes(app)
        app.router.add_post("/_sim/fault", self._fault)
        app.router.add_get("/_sim/records", self._records)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=1)
        await runner.setup()
        site = web.TCPSite(runner, self.host, self._port)
        try:
            await site.start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        self._port = runner.addresses[0][1]
        self.hub.ws_base = f"ws://{self.host}:{self._port}"
        if not self._anchored:
            self._anchored = True
            now = self.clock.monotonic()
            for account in self.hub.accounts.all():
                account.window_ends += now
        self._api.held.open()
        self._gateway.held.open()
        self._note_lifecycle("start")
        log.info("simulator ready: REST %s", self.api_url)

    async def stop(self) -> None:
        """Drop every live socket (as a crashed server would) and stop listening.

        Held requests (``fail_rest(hang=True)``, ``silent_gateway``) have their
        connections reset, so stopping never waits for them. Records, accounts,
        sessions and faults are kept: ``start()`` again is an outage on the same port.
        """
        if self._runner is None:
            return
        self._api.held.abort()
        await self._gateway.shut()
        await self._runner.cleanup()
        self._runner = None
        self._note_lifecycle("stop")

    async def restart(self, *, forget_sessions: bool = True) -> None:
        """Crash and come back: drop every socket, stop listening, listen again
        on the same port, by default with every session forgotten."""
        await self.stop()
        if forget_sessions:
            self.forget_sessions()
        await self.start()

    def forget_sessions(self) -> None:
        """Every session becomes unknown: a RESUME gets op 9 ``false``.

        Live connections keep serving the session they have; only resuming
        it elsewhere fails."""
        self.hub.sessions.clear()
        self._note_lifecycle("forget_sessions")

    @property
    def running(self) -> bool:
        return self._runner is not None

    def _note_lifecycle(self, event: str) -> None:
        self._recorder.lifecycle.append((self.clock.monotonic(), event))
        self._recorder.changed()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    # -- addresses and records --------------------------------------------
    @property
    def port(self) -> int:
        return self._port

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self._port}"

    @property
    def api_url(self) -> str:
        return self.base_url + ("/api" if self.legacy else "/api/v10")

    @property
    def gateway_url(self) -> str:
        """The websocket URL ``GET {api_url}/gateway`` hands out."""
        return self.hub.legacy_url if self.legacy else self.hub.v10_url

    @property
    def connections(self) -> list[ConnectionRecord]:
        return self._recorder.connections

    @property
    def presences(self) -> list[dict[str, Any]]:
        return self._recorder.presences

    @property
    def gateway_bot_any_token(self) -> bool:
        return self._api.any_token

    @gateway_bot_any_token.setter
    def gateway_bot_any_token(self, value: bool) -> None:
        self._api.any_token = value

    @property
    def gateway_bot_requests(self) -> int:
        """How many times ``GET /gateway/bot`` was answered 200."""
        return self._api.gateway_bot_requests

    @property
    def gateway_requests(self) -> int:
        """How many times ``GET /gateway`` (either API) was called."""
        return self._recorder.gateway_requests

    @property
    def tokens(self) -> list[str]:
        """The registered tokens, in the order they were added."""
        return [account.token for account in self.hub.accounts.all()]

    def account(self, token: str) -> Account | None:
        return self.hub.accounts.get(token)

    def current_presence(self, token: str) -> dict[str, Any] | None:
        """What the account shows now: the last op 3, or IDENTIFY's presence."""
        return self.hub.current_presence.get(token)

    async def wait_for(self, predicate: Callable[[], bool], timeout: float = 5) -> None:  # noqa: ASYNC109
        await self._recorder.wait_for(predicate, timeout)

    @property
    def rest_requests(self) -> list[RestRequest]:
        """Every REST request, in arrival order, with what it was answered."""
        return self._recorder.rest_requests

    @property
    def rest_failures(self) -> list[RestRequest]:
        """The REST requests ``fail_rest`` answered with a failure or held."""
        return [request for request in self._recorder.rest_requests if request.fault]

    @property
    def rejected_upgrades(self) -> list[RejectedUpgrade]:
        """Websocket upgrades refused (``refuse_gateway``) or held (``silent_gateway``)."""
        return self._recorder.rejected_upgrades

    @property
    def lifecycle(self) -> list[tuple[float, str]]:
        """``(clock.monotonic(), "start" | "stop" | "forget_sessions")``, in order."""
        return self._recorder.lifecycle

    @property
    def held_requests(self) -> int:
        """REST requests and upgrades held unanswered right now."""
        return len(self._api.held) + len(self._gateway.held)

    @property
    def hello_data(self) -> Any:
        """When not None, v10 HELLO's ``d``, verbatim (a sane
        ``heartbeat_interval`` in it also sets the 4009 watchdog)."""
        return self.hub.hello_data

    @hello_data.setter
    def hello_data(self, value: Any) -> None:
        self.hub.hello_data = value

    @property
    def ready_extra(self) -> dict[str, Any] | None:
        """Merged into READY's ``d`` in both dialects (its keys win)."""
        return self.hub.ready_extra

    @ready_extra.setter
    def ready_extra(self, value: dict[str, Any] | None) -> None:
        self.hub.ready_extra = value

    def records_json(self) -> dict[str, Any]:
        return self._recorder.to_json()

    # -- faults -----------------------------------------------------------
    def _target(self, connection: ConnectionRecord | int | None) -> GatewayConnection:
        live = self.hub.live
        if connection is None:
            if not live:
                raise LookupError("no open connection")
            return live[max(live)]
        record_id = connection if isinstance(connection, int) else connection.id
        if record_id not in live:
            raise LookupError(f"connection {record_id} is not open")
        return live[record_id]

    async def drop(self, connection: ConnectionRecord | int | None = None) -> None:
        self._target(connection).drop()

    async def close(
        self, code: int = 4000, connection: ConnectionRecord | int | None = None
    ) -> None:
        self._target(connection).close(code, "fault")

    async def reconnect(self, connection: ConnectionRecord | int | None = None) -> None:
        self._target(connection).reconnect()

    async def invalid_session(
        self, resumable: bool = False, connection: ConnectionRecord | int | None = None
    ) -> None:
        self._target(connection).invalid_session(resumable)

    async def withhold_acks(
        self, enabled: bool = True, connection: ConnectionRecord | int | None = None
    ) -> None:
        self._target(connection).withhold_acks = enabled

    async def request_heartbeat(self, connection: ConnectionRecord | int | None = None) -> None:
        self._target(connection).request_heartbeat()

    async def send_garbage(self, connection: ConnectionRecord | int | None = None) -> None:
        self._target(connection).send_garbage()

    async def dispatch(
        self, event: str, data: Any, connection: ConnectionRecord | int | None = None
    ) -> None:
        """Send an op 0 dispatch on an authenticated connection (kept for replay)."""
        target = self._target(connection)
        if target.session is None:
            raise LookupError(f"connection {target.record.id} has no session")
        target.dispatch(event, data)

    async def delay(self, seconds: float, connection: ConnectionRecord | int | None = None) -> None:
        self._target(connection).delay = seconds

    async def blackhole(self, connection: ConnectionRecord | int | None = None) -> None:
        """Make the link half-open: the server stops reading and writing on
        that socket, answers no PING and stops its 4009 watchdog, and does not
        close it. It stays open until the client goes away or the simulator stops."""
        self._target(connection).blackhole()

    async def send_raw(
        self,
        data: str | bytes,
        *,
        connection: ConnectionRecord | int | None = None,
        binary: bool = False,
        encode: bool = True,
    ) -> None:
        """Send one frame with exactly ``data`` as its payload.

        ``encode`` passes it through the connection's transport compression,
        as any server frame; ``encode=False`` writes it untouched. The frame is
        binary when ``binary`` is set or the data (after encoding) is bytes.
        """
        self._target(connection).send_raw(data, binary=binary, encode=encode)

    def fail_rest(
        self,
        path: str,
        status: int = 503,
        *,
        count: int | None = None,
        hang: bool = False,
        retry_after: float = 1.0,
    ) -> None:
        """Fail the next ``count`` requests to ``path`` (None: until cleared).

        ``path`` is ``/gateway``, ``/gateway/bot``, ``/users/@me`` or
        ``/oauth2/applications/@me``, under either API prefix. They answer
        ``status`` (429: ``Retry-After`` and Discord's JSON body with
        ``retry_after`` seconds), or with ``hang`` are never answered until
        ``clear_rest_failures()`` (then answered normally) or ``stop()``
        (then reset). A new call for a path replaces its rule.
        """
        self._api.failures.set(path, status, count=count, hang=hang, retry_after=retry_after)

    def clear_rest_failures(self) -> None:
        """Remove every REST failure and answer the requests held so far."""
        self._api.failures.clear()
        self._api.held.release()

    def refuse_gateway(self, status: int | None = 503, *, count: int | None = None) -> None:
        """Websocket upgrades answer HTTP ``status`` instead of 101 (the next
        ``count`` of them, None: until cleared); ``status=None`` clears."""
        self._gateway.gate.refuse(status, count)

    def silent_gateway(self, enabled: bool = True) -> None:
        """New websocket requests are accepted at TCP level and their upgrade
        is never answered. Disabling lets the held ones through (if their
        client is still there); ``stop()`` resets them."""
        self._gateway.gate.silent = enabled
        if not enabled:
            self._gateway.held.release()

    # -- control ----------------------------------------------------------
    async def _fault(self, request: web.Request) -> web.Response:
        try:
            try:
                body = await request.json()
            except ValueError:
                raise FaultError(400, "body must be JSON") from None
            await apply_fault(self, body)
        except FaultError as exc:
            return json_response({"ok": False, "error": exc.message}, status=exc.status)
        return json_response({"ok": True})

    async def _records(self, request: web.Request) -> web.Response:
        return json_response(self.records_json())
