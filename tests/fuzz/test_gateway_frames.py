"""Hostile gateway frames, over loopback, in both dialects and every compression.

Each example is one frame the simulator sends to a live client. Whatever it
is, the client must not crash, hang or leak the token: it either ignores the
frame or recycles the connection, and it always ends connected again with the
wanted presence applied. Frames arrive in order on one socket, so once the
client has answered a heartbeat request sent after the frame, it has dealt
with the frame.
"""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING

import aiohttp
import pytest
from hypothesis import given
from hypothesis import strategies as st

from custom_components.discord_presence.gateway import (
    ZSTD_AVAILABLE,
    Activity,
    ActivityType,
    Compression,
    ConnectionState,
    Dialect,
    Presence,
)
from simulator import Simulator
from tests.gateway.conftest import INTERVAL_MS, TOKEN, Harness, advance_until

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from tests.clock import ManualClock

WANTED = Presence(activity=Activity("Movie night", ActivityType.WATCHING))

_numbers = (
    st.integers()
    | st.sampled_from([2**63, -(2**63), 10**400, -1, 0])
    | st.floats(allow_nan=False, allow_infinity=False)
)
_values = st.recursive(
    st.none() | st.booleans() | _numbers | st.text(max_size=12),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=10,
)
# Fields the client reads in HELLO, READY and RESUMED, with odd values, missing or extra.
_handshake_data = st.fixed_dictionaries(
    {},
    optional={
        "heartbeat_interval": _values,
        "session_id": _values,
        "resume_gateway_url": _values
        | st.sampled_from(["ws://evil.example", "wss://", "http://127.0.0.1:1"]),
        "user": _values | st.just({"id": "1", "username": "x"}),
        "v": _values,
        "extra": _values,
    },
)
_envelopes = st.fixed_dictionaries(
    {
        "op": st.sampled_from([0, 1, 7, 9, 10, 11, 12, 99, -1]) | _values,
    },
    optional={
        "d": _values | _handshake_data,
        "s": _values,
        "t": st.sampled_from(["READY", "RESUMED", "HELLO", "GUILD_CREATE", ""]) | _values,
    },
)


@st.composite
def _frames(draw: st.DrawFn) -> tuple[str | bytes, bool]:
    """(payload, encode): a JSON envelope, junk text, deep nesting or raw bytes."""
    kind = draw(st.sampled_from(["envelope", "envelope", "envelope", "text", "deep", "bytes"]))
    if kind == "envelope":
        return json.dumps(draw(_envelopes)), True
    if kind == "text":
        return draw(st.text(max_size=40)), True
    if kind == "deep":
        depth = draw(st.sampled_from([1_000, 100_000]))
        return '{"op": 0, "t": "X", "d": ' + "[" * depth + "]" * depth + "}", True
    # Bytes that bypass the transport compression: undecodable for every mode.
    return draw(st.binary(min_size=1, max_size=64)), False


_MODES: list[tuple[bool, Compression]] = [
    (False, Compression.NONE),
    (False, Compression.ZLIB_STREAM),
    (True, Compression.NONE),
]
if ZSTD_AVAILABLE:
    _MODES.append((False, Compression.ZSTD_STREAM))


@pytest.fixture(params=_MODES, ids=lambda m: f"{'legacy' if m[0] else 'v10'}-{m[1]}")
async def harness(request: pytest.FixtureRequest, clock: ManualClock) -> AsyncIterator[Harness]:
    legacy, compression = request.param
    sim = Simulator(legacy=legacy, heartbeat_interval_ms=INTERVAL_MS, clock=clock)
    sim.add_account(TOKEN, user_id="42", username="presence-bot")
    async with sim, aiohttp.ClientSession() as http:
        h = Harness(sim, clock, http)
        h.make(
            dialect=Dialect.LEGACY if legacy else Dialect.V10,
            compression=compression,
            presence=Presence(activity=Activity("Movie night")) if legacy else WANTED,
        )
        h.start()
        await h.ready()
        yield h
        await h.stop()
        assert h.task is not None
        assert h.task.done()


async def _processed(h: Harness, record_id: int, beats: int) -> None:
    """Wait until the client answered the heartbeat request sent after the frame, or hung up."""

    def done() -> bool:
        record = next(r for r in h.sim.connections if r.id == record_id)
        return len(record.heartbeats) > beats or not record.open

    await h.sim.wait_for(done)


@given(frame=_frames())
async def test_hostile_frame_never_kills_the_client(
    harness: Harness, frame: tuple[str | bytes, bool], caplog: pytest.LogCaptureFixture
) -> None:
    h = harness
    caplog.set_level(logging.DEBUG)
    await h.until_connected_advancing()
    record = next(r for r in reversed(h.sim.connections) if r.open)
    beats = len(record.heartbeats)
    payload, encode = frame
    await h.sim.send_raw(payload, connection=record.id, encode=encode)
    await h.sim.request_heartbeat(record.id)
    await _processed(h, record.id, beats)

    # Whatever happened, the client is alive and gets back to a live session.
    assert h.task is not None
    assert not h.task.done(), h.task.exception() if h.task.done() else None
    await h.until_connected_advancing()
    assert h.c.snapshot().state is ConnectionState.CONNECTED
    # ... with the wanted presence on the session (a resume re-sends it).
    await advance_until(h.clock, lambda: h.c.snapshot().presence_applied, step=1, limit=60)
    texts = [logging.Formatter().format(r) for r in caplog.records]
    assert not [t for t in texts if TOKEN in t]
