"""The v10 dialect against the simulator, on virtual time."""

from __future__ import annotations

import random

import pytest

from custom_components.discord_presence.gateway import (
    ZSTD_AVAILABLE,
    Activity,
    ActivityType,
    Compression,
    ConnectionState,
    Presence,
    Status,
)
from tests.gateway.conftest import INTERVAL_MS, SEED, TOKEN, Harness

INTERVAL = INTERVAL_MS / 1000


@pytest.mark.parametrize("compression", list(Compression))
async def test_identify_ready_and_heartbeat_jitter(h: Harness, compression: Compression) -> None:
    presence = Presence(status=Status.DND, activity=Activity("Movie night"))
    h.start(compression=compression, presence=presence, intents=0)
    await h.ready()
    sim = h.sim
    record = sim.connections[0]
    # Without compression.zstd (Python 3.13) the client falls back to zlib-stream.
    fallback = compression is Compression.ZSTD_STREAM and not ZSTD_AVAILABLE
    assert record.compression == str(Compression.ZLIB_STREAM if fallback else compression)
    identify = record.identifies[0]
    assert identify["intents"] == 0
    assert set(identify["properties"]) == {"os", "browser", "device"}
    assert identify["presence"] == {
        "since": None,
        "activities": [{"name": "Movie night", "type": 0}],
        "status": "dnd",
        "afk": False,
    }
    snap = h.c.snapshot()
    assert snap.state is ConnectionState.CONNECTED
    assert snap.user is not None
    assert snap.user.id == "42"
    assert snap.user.bot
    assert snap.presence_applied
    assert snap.stats.identifies == 1
    # READY matched what IDENTIFY carried: no op 3 after READY.
    assert record.presences == []

    # First beat after interval * random() from the seeded rng, then every interval.
    jitter = INTERVAL * random.Random(SEED).random()
    start = h.clock.monotonic()
    await h.clock.advance(jitter)
    await sim.wait_for(lambda: len(record.heartbeats) == 1)
    assert record.heartbeats[0] == (pytest.approx(start + jitter), 1)
    await h.until(lambda: h.c.snapshot().latency is not None)
    await h.clock.advance(INTERVAL)
    await sim.wait_for(lambda: len(record.heartbeats) == 2)
    assert record.heartbeats[1][0] == pytest.approx(start + jitter + INTERVAL)
    assert h.c.snapshot().latency == pytest.approx(0.0)
    assert TOKEN not in repr(h.c)


async def test_presence_burst_coalesces_latest_wins_no_4008(h: Harness) -> None:
    h.start()
    await h.ready()
    for i in range(100):
        h.c.update_presence(Presence(activity=Activity(f"game {i}")))
        await h.clock.advance(0.01)
    # Within the first second only the 5-per-20 s budget's worth went out.
    assert len(h.sim.presences) <= 5
    await h.clock.advance(21)
    await h.sim.wait_for(
        lambda: (
            (h.sim.current_presence(TOKEN) or {}).get("activities")
            == [{"name": "game 99", "type": 0}]
        )
    )
    assert all(c.close_code != 4008 for c in h.sim.connections)
    assert len(h.sim.connections) == 1
    assert h.sim.connections[0].open
    assert h.sim.presences[-1]["activities"][0]["name"] == "game 99"
    await h.until(lambda: h.c.snapshot().presence_applied)
    assert h.c.snapshot().stats.presence_updates_sent == len(h.sim.presences)


async def test_presence_encoding_custom_and_streaming(h: Harness) -> None:
    h.start()
    await h.ready()
    h.c.update_presence(Presence(activity=Activity("", ActivityType.CUSTOM, state="Chilling")))
    await h.sim.wait_for(lambda: len(h.sim.presences) == 1)
    assert h.sim.presences[0]["activities"] == [
        {"name": "Custom Status", "type": 4, "state": "Chilling"}
    ]
    url = "https://www.twitch.tv/someone"
    h.c.update_presence(
        Presence(
            status=Status.IDLE,
            afk=True,
            since=5,
            activity=Activity("Live", ActivityType.STREAMING, url=url, state="s"),
        )
    )
    await h.sim.wait_for(lambda: len(h.sim.presences) == 2)
    assert h.sim.presences[1] == {
        "since": 5,
        "activities": [{"name": "Live", "type": 1, "url": url, "state": "s"}],
        "status": "idle",
        "afk": True,
    }


async def test_presence_changed_before_ready_is_sent_after_ready(h: Harness) -> None:
    h.make(presence=Presence(activity=Activity("first")))
    h.start()
    await h.sim.wait_for(lambda: bool(h.sim.connections) and bool(h.sim.connections[0].identifies))
    h.c.update_presence(Presence(activity=Activity("second")))
    await h.sim.wait_for(lambda: len(h.sim.presences) == 1)
    assert h.sim.presences[0]["activities"][0]["name"] == "second"


async def test_reassert_interval(h: Harness) -> None:
    h.start(reassert_interval=30, presence=Presence(activity=Activity("keep")))
    await h.ready()
    assert h.sim.presences == []
    await h.clock.advance(30)
    await h.sim.wait_for(lambda: len(h.sim.presences) == 1)
    await h.clock.advance(30)
    await h.sim.wait_for(lambda: len(h.sim.presences) == 2)
    assert h.sim.presences[1]["activities"][0]["name"] == "keep"


async def test_server_requested_heartbeat_answered_at_once(h: Harness) -> None:
    h.start()
    await h.ready()
    record = h.sim.connections[0]
    await h.sim.request_heartbeat()
    await h.sim.wait_for(lambda: len(record.heartbeats) == 1)
    assert record.heartbeats[0][0] == h.clock.monotonic()


async def test_op7_reconnect_resumes(h: Harness) -> None:
    h.start()
    await h.ready()
    session_id = h.sim.connections[0].session_id
    await h.sim.reconnect()
    await h.reconnected(2)
    first, second = h.sim.connections
    assert first.closed_by == "client"
    assert first.close_code == 4000
    assert second.resumes
    assert second.resumes[0]["session_id"] == session_id
    assert second.resumes[0]["token"] == TOKEN
    assert second.resumes[0]["seq"] == 1
    assert second.identifies == []
    snap = h.c.snapshot()
    assert snap.stats.resumes == 1
    assert snap.stats.reconnects == 1
    # After RESUMED the wanted presence is always sent again.
    await h.sim.wait_for(lambda: len(second.presences) == 1)
    await h.until(lambda: h.c.snapshot().presence_applied)


async def test_drop_without_close_frame_resumes(h: Harness) -> None:
    h.start()
    await h.ready()
    await h.sim.drop()
    await h.reconnected(2)
    assert h.sim.connections[1].resumes
    assert h.c.snapshot().stats.last_close_code == 1006


async def test_invalid_session_resumable(h: Harness) -> None:
    h.start()
    await h.ready()
    await h.sim.invalid_session(resumable=True)
    await h.reconnected(2)
    assert h.sim.connections[1].resumes
    assert not h.sim.connections[1].identifies


async def test_invalid_session_not_resumable_waits_then_identifies(h: Harness) -> None:
    h.start()
    await h.ready()
    await h.sim.invalid_session(resumable=False)
    wait = await h.spy.wait_runner_sleeping()
    assert 1 <= wait <= 5
    await h.reconnected(2)
    second = h.sim.connections[1]
    assert second.identifies
    assert not second.resumes
    assert h.c.snapshot().stats.identifies == 2


async def test_zombie_connection_is_closed_and_resumed(h: Harness) -> None:
    h.start()
    await h.ready()
    await h.sim.withhold_acks(True)
    first = h.sim.connections[0]
    await h.clock.advance(INTERVAL)  # first (jittered) beat
    await h.sim.wait_for(lambda: len(first.heartbeats) == 1)
    await h.clock.advance(INTERVAL)  # no ACK since: zombie
    await h.sim.wait_for(lambda: not first.open)
    assert first.closed_by == "client"
    assert first.close_code == 4000
    assert len(first.heartbeats) == 1
    await h.reconnected(2)
    assert h.sim.connections[1].resumes


async def test_garbage_recycles_and_resumes(h: Harness) -> None:
    h.start()
    await h.ready()
    await h.sim.send_garbage()
    await h.sim.wait_for(lambda: not h.sim.connections[0].open)
    assert h.sim.connections[0].close_code == 4000
    await h.reconnected(2)
    assert h.sim.connections[1].resumes


@pytest.mark.parametrize("code", [4000, 4001, 4002, 4008, 1000, 1001])
async def test_resumable_close_codes(h: Harness, code: int) -> None:
    h.start()
    await h.ready()
    await h.sim.close(code)
    wait = await h.spy.wait_runner_sleeping()
    if code == 4008:
        assert wait >= 5  # slow down after a rate limit
    await h.reconnected(2)
    assert h.c.snapshot().stats.last_close_code == code
    second = h.sim.connections[1]
    if code in (1000, 1001):
        # The simulator ended that session: it answers the resume with op 9.
        await h.sim.wait_for(lambda: len(h.sim.connections) >= 2 and bool(second.resumes))
    else:
        assert second.resumes
        assert not second.identifies


@pytest.mark.parametrize("code", [4003, 4005, 4007, 4009])
async def test_new_session_close_codes(h: Harness, code: int) -> None:
    h.start()
    await h.ready()
    await h.sim.close(code)
    await h.reconnected(2)
    second = h.sim.connections[1]
    assert second.identifies
    assert not second.resumes
