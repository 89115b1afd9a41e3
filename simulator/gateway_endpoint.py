"""The websocket endpoint: refuse, hold or accept an upgrade, then hand the socket to the hub.

``/gateway`` speaks v10, ``/legacy-gateway`` the seed's dialect. The faults
that act before a connection exists (``refuse_gateway``, ``silent_gateway``)
are decided here; everything after the upgrade belongs to the connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import TYPE_CHECKING, Any, Literal

from aiohttp import web

from simulator.compression import Encoder, PlainEncoder, transport_encoder
from simulator.http_faults import UpgradeGate
from simulator.hub import LEGACY_PATH, V10_PATH
from simulator.legacy import LegacyConnection
from simulator.parking import Parking
from simulator.records import RejectedUpgrade
from simulator.rest import json_response
from simulator.v10 import V10Connection

if TYPE_CHECKING:
    from simulator.hub import Hub

log = logging.getLogger("simulator")


class GatewayEndpoint:
    """Serves websocket upgrades on both dialects' paths for one hub."""

    def __init__(self, hub: Hub) -> None:
        self.hub = hub
        self.gate = UpgradeGate()
        #: Upgrades ``silent_gateway`` holds unanswered.
        self.held = Parking(hub.recorder.changed)
        self._handlers: set[asyncio.Task[Any]] = set()

    def add_routes(self, app: web.Application) -> None:
        for path in (V10_PATH, LEGACY_PATH):
            app.router.add_get(path, self._websocket)
            app.router.add_get(path + "/", self._websocket)

    async def shut(self) -> None:
        """Reset held upgrades, drop every live socket (no close frame, as a
        crashed server would) and wait until their handlers have returned."""
        self.held.abort()
        for connection in list(self.hub.live.values()):
            connection.drop()
        if self._handlers:
            await asyncio.gather(*self._handlers, return_exceptions=True)

    async def _websocket(self, request: web.Request) -> web.StreamResponse:
        task = asyncio.current_task()
        assert task is not None
        self._handlers.add(task)
        try:
            return await self._serve(request)
        finally:
            self._handlers.discard(task)

    async def _serve(self, request: web.Request) -> web.StreamResponse:
        hub = self.hub
        legacy = request.path.rstrip("/") == LEGACY_PATH
        dialect: Literal["v10", "legacy"] = "legacy" if legacy else "v10"
        refused = self.gate.refusal()
        if refused is not None or self.gate.silent:
            rejected = RejectedUpgrade(
                t=hub.clock.monotonic(),
                dialect=dialect,
                query=request.query_string,
                status=refused,
            )
            hub.recorder.rejected_upgrades.append(rejected)
            hub.recorder.changed()
            log.info("upgrade %s: %s", "refused" if refused else "held", request.path_qs)
            if refused is not None:
                return json_response(
                    {"message": f"{refused}: gateway unavailable", "code": 0}, refused
                )
            rejected.outcome = await self.held.hold(request.transport)
            hub.recorder.changed()
            if rejected.outcome != "released":
                return web.Response(status=503)  # nobody is there to read it
        query = dict(request.query)
        encoder: Encoder = PlainEncoder()
        if not legacy:
            with contextlib.suppress(ValueError):
                encoder = transport_encoder(query.get("compress"))
        record = hub.recorder.new_connection(dialect, encoder.name)
        log.info("connection %d opened (%s, compress=%s)", record.id, dialect, encoder.name)
        ws = web.WebSocketResponse(max_msg_size=1 << 20)
        transport = request.transport
        await ws.prepare(request)
        kind = LegacyConnection if legacy else V10Connection
        await hub.serve(
            kind(hub, ws=ws, transport=transport, record=record, encoder=encoder, query=query)
        )
        return ws
