"""Issue 9: one REST call per connect, op 3 without a loop turn, no notify per frame.

The limits stay what they were: never a 4008, a burst always ends in the
latest presence. Counts come from the simulator's records, never from time.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from custom_components.discord_presence.gateway import Activity, Presence
from custom_components.discord_presence.gateway.dialects import MAX_FRAME_BYTES, fits_in_frame
from custom_components.discord_presence.gateway.ratelimit import (
    PRESENCE_LIMIT,
    PRESENCE_PERIOD,
    WINDOW_MARGIN,
)

if TYPE_CHECKING:
    from tests.gateway.conftest import Harness

INTERVAL = 10.0  # the simulator's heartbeat interval in these tests (conftest)


async def test_one_rest_call_per_connect(h: Harness) -> None:
    """/gateway/bot gives the budget and the URL: GET /gateway is never needed."""
    h.start()
    await h.ready()
    await h.sim.close(4009)  # session timed out: identify afresh on a new connection
    await h.reconnected(2)
    await h.sim.invalid_session(resumable=False)
    await h.reconnected(3)
    assert [len(c.identifies) for c in h.sim.connections] == [1, 1, 1]
    assert [r.path for r in h.sim.rest_requests] == ["/gateway/bot"] * 3
    assert h.sim.gateway_requests == 0


async def test_gateway_is_the_fallback_when_gateway_bot_is_not_served(h: Harness) -> None:
    h.sim.fail_rest("/gateway/bot", 404)
    h.start()
    await h.ready()
    assert [(r.path, r.status) for r in h.sim.rest_requests] == [
        ("/gateway/bot", 404),
        ("/gateway", 200),
    ]
    assert h.sim.connections[0].identifies


async def test_presence_leaves_within_the_call_when_the_limits_have_room(h: Harness) -> None:
    h.start()
    await h.ready()
    wanted = Presence(activity=Activity("Chess"))

    h.c.update_presence(wanted)

    # Sent (written to the socket) before update_presence() returned: no loop turn.
    snap = h.c.snapshot()
    assert snap.stats.presence_updates_sent == 1
    assert snap.presence_applied
    await h.sim.wait_for(lambda: len(h.sim.presences) == 1)
    assert h.sim.presences[0]["activities"] == [{"name": "Chess", "type": 0}]


async def test_a_burst_goes_out_while_there_is_room_then_coalesces_to_the_latest(
    h: Harness,
) -> None:
    h.start()
    await h.ready()
    for i in range(12):
        h.c.update_presence(Presence(activity=Activity(f"game {i}")))
    # The first five within their calls, the rest wait for the window, coalesced.
    assert h.c.snapshot().stats.presence_updates_sent == PRESENCE_LIMIT
    await h.sim.wait_for(lambda: len(h.sim.presences) == PRESENCE_LIMIT)
    first_at = h.sim.connections[0].presences[0][0]
    await h.clock.advance(PRESENCE_PERIOD + WINDOW_MARGIN)
    await h.sim.wait_for(lambda: len(h.sim.presences) == PRESENCE_LIMIT + 1)
    conn = h.sim.connections[0]
    assert [d["activities"][0]["name"] for _, d in conn.presences] == [
        "game 0",
        "game 1",
        "game 2",
        "game 3",
        "game 4",
        "game 11",
    ]
    assert conn.presences[-1][0] - first_at >= PRESENCE_PERIOD + WINDOW_MARGIN
    assert conn.open
    assert len(h.sim.connections) == 1  # no 4008
    assert h.c.snapshot().presence_applied


async def test_idle_frames_are_counted_without_telling_listeners(h: Harness) -> None:
    """Heartbeats and ACKs move the counters; listeners hear at most the latency, once per ACK."""
    h.start()
    await h.ready()
    heard: list[int] = []
    h.c.add_listener(lambda: heard.append(h.c.snapshot().stats.frames_in))
    frames_in = h.c.snapshot().stats.frames_in
    frames_out = h.c.snapshot().stats.frames_out
    conn = h.sim.connections[0]
    beats = len(conn.heartbeats)
    for n in range(1, 4):
        await h.clock.advance(INTERVAL)
        await h.sim.wait_for(lambda: len(conn.heartbeats) >= beats + n)  # noqa: B023
        await h.until(lambda: h.c.snapshot().stats.frames_in >= frames_in + n)  # noqa: B023
    stats = h.c.snapshot().stats
    assert stats.frames_out - frames_out == 3
    assert stats.frames_in - frames_in == 3
    # One notification per ACK (the latency), none for the frames themselves.
    assert len(heard) == 3


def test_frame_size_is_checked_in_utf8_bytes_without_encoding_small_frames() -> None:
    """The 4096-byte limit counts UTF-8 bytes; the shortcut must not change the verdict."""
    assert fits_in_frame("a" * MAX_FRAME_BYTES)
    assert not fits_in_frame("a" * (MAX_FRAME_BYTES + 1))
    assert fits_in_frame("é" * (MAX_FRAME_BYTES // 2))  # 2 bytes each
    assert not fits_in_frame("é" * (MAX_FRAME_BYTES // 2 + 1))
    assert fits_in_frame("𝄞" * (MAX_FRAME_BYTES // 4))  # 4 bytes each
    assert not fits_in_frame("𝄞" * (MAX_FRAME_BYTES // 4 + 1))
