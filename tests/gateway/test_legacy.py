"""The seed's 2016 dialect against the simulator's legacy mode."""

from __future__ import annotations

import pytest

from custom_components.discord_presence.gateway import (
    Activity,
    ActivityType,
    AuthenticationFailed,
    ConnectionState,
    Dialect,
    Presence,
    PresenceError,
    Status,
)
from tests.gateway.conftest import INTERVAL_MS, TOKEN, Harness

INTERVAL = INTERVAL_MS / 1000


async def test_legacy_identify_ready_heartbeat_presence(lh: Harness) -> None:
    lh.start(dialect=Dialect.LEGACY, presence=Presence(activity=Activity("Chess")))
    await lh.ready()
    record = lh.sim.connections[0]
    identify = record.identifies[0]
    assert identify["token"] == TOKEN
    assert identify["v"] == 3
    assert identify["large_threshold"] == 100
    assert identify["compress"] is True
    assert set(identify["properties"]) == {
        "$os",
        "$browser",
        "$device",
        "$referrer",
        "$referring_domain",
    }
    assert "presence" not in identify
    assert record.compression == "zlib-payload"  # READY came as a zlib binary frame
    assert lh.c.snapshot().user is not None
    # Legacy IDENTIFY has no presence: it is sent right after READY.
    await lh.sim.wait_for(lambda: len(record.presences) == 1)
    assert record.presences[0][1] == {"game": {"name": "Chess"}, "idle_since": None}
    await lh.until(lambda: lh.c.snapshot().presence_applied)
    # Heartbeat every interval (from READY): d is the time in ms, as a string.
    await lh.clock.advance(INTERVAL)
    await lh.sim.wait_for(lambda: len(record.heartbeats) == 1)
    beat = record.heartbeats[0][1]
    assert beat == str(int(lh.clock.time() * 1000))
    # No ACKs in legacy: not a zombie.
    await lh.clock.advance(INTERVAL)
    await lh.sim.wait_for(lambda: len(record.heartbeats) == 2)
    assert record.open
    assert lh.c.snapshot().latency is None


async def test_legacy_idle_and_clear(lh: Harness) -> None:
    lh.start(dialect=Dialect.LEGACY)
    await lh.ready()
    await lh.sim.wait_for(lambda: len(lh.sim.presences) == 1)
    lh.c.update_presence(Presence(status=Status.IDLE))
    await lh.sim.wait_for(lambda: len(lh.sim.presences) == 2)
    assert lh.sim.presences[1] == {"game": None, "idle_since": int(lh.clock.time() * 1000)}
    lh.c.update_presence(Presence(status=Status.IDLE, since=123, activity=Activity("x")))
    await lh.sim.wait_for(lambda: len(lh.sim.presences) == 3)
    assert lh.sim.presences[2] == {"game": {"name": "x"}, "idle_since": 123}


@pytest.mark.parametrize(
    "presence",
    [
        Presence(status=Status.DND),
        Presence(status=Status.INVISIBLE),
        Presence(activity=Activity("x", ActivityType.LISTENING)),
        Presence(activity=Activity("x", state="s")),
        Presence(activity=Activity("", ActivityType.CUSTOM, state="s")),
    ],
)
async def test_legacy_rejects_what_it_cannot_express(lh: Harness, presence: Presence) -> None:
    client = lh.make(dialect=Dialect.LEGACY)
    with pytest.raises(PresenceError) as info:
        client.update_presence(presence)
    assert info.value.reason == "unsupported_by_legacy"


async def test_legacy_redirect_connects_to_named_url(lh: Harness) -> None:
    lh.start(dialect=Dialect.LEGACY)
    await lh.ready()
    assert lh.sim.gateway_requests == 1
    await lh.sim.reconnect()  # op 7 {url}
    await lh.reconnected(2)
    second = lh.sim.connections[1]
    # Went straight to d.url (no GET /gateway), and identified anew (no resume).
    assert lh.sim.gateway_requests == 1
    assert second.identifies
    assert not second.resumes
    assert lh.sim.connections[0].close_code == 4000


async def test_legacy_drop_reidentifies_with_fresh_gateway_url(lh: Harness) -> None:
    lh.start(dialect=Dialect.LEGACY)
    await lh.ready()
    first_identify = lh.clock.monotonic()
    await lh.sim.drop()
    await lh.reconnected(2)
    assert lh.sim.gateway_requests == 2  # never cached
    assert lh.sim.connections[1].identifies
    assert not lh.sim.connections[1].resumes
    assert lh.clock.monotonic() - first_identify >= 5  # identify spacing
    assert lh.c.snapshot().state is ConnectionState.CONNECTED


async def test_legacy_server_heartbeat_request_and_garbage(lh: Harness) -> None:
    lh.start(dialect=Dialect.LEGACY)
    await lh.ready()
    record = lh.sim.connections[0]
    await lh.sim.request_heartbeat()
    await lh.sim.wait_for(lambda: len(record.heartbeats) == 1)
    await lh.sim.send_garbage()
    await lh.sim.wait_for(lambda: not record.open)
    assert record.close_code == 4000
    await lh.reconnected(2)
    assert lh.sim.connections[1].identifies


async def test_legacy_bad_token(lh: Harness) -> None:
    lh.start(dialect=Dialect.LEGACY, token="nope")
    assert lh.task is not None
    with pytest.raises(AuthenticationFailed):
        await lh.task
    assert lh.sim.connections[0].close_code == 4004
