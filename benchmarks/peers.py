"""The four contenders behind one small interface: connect, set a presence, close.

Each adapter is pointed at the simulator the way its library documents (or,
for discord.py and hikari, the way their own tests point them at a mock
server). Everything runs inside a worker process, one library per process,
so CPU time and RSS belong to that library alone.
"""

from __future__ import annotations

import asyncio
import zlib
from typing import TYPE_CHECKING, Any, Protocol

from benchmarks.floor import FloorClient

if TYPE_CHECKING:
    from collections.abc import Callable

    import aiohttp

LIBRARIES = ("ours", "discord.py", "hikari", "floor")


class Peer(Protocol):
    async def connect(self, token: str, compression: str) -> None: ...
    async def set_presence(self, status: str, name: str) -> None: ...
    async def close(self) -> None: ...


class Ours:
    def __init__(self, api_url: str, session: aiohttp.ClientSession) -> None:
        self._api_url = api_url
        self._session = session
        self._client: Any = None
        self._task: asyncio.Task[None] | None = None

    async def connect(self, token: str, compression: str) -> None:
        from custom_components.discord_presence.gateway import (  # noqa: PLC0415
            Compression,
            GatewayClient,
        )

        self._client = GatewayClient(
            self._session, token, api_url=self._api_url, compression=Compression(compression)
        )
        self._task = asyncio.create_task(self._client.run())
        await self._client.wait_until_ready()

    async def set_presence(self, status: str, name: str) -> None:
        from custom_components.discord_presence.gateway import (  # noqa: PLC0415
            Activity,
            Presence,
            Status,
        )

        self._client.update_presence(Presence(status=Status(status), activity=Activity(name=name)))

    async def close(self) -> None:
        await self._client.close()
        if self._task is not None:
            await self._task


class _DiscordPyZlib:
    """discord.py's zlib-stream context, for the zlib runs (it picks zstd when it can)."""

    COMPRESSION_TYPE = "zlib-stream"

    def __init__(self) -> None:
        self._buffer = bytearray()
        self._ctx = zlib.decompressobj()

    def decompress(self, data: bytes, /) -> str | None:
        self._buffer.extend(data)
        if len(data) < 4 or data[-4:] != b"\x00\x00\xff\xff":
            return None
        out = self._ctx.decompress(self._buffer)
        self._buffer = bytearray()
        return out.decode()


def point_discord_py(api_url: str, gateway_url: str, compression: str) -> None:
    """Aim discord.py at the simulator (as tests/fidelity does) with the given compression."""
    import discord  # noqa: PLC0415
    import yarl  # noqa: PLC0415

    discord.http.Route.BASE = api_url
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url + "/")
    if compression == "zlib-stream":
        discord.utils._ActiveDecompressionContext = _DiscordPyZlib


class DiscordPy:
    def __init__(self) -> None:
        self._client: Any = None
        self._task: asyncio.Task[None] | None = None

    async def connect(self, token: str, compression: str) -> None:
        import discord  # noqa: PLC0415

        self._client = discord.Client(intents=discord.Intents.none(), guild_ready_timeout=0)
        await self._client.login(token)  # GET /users/@me, as start() does
        self._task = asyncio.create_task(self._client.connect())
        await self._client.wait_until_ready()

    async def set_presence(self, status: str, name: str) -> None:
        import discord  # noqa: PLC0415

        await self._client.change_presence(
            activity=discord.Game(name), status=discord.Status(status)
        )

    async def close(self) -> None:
        await self._client.close()
        if self._task is not None:
            await self._task


def point_hikari(compression: str) -> None:
    """Make hikari 2.7 acceptable to a strict v10 server, and pick its compression.

    hikari sends presence as the pre-v8 ``"game": {...}`` field, which the
    simulator (checking v10's documented shape) closes with 4002; the shim
    renames it to ``"activities": [...]`` (one dict operation per presence).
    hikari picks zstd on Python 3.14; the zlib runs ask its shards for zlib-stream.
    """
    from hikari.api.shard import GatewayCompression  # noqa: PLC0415
    from hikari.impl import shard  # noqa: PLC0415

    base = shard.GatewayShardImpl
    serialize = base._serialize_and_store_presence_payload
    wanted = (
        GatewayCompression.TRANSPORT_ZLIB_STREAM
        if compression == "zlib-stream"
        else GatewayCompression.TRANSPORT_ZSTD_STREAM
    )

    class V10Shard(base):  # type: ignore[valid-type,misc,unused-ignore]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            kwargs["compression"] = wanted
            super().__init__(*args, **kwargs)

        def _serialize_and_store_presence_payload(self, **kwargs: Any) -> Any:
            payload: dict[str, Any] = dict(serialize(self, **kwargs))
            game = payload.pop("game", None)
            payload["activities"] = [] if game is None else [game]
            return payload

    shard.GatewayShardImpl = V10Shard  # type: ignore[misc,unused-ignore]


class Hikari:
    def __init__(self, api_url: str) -> None:
        self._api_url = api_url
        self._bot: Any = None

    async def connect(self, token: str, compression: str) -> None:
        import hikari  # noqa: PLC0415

        self._bot = hikari.GatewayBot(
            token,
            intents=hikari.Intents.NONE,
            rest_url=self._api_url,
            suppress_optimization_warning=True,
            banner=None,
            logs=None,
        )
        # start() returns once every shard is READY.
        await self._bot.start(check_for_updates=False)

    async def set_presence(self, status: str, name: str) -> None:
        import hikari  # noqa: PLC0415

        await self._bot.update_presence(
            status=hikari.Status(status), activity=hikari.Activity(name=name)
        )

    async def close(self) -> None:
        await self._bot.close()


class Floor:
    def __init__(self, api_url: str, session: aiohttp.ClientSession) -> None:
        self._api_url = api_url
        self._session = session
        self._client: FloorClient | None = None

    async def connect(self, token: str, compression: str) -> None:
        self._client = FloorClient(self._session, token, self._api_url)
        await self._client.start(compression)
        await self._client.ready.wait()

    async def set_presence(self, status: str, name: str) -> None:
        assert self._client is not None
        await self._client.set_presence(status, name)

    async def close(self) -> None:
        assert self._client is not None
        await self._client.close()


def factory(
    library: str, api_url: str, gateway_url: str, compression: str, session: aiohttp.ClientSession
) -> Callable[[], Peer]:
    """A maker of unconnected peers of one library (configured once per process)."""
    if library == "ours":
        import custom_components.discord_presence.gateway  # noqa: F401, PLC0415

        return lambda: Ours(api_url, session)
    if library == "discord.py":
        point_discord_py(api_url, gateway_url, compression)
        return DiscordPy
    if library == "hikari":
        import hikari  # noqa: F401, PLC0415

        point_hikari(compression)
        return lambda: Hikari(api_url)
    if library == "floor":
        return lambda: Floor(api_url, session)
    raise ValueError(library)
