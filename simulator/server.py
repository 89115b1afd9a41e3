"""The Simulator: an aiohttp server with Discord's REST endpoints and gateways.

REST (v10 under ``/api/v10``, the 2016 API under ``/api``):
    GET /gateway         -> {"url": ws url}; counted in ``gateway_requests``
    GET /gateway/bot     -> url, shards, session_start_limit (needs the token)
    GET /users/@me       -> the bot's user object (needs the token)
    GET /oauth2/applications/@me -> the bot's application (needs the token)
v10 wants ``Authorization: Bot <token>``; the 2016 API also takes the bare token.
Bad or missing tokens get 401 ``{"message": "401: Unauthorized", "code": 0}``.

Gateways: ``/gateway`` speaks v10, ``/legacy-gateway`` the seed's dialect.
Control: ``POST /_sim/fault``, ``GET /_sim/records``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal, Self

from aiohttp import web

from simulator.accounts import Account, Accounts
from simulator.clock import Clock, SystemClock
from simulator.compression import Encoder, PlainEncoder, transport_encoder
from simulator.faults import FaultError, apply_fault
from simulator.hub import LEGACY_PATH, V10_PATH, Hub, log
from simulator.legacy import LegacyConnection
from simulator.records import ConnectionRecord, Recorder
from simulator.sessions import Sessions
from simulator.v10 import V10Connection

if TYPE_CHECKING:
    from types import TracebackType

    from simulator.connection import GatewayConnection

UNAUTHORIZED = {"message": "401: Unauthorized", "code": 0}


def _json(body: object, status: int = 200) -> web.Response:
    """JSON with Discord's exact ``Content-Type: application/json`` (no charset),
    which some clients compare literally."""
    return web.Response(
        body=json.dumps(body).encode(), status=status, content_type="application/json"
    )


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
        )
        self._runner: web.AppRunner | None = None
        self._handlers: set[asyncio.Task[Any]] = set()
        self.gateway_bot_requests = 0

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
    ) -> None:
        """Register a bot token; ``privileged_intents`` are the ones it may ask for."""
        self.hub.accounts.add(
            token,
            user_id=str(user_id),
            username=username,
            global_name=global_name,
            privileged_intents=privileged_intents,
            total=session_start_total,
            remaining=session_start_remaining,
            now=self.clock.monotonic() if self._runner else 0.0,
        )

    # -- life cycle -------------------------------------------------------
    async def start(self) -> None:
        app = web.Application()
        for prefix, version in (("/api/v10", "v10"), ("/api", "legacy")):
            app.router.add_get(f"{prefix}/gateway", self._rest(self._gateway, version))
            app.router.add_get(f"{prefix}/gateway/bot", self._rest(self._gateway_bot, version))
            app.router.add_get(f"{prefix}/users/@me", self._rest(self._me, version))
            app.router.add_get(
                f"{prefix}/oauth2/applications/@me", self._rest(self._application, version)
            )
        for path in (V10_PATH, LEGACY_PATH):
            app.router.add_get(path, self._websocket)
            app.router.add_get(path + "/", self._websocket)
        app.router.add_post("/_sim/fault", self._fault)
        app.router.add_get("/_sim/records", self._records)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self._port)
        await site.start()
        self._port = self._runner.addresses[0][1]
        self.hub.ws_base = f"ws://{self.host}:{self._port}"
        now = self.clock.monotonic()
        for account in self.hub.accounts.all():
            account.window_ends += now
        log.info("simulator ready: REST %s", self.api_url)

    async def stop(self) -> None:
        """Drop every live socket (as a crashed server would) and stop listening."""
        for connection in list(self.hub.live.values()):
            connection.drop()
        if self._handlers:
            await asyncio.gather(*self._handlers, return_exceptions=True)
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

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
    def gateway_requests(self) -> int:
        """How many times ``GET /gateway`` (either API) was called."""
        return self._recorder.gateway_requests

    def account(self, token: str) -> Account | None:
        return self.hub.accounts.get(token)

    def current_presence(self, token: str) -> dict[str, Any] | None:
        """What the account shows now: the last op 3, or IDENTIFY's presence."""
        return self.hub.current_presence.get(token)

    async def wait_for(self, predicate: Callable[[], bool], timeout: float = 5) -> None:  # noqa: ASYNC109
        await self._recorder.wait_for(predicate, timeout)

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

    # -- REST -------------------------------------------------------------
    _Handler = Callable[[web.Request, str], dict[str, Any] | None]

    def _rest(self, handler: _Handler, version: str) -> Callable[[web.Request], Any]:
        async def respond(request: web.Request) -> web.Response:
            body = handler(request, version)
            if body is None:
                return _json(UNAUTHORIZED, status=401)
            return _json(body)

        return respond

    def _authorised(self, request: web.Request, version: str) -> Account | None:
        header = request.headers.get("Authorization", "")
        if header.startswith("Bot "):
            token = header.removeprefix("Bot ")
        elif version == "legacy":
            token = header
        else:
            return None
        return self.hub.accounts.get(token)

    def _gateway(self, request: web.Request, version: str) -> dict[str, Any]:
        self._recorder.gateway_requests += 1
        self._recorder.changed()
        return {"url": self.hub.v10_url if version == "v10" else self.hub.legacy_url}

    def _gateway_bot(self, request: web.Request, version: str) -> dict[str, Any] | None:
        account = self._authorised(request, version)
        if account is None:
            return None
        self.gateway_bot_requests += 1
        return {
            "url": self.hub.v10_url if version == "v10" else self.hub.legacy_url,
            "shards": 1,
            "session_start_limit": {
                "total": account.session_start_total,
                "remaining": account.session_start_remaining,
                "reset_after": self.hub.accounts.reset_after_ms(account),
                "max_concurrency": 1,
            },
        }

    def _me(self, request: web.Request, version: str) -> dict[str, Any] | None:
        account = self._authorised(request, version)
        return None if account is None else account.user()

    def _application(self, request: web.Request, version: str) -> dict[str, Any] | None:
        account = self._authorised(request, version)
        return None if account is None else account.application()

    # -- gateway ----------------------------------------------------------
    async def _websocket(self, request: web.Request) -> web.WebSocketResponse:
        task = asyncio.current_task()
        assert task is not None
        self._handlers.add(task)
        try:
            return await self._serve(request)
        finally:
            self._handlers.discard(task)

    async def _serve(self, request: web.Request) -> web.WebSocketResponse:
        legacy = request.path.rstrip("/") == LEGACY_PATH
        query = dict(request.query)
        encoder: Encoder = PlainEncoder()
        if not legacy:
            with contextlib.suppress(ValueError):
                encoder = transport_encoder(query.get("compress"))
        dialect: Literal["v10", "legacy"] = "legacy" if legacy else "v10"
        record = self._recorder.new_connection(dialect, encoder.name)
        log.info("connection %d opened (%s, compress=%s)", record.id, dialect, encoder.name)
        ws = web.WebSocketResponse(max_msg_size=1 << 20)
        transport = request.transport
        await ws.prepare(request)
        kind = LegacyConnection if legacy else V10Connection
        await kind(
            self.hub, ws=ws, transport=transport, record=record, encoder=encoder, query=query
        ).run()
        return ws

    # -- control ----------------------------------------------------------
    async def _fault(self, request: web.Request) -> web.Response:
        try:
            try:
                body = await request.json()
            except ValueError:
                raise FaultError(400, "body must be JSON") from None
            await apply_fault(self, body)
        except FaultError as exc:
            return _json({"ok": False, "error": exc.message}, status=exc.status)
        return _json({"ok": True})

    async def _records(self, request: web.Request) -> web.Response:
        return _json(self.records_json())
