"""The floor: a bare aiohttp client doing the same handshake and nothing else.

One REST call (GET /gateway/bot, which names the gateway URL), the websocket
upgrade, HELLO, IDENTIFY, READY; then heartbeats and op 3 when asked. No
resume, no limits, no validation: what a client cannot do with less work,
so our overhead is measured against it.
"""

from __future__ import annotations

import asyncio
import importlib
import json
import zlib
from typing import Any

import aiohttp

_ZLIB_SUFFIX = b"\x00\x00\xff\xff"


class _Inflate:
    """Transport decompression, the simplest correct way for each format."""

    def __init__(self, compression: str) -> None:
        self.compression = compression
        self._buffer = bytearray()
        if compression == "zstd-stream":
            zstd: Any = importlib.import_module("compression.zstd")
            self._ctx: Any = zstd.ZstdDecompressor()
        else:
            self._ctx = zlib.decompressobj()

    def feed(self, data: bytes) -> str | None:
        if self.compression == "zstd-stream":
            return bytes(self._ctx.decompress(data)).decode()
        self._buffer += data
        if not self._buffer.endswith(_ZLIB_SUFFIX):
            return None
        out = self._ctx.decompress(bytes(self._buffer))
        self._buffer.clear()
        return bytes(out).decode()


class FloorClient:
    """One gateway connection with the least work the protocol allows."""

    def __init__(self, session: aiohttp.ClientSession, token: str, api_url: str) -> None:
        self._session = session
        self._token = token
        self._api_url = api_url
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._seq: int | None = None
        self.ready = asyncio.Event()

    async def start(self, compression: str) -> None:
        headers = {"Authorization": f"Bot {self._token}"}
        async with self._session.get(f"{self._api_url}/gateway/bot", headers=headers) as resp:
            url = (await resp.json())["url"]
        self._ws = await self._session.ws_connect(
            f"{url}/?v=10&encoding=json&compress={compression}", autoping=True
        )
        self._tasks.append(asyncio.create_task(self._read(_Inflate(compression))))

    async def _read(self, inflate: _Inflate) -> None:
        assert self._ws is not None
        async for msg in self._ws:
            if msg.type is not aiohttp.WSMsgType.BINARY:
                break
            text = inflate.feed(msg.data)
            if text is None:
                continue
            frame = json.loads(text)
            if frame.get("s") is not None:
                self._seq = frame["s"]
            if frame["op"] == 10:
                interval = frame["d"]["heartbeat_interval"] / 1000
                self._tasks.append(asyncio.create_task(self._beat(interval)))
                await self._send({"op": 2, "d": self._identify()})
            elif frame["op"] == 0 and frame["t"] == "READY":
                self.ready.set()
            elif frame["op"] == 1:
                await self._send({"op": 1, "d": self._seq})

    def _identify(self) -> dict[str, Any]:
        props = {"os": "linux", "browser": "floor", "device": "floor"}
        return {"token": self._token, "intents": 0, "properties": props}

    async def _beat(self, interval: float) -> None:
        while True:
            await asyncio.sleep(interval)
            await self._send({"op": 1, "d": self._seq})

    async def _send(self, frame: dict[str, Any]) -> None:
        assert self._ws is not None
        await self._ws.send_str(json.dumps(frame))

    async def set_presence(self, status: str, name: str) -> None:
        activity = {"name": name, "type": 0}
        presence = {"since": None, "status": status, "activities": [activity], "afk": False}
        await self._send({"op": 3, "d": presence})

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        if self._ws is not None:
            await self._ws.close()
