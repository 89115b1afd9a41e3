"""Unexpected shapes from a scripted server: logged, connection recycled, never a crash.

The simulator only sends well-formed frames (plus one garbage fault); this
tiny scripted server sends the odd shapes a broken server might.
"""

from __future__ import annotations

import asyncio
import json
from typing import TYPE_CHECKING, Any

import aiohttp
import pytest
from aiohttp import web

from custom_components.discord_presence.gateway import (
    DEFAULT_CONNECT_TIMEOUT,
    Compression,
    ConnectionState,
)
from tests.gateway.conftest import Harness

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from tests.clock import ManualClock

HELLO = {"op": 10, "d": {"heartbeat_interval": 10_000}}


class Scripted:
    """Per connection: send the next script, then answer IDENTIFY/RESUME properly."""

    def __init__(self, scripts: list[list[Any]]) -> None:
        self.scripts = scripts
        self.closes: list[int | None] = []
        self.gateway_calls = 0
        self.url = ""
        self.api_url = ""
        self.connections = 0

    async def gateway(self, request: web.Request) -> web.Response:
        self.gateway_calls += 1
        if self.gateway_calls == 1:
            return web.json_response({})  # no url: a transient failure
        return web.json_response({"url": self.url})

    async def gateway_bot(self, request: web.Request) -> web.Response:
        return web.Response(text="not json", content_type="application/json")

    async def ws(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self.connections += 1
        script = self.scripts.pop(0) if self.scripts else [HELLO]
        for frame in script:
            await ws.send_str(frame if isinstance(frame, str) else json.dumps(frame))
        async for msg in ws:
            data = json.loads(msg.data)
            if data["op"] == 2:
                ready = {
                    "session_id": "s1",
                    "resume_gateway_url": self.url,
                    "user": {"id": "1", "username": "u"},
                }
                await ws.send_json({"op": 0, "t": "READY", "s": 1, "d": ready})
            elif data["op"] == 6:
                await ws.send_json({"op": 0, "t": "RESUMED", "s": 2, "d": {}})
        self.closes.append(ws.close_code)
        return ws


@pytest.fixture
async def scripted() -> AsyncIterator[Scripted]:
    server = Scripted([])
    app = web.Application()
    app.router.add_get("/api/gateway", server.gateway)
    app.router.add_get("/api/gateway/bot", server.gateway_bot)
    app.router.add_get("/ws", server.ws)
    runner = web.AppRunner(app, shutdown_timeout=0.1)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    server.url = f"ws://127.0.0.1:{port}/ws"
    server.api_url = f"http://127.0.0.1:{port}/api"
    yield server
    await runner.cleanup()


@pytest.fixture
async def sh(
    scripted: Scripted, clock: ManualClock, http: aiohttp.ClientSession
) -> AsyncIterator[Harness]:
    harness = Harness(scripted, clock, http)  # type: ignore[arg-type]
    yield harness
    await harness.stop()


READY_NO_SESSION = {"op": 0, "t": "READY", "s": 1, "d": {"user": {"id": "1"}}}
READY_BAD_USER = {
    "op": 0,
    "t": "READY",
    "s": 1,
    "d": {"session_id": "s", "resume_gateway_url": "ws://x", "user": "nope"},
}


async def test_unexpected_shapes_recycle_the_connection(sh: Harness, scripted: Scripted) -> None:
    scripted.scripts = [
        ["[1]"],
        ['{"op": "x"}'],
        ["{not json"],
        [{"op": 10, "d": {}}],
        [{"op": 10, "d": {"heartbeat_interval": True}}],
        [HELLO, {"op": 42, "d": None}, {"op": 0, "t": "READY", "s": 1, "d": None}],
        [HELLO, READY_NO_SESSION],
        [HELLO, READY_BAD_USER],
    ]
    sh.start(compression=Compression.NONE)
    await sh.until_connected_advancing()
    # Each bad connection was closed by us with a resumable code; none ended the session.
    assert scripted.connections == 9
    assert len(scripted.closes) == 8
    assert set(scripted.closes) == {4000}
    assert scripted.gateway_calls == 2  # the first answer had no url, then cached
    snap = sh.c.snapshot()
    assert snap.user is not None
    assert snap.user.username == "u"
    assert snap.stats.reconnects == 9


async def test_handshake_timeout_recycles(sh: Harness, scripted: Scripted) -> None:
    """ws_connect plus HELLO/READY must be done within connect_timeout (on the clock)."""
    scripted.scripts = [[{"op": 42}]]  # never says HELLO
    scripted.gateway_calls = 1  # skip the url-less first answer
    client = sh.make(compression=Compression.NONE)
    assert client.dialect.value == "v10"
    assert client.presence == client.snapshot().presence
    sh.start()
    # Frames no longer notify the client's listeners (issue 9): wait for the
    # handshake watchdog's sleep on the clock instead.
    async with asyncio.timeout(5):
        while not any("watchdog" in name for name, _ in sh.spy.pending.values()):
            sh.spy._changed.clear()
            await sh.spy._changed.wait()
    assert scripted.connections == 1
    await sh.clock.advance(DEFAULT_CONNECT_TIMEOUT - 0.5)
    assert sh.c.snapshot().stats.last_close_code is None  # not given up early
    await sh.clock.advance(0.5)
    assert sh.c.snapshot().stats.last_close_code == 4000
    await sh.until_connected_advancing()
    assert scripted.closes[0] == 4000


async def test_ready_before_hello_recycles(sh: Harness, scripted: Scripted) -> None:
    """Going live on a READY that came before HELLO would mean no heartbeat at all."""
    ready = {
        "op": 0,
        "t": "READY",
        "s": 1,
        "d": {
            "session_id": "early",
            "resume_gateway_url": "ws://127.0.0.1:9/nowhere",
            "user": {"id": "1", "username": "early"},
        },
    }
    scripted.scripts = [[ready, HELLO]]
    scripted.gateway_calls = 1
    sh.start(compression=Compression.NONE)
    await sh.until_connected_advancing()
    assert scripted.connections == 2
    assert scripted.closes[0] == 4000
    assert sh.states.count(ConnectionState.CONNECTED) == 1  # only on the second connection
    snap = sh.c.snapshot()
    assert snap.user is not None
    assert snap.user.username == "u"  # from the proper READY, not the early one
