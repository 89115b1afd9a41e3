"""Fidelity: a third-party client, discord.py 2.7.1, runs against the simulator.

If the simulator's REST answers, HELLO/IDENTIFY/READY, heartbeats, zstd (or
zlib) transport compression, presence frames and resume are shaped the way
Discord's documentation says, an independent, widely used client works with it
unchanged. discord.py runs on real time, so this test uses a 200 ms heartbeat
interval and waits on ``sim.wait_for``, never on sleeps.
"""

from __future__ import annotations

import asyncio
import threading
from typing import TYPE_CHECKING

import pytest

from simulator import Simulator

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

discord = pytest.importorskip("discord")
yarl = pytest.importorskip("yarl")

TOKEN = "fidelity-token"


@pytest.fixture
async def sim(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Simulator]:
    async with Simulator(heartbeat_interval_ms=200) as simulator:
        simulator.add_account(TOKEN, user_id="424242", username="fidelity-bot")
        # The documented way to point discord.py at a mock server: its REST base
        # and the gateway it opens before READY names a resume_gateway_url.
        monkeypatch.setattr(discord.http.Route, "BASE", simulator.api_url)
        monkeypatch.setattr(
            discord.gateway.DiscordWebSocket,
            "DEFAULT_GATEWAY",
            yarl.URL(simulator.gateway_url + "/"),
        )
        yield simulator


def _keepalive_threads() -> set[threading.Thread]:
    return {t for t in threading.enumerate() if type(t).__name__ == "KeepAliveHandler"}


async def test_discord_py_identifies_heartbeats_sets_presence_and_resumes(sim) -> None:
    client = discord.Client(intents=discord.Intents.none(), guild_ready_timeout=0)
    runner = asyncio.create_task(client.start(TOKEN))
    try:
        await sim.wait_for(lambda: bool(sim.connections and sim.connections[0].identifies), 10)
        first = sim.connections[0]
        identify = first.identifies[0]
        assert identify["token"] == TOKEN
        assert identify["intents"] == 0
        assert first.compression in {"zstd-stream", "zlib-stream"}
        async with asyncio.timeout(10):
            await client.wait_until_ready()
        assert client.user is not None
        assert client.user.id == 424242
        assert client.user.name == "fidelity-bot"

        # discord.py heartbeats on its own thread; the simulator ACKs each one.
        await sim.wait_for(lambda: len(first.heartbeats) >= 3, 10)
        assert first.open

        await client.change_presence(activity=discord.Game("x"), status=discord.Status.dnd)
        await sim.wait_for(lambda: bool(sim.presences), 10)
        presence = sim.presences[-1]
        assert presence["status"] == "dnd"
        assert presence["activities"][0]["name"] == "x"
        assert presence["activities"][0]["type"] == 0
        assert presence["afk"] is False

        # A resumable close: discord.py comes back with op 6 and gets RESUMED.
        await sim.close(4000)
        await sim.wait_for(lambda: len(sim.connections) >= 2 and bool(sim.connections[1].resumes))
        second = sim.connections[1]
        assert second.resumes[0]["session_id"] == first.session_id
        assert second.resumes[0]["seq"] == 1
        await sim.wait_for(lambda: any(f.get("t") == "RESUMED" for f in second.sent), 10)
        assert second.identifies == []

        # A dropped socket (no close frame): discord.py resumes again.
        await sim.drop()
        await sim.wait_for(lambda: len(sim.connections) >= 3 and bool(sim.connections[2].resumes))
        third = sim.connections[2]
        await sim.wait_for(lambda: any(f.get("t") == "RESUMED" for f in third.sent), 10)
        assert third.resumes[0]["seq"] == 2  # READY, then the first RESUMED
        await sim.wait_for(lambda: len(third.heartbeats) >= 1, 10)
        assert [c.identifies != [] for c in sim.connections] == [True, False, False]
    finally:
        await client.close()
        async with asyncio.timeout(10):
            await runner
        for thread in _keepalive_threads():
            thread.join(timeout=5)
    await sim.wait_for(lambda: not any(c.open for c in sim.connections), 10)
    assert sim.connections[-1].closed_by == "client"
    # discord.py closes with 4000 on purpose, keeping its session resumable.
    assert sim.connections[-1].close_code == 4000
