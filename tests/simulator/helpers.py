"""A raw websocket client for driving the simulator in tests."""

from __future__ import annotations

import json
import zlib
from typing import TYPE_CHECKING, Any

from aiohttp import WSMsgType

try:
    from compression import zstd
except ImportError:  # Python 3.13: no zstd-stream
    zstd = None

if TYPE_CHECKING:
    import aiohttp

    from simulator import Simulator

TOKEN = "token-a"
OTHER_TOKEN = "token-b"
PROPERTIES = {"os": "linux", "browser": "tests", "device": "tests"}
LEGACY_PROPERTIES = {
    "$os": "linux",
    "$browser": "tests",
    "$device": "",
    "$referrer": "",
    "$referring_domain": "",
}
PRESENCE = {
    "since": None,
    "activities": [{"name": "Movie night", "type": 0}],
    "status": "dnd",
    "afk": False,
}


class Raw:
    """One websocket to the simulator, decoding whatever compression it uses."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse, compress: str | None) -> None:
        self.ws = ws
        self.compress = compress
        self._zlib = zlib.decompressobj()
        self._zstd = zstd.ZstdDecompressor() if zstd else None
        self.binary_frames = 0

    async def recv(self) -> dict[str, Any]:
        msg = await self.ws.receive(timeout=5)
        if msg.type is WSMsgType.TEXT:
            return json.loads(msg.data)  # type: ignore[no-any-return]
        assert msg.type is WSMsgType.BINARY, msg
        self.binary_frames += 1
        data: bytes = msg.data
        if self.compress == "zlib-stream":
            assert data.endswith(b"\x00\x00\xff\xff")
            text = self._zlib.decompress(data)
        elif self.compress == "zstd-stream":
            assert self._zstd is not None
            text = self._zstd.decompress(data)
        else:  # legacy: every binary frame is a complete zlib stream
            text = zlib.decompress(data)
        return json.loads(text)  # type: ignore[no-any-return]

    async def send(self, frame: Any) -> None:
        await self.ws.send_str(json.dumps(frame))

    async def expect_close(self) -> int | None:
        """Read until the server's close frame; returns the close code."""
        while True:
            msg = await self.ws.receive(timeout=5)
            if msg.type in (WSMsgType.CLOSE, WSMsgType.CLOSED, WSMsgType.ERROR):
                return self.ws.close_code

    async def identify(self, token: str = TOKEN, **extra: Any) -> dict[str, Any]:
        """Send IDENTIFY; returns the READY frame."""
        await self.send(
            {"op": 2, "d": {"token": token, "intents": 0, "properties": PROPERTIES, **extra}}
        )
        ready = await self.recv()
        assert ready["t"] == "READY", ready
        return ready

    async def close(self) -> None:
        await self.ws.close()


async def connect(
    http: aiohttp.ClientSession,
    sim: Simulator,
    *,
    compress: str | None = None,
    query: str | None = None,
    hello: bool = True,
) -> Raw:
    """Open a v10 connection (and read HELLO unless told not to)."""
    if query is None:
        query = "v=10&encoding=json" + (f"&compress={compress}" if compress else "")
    ws = await http.ws_connect(f"{sim.hub.v10_url}/?{query}")
    raw = Raw(ws, compress)
    if hello:
        first = await raw.recv()
        assert first["op"] == 10, first
    return raw


async def connect_legacy(http: aiohttp.ClientSession, sim: Simulator) -> Raw:
    ws = await http.ws_connect(sim.hub.legacy_url)
    return Raw(ws, None)


def legacy_identify(token: str = TOKEN, **extra: Any) -> dict[str, Any]:
    d = {"token": token, "v": 3, "properties": LEGACY_PROPERTIES, "large_threshold": 100}
    return {"op": 2, "d": {**d, **extra}}
