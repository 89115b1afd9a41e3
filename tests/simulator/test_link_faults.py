"""Issue 7 link faults: half-open links, raw frames, custom HELLO/READY, and
websocket upgrades that are refused or never answered."""

from __future__ import annotations

import asyncio
import json

import aiohttp
import pytest
from aiohttp import WSMsgType

from tests.simulator.helpers import TOKEN, Raw, connect, connect_legacy, legacy_identify

HEARTBEAT = {"op": 1, "d": None}


async def _blackholed(sim, http) -> tuple[Raw, str]:
    """An identified v10 connection, then blackholed; returns it and its session id."""
    raw = await connect(http, sim)
    session_id = (await raw.identify())["d"]["session_id"]
    await sim.blackhole()
    return raw, session_id


async def test_blackhole_swallows_frames_and_never_closes(sim, http, clock) -> None:
    raw, _ = await _blackholed(sim, http)
    record = sim.connections[0]
    assert record.blackholed
    heartbeats, sent = len(record.heartbeats), len(record.sent)
    await raw.send(HEARTBEAT)
    await sim.wait_for(lambda: record.discarded_bytes >= len(json.dumps(HEARTBEAT)))
    # ten heartbeat intervals with no heartbeat seen: no 4009, still open
    await clock.advance(10)
    await sim.dispatch("MESSAGE_CREATE", {"id": "1"})  # queued, never written
    await clock.advance(0)
    assert record.open
    assert (record.closed_by, record.close_code) == (None, None)
    assert len(record.heartbeats) == heartbeats  # nothing was read
    assert len(record.sent) == sent  # no ACK, no dispatch


async def test_blackhole_answers_no_websocket_ping(sim, http, clock) -> None:
    ws = await http.ws_connect(f"{sim.hub.v10_url}/?v=10&encoding=json", autoping=False)
    assert (await ws.receive(timeout=5)).type is WSMsgType.TEXT  # HELLO
    await ws.ping(b"before")
    pong = await ws.receive(timeout=5)
    assert (pong.type, pong.data) == (WSMsgType.PONG, b"before")  # the path works
    await sim.blackhole()
    record = sim.connections[0]
    await ws.ping(b"after")
    await sim.wait_for(lambda: record.discarded_bytes > 0)  # the ping reached the server
    await clock.advance(0)  # let the server run whatever it would do about it
    await sim.drop()  # whatever the server had answered would arrive before the reset
    msg = await ws.receive(timeout=5)
    assert msg.type in (WSMsgType.CLOSED, WSMsgType.ERROR), msg


async def test_blackhole_ends_when_the_client_goes_away(sim, clock) -> None:
    async with aiohttp.ClientSession() as own:
        _, session_id = await _blackholed(sim, own)
    # leaving the session closed the client's TCP connection, with no close handshake
    record = sim.connections[0]
    await sim.wait_for(lambda: not record.open)
    assert (record.closed_by, record.close_code) == ("drop", None)
    assert session_id in sim.hub.sessions  # resumable, like any dropped socket


async def test_blackholed_session_can_be_resumed_elsewhere(sim, http) -> None:
    _, session_id = await _blackholed(sim, http)
    again = await connect(http, sim)
    await again.send({"op": 6, "d": {"token": TOKEN, "session_id": session_id, "seq": 1}})
    assert (await again.recv())["t"] == "RESUMED"
    # the half-open link cannot be told: it stays open until the client leaves
    assert sim.connections[0].open


async def test_blackhole_in_legacy_stops_the_watchdog(legacy_sim, http, clock) -> None:
    raw = await connect_legacy(http, legacy_sim)
    await raw.send(legacy_identify())
    assert (await raw.recv())["t"] == "READY"
    await legacy_sim.blackhole()
    await clock.advance(5)  # 1.5 s without a heartbeat would close 4009
    record = legacy_sim.connections[0]
    assert record.open
    assert record.close_code is None


async def test_blackhole_then_stop_is_prompt(make_sim, http) -> None:
    sim = await make_sim()
    await _blackholed(sim, http)
    async with asyncio.timeout(5):  # safety net
        await sim.stop()
    assert (sim.connections[0].open, sim.connections[0].closed_by) == (False, "drop")


async def test_blackhole_a_closing_connection_is_refused(sim, http, clock) -> None:
    raw = await connect(http, sim)
    await sim.delay(5)
    await sim.close(4000)  # queued behind the delay
    with pytest.raises(LookupError, match="closing"):
        await sim.blackhole()
    await clock.advance(5)
    assert await raw.expect_close() == 4000


async def test_send_raw_plain_text_exactly(sim, http) -> None:
    raw = await connect(http, sim)
    payload = '{"op": 0, "s": 1, "t": "READY", "d": [[[[1]]]]} trailing'
    await sim.send_raw(payload)
    msg = await raw.ws.receive(timeout=5)
    assert (msg.type, msg.data) == (WSMsgType.TEXT, payload)
    await sim.send_raw(payload, binary=True)
    msg = await raw.ws.receive(timeout=5)
    assert (msg.type, msg.data) == (WSMsgType.BINARY, payload.encode())
    await sim.wait_for(lambda: len(sim.connections[0].raw_sent) == 2)
    assert sim.connections[0].raw_sent == [payload, payload]


async def test_send_raw_through_the_transport_compression(sim, http) -> None:
    raw = await connect(http, sim, compress="zlib-stream")
    await sim.send_raw('{"op": 11, "d": "not a real ack"}')
    msg = await raw.ws.receive(timeout=5)
    assert msg.type is WSMsgType.BINARY
    # the same deflate context as HELLO: decodable only as the stream's next message
    assert raw._zlib.decompress(msg.data) == b'{"op": 11, "d": "not a real ack"}'


async def test_send_raw_unencoded_bytes_bypass_compression(sim, http) -> None:
    raw = await connect(http, sim, compress="zlib-stream")
    await sim.send_raw(b"\x78\x9c truncated", encode=False)
    msg = await raw.ws.receive(timeout=5)
    assert (msg.type, msg.data) == (WSMsgType.BINARY, b"\x78\x9c truncated")


async def test_hello_data_is_sent_verbatim(sim, http, clock) -> None:
    sim.hello_data = {"heartbeat_interval": int("9" * 400)}
    raw = await connect(http, sim, hello=False)
    hello = await raw.recv()
    assert hello["op"] == 10
    assert hello["d"] == {"heartbeat_interval": int("9" * 400)}
    # an absurd interval does not stretch the server's own deadline (1000 ms)
    await clock.advance(1.5)
    assert await raw.expect_close() == 4009


async def test_hello_data_with_a_sane_interval_sets_the_watchdog(sim, http, clock) -> None:
    sim.hello_data = {"heartbeat_interval": 4000}
    raw = await connect(http, sim)
    await clock.advance(5.9)  # 1.5 x 4 s = 6 s
    assert sim.connections[0].close_code is None  # set as soon as a close frame is sent
    await clock.advance(0.1)
    assert await raw.expect_close() == 4009


async def test_hello_data_need_not_be_an_object(sim, http) -> None:
    sim.hello_data = [1, 2]
    raw = await connect(http, sim, hello=False)
    assert (await raw.recv())["d"] == [1, 2]


async def test_ready_extra_is_merged_into_ready(sim, http) -> None:
    sim.ready_extra = {"resume_gateway_url": "ws://127.0.0.1:1/elsewhere", "shard": [0, 1]}
    raw = await connect(http, sim)
    ready = await raw.identify()
    assert ready["d"]["resume_gateway_url"] == "ws://127.0.0.1:1/elsewhere"
    assert ready["d"]["shard"] == [0, 1]
    assert ready["d"]["user"]["id"] == "111"  # the rest of READY is intact


async def test_ready_extra_in_legacy_sets_the_watchdog(legacy_sim, http, clock) -> None:
    legacy_sim.ready_extra = {"heartbeat_interval": 4000, "extra": True}
    raw = await connect_legacy(http, legacy_sim)
    await raw.send(legacy_identify())
    ready = await raw.recv()
    assert (ready["d"]["heartbeat_interval"], ready["d"]["extra"]) == (4000, True)
    await clock.advance(5.9)
    assert legacy_sim.connections[0].close_code is None
    await clock.advance(0.1)
    assert await raw.expect_close() == 4009


async def test_refuse_gateway_answers_a_status_instead_of_101(sim, http) -> None:
    sim.refuse_gateway(503, count=1)
    with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
        await connect(http, sim)
    assert refused.value.status == 503
    assert sim.connections == []
    assert [(u.dialect, u.status, u.query) for u in sim.rejected_upgrades] == [
        ("v10", 503, "v=10&encoding=json")
    ]
    raw = await connect(http, sim)  # count=1: the next upgrade succeeds
    assert (await raw.identify())["t"] == "READY"
    assert len(sim.connections) == 1
    await raw.close()


async def test_refuse_gateway_until_cleared(legacy_sim, http) -> None:
    legacy_sim.refuse_gateway(502)
    for _ in range(2):
        with pytest.raises(aiohttp.WSServerHandshakeError):
            await connect_legacy(http, legacy_sim)
    legacy_sim.refuse_gateway(None)
    raw = await connect_legacy(http, legacy_sim)
    await raw.send(legacy_identify())
    assert (await raw.recv())["t"] == "READY"
    await raw.close()
    assert [u.status for u in legacy_sim.rejected_upgrades] == [502, 502]
    assert len(legacy_sim.connections) == 1


async def test_silent_gateway_holds_the_upgrade_until_disabled(sim, http) -> None:
    sim.silent_gateway()
    attempt = asyncio.create_task(connect(http, sim))
    await sim.wait_for(lambda: sim.held_requests == 1)
    assert not attempt.done()
    assert sim.connections == []
    assert [(u.status, u.released) for u in sim.rejected_upgrades] == [(None, False)]
    sim.silent_gateway(False)
    raw = await attempt  # the upgrade is answered now, HELLO follows
    assert sim.rejected_upgrades[0].released
    await raw.identify()
    assert sim.connections[0].token == TOKEN


async def test_silent_gateway_upgrade_abandoned_by_the_client(sim, http) -> None:
    sim.silent_gateway()
    attempt = asyncio.create_task(connect(http, sim))
    await sim.wait_for(lambda: sim.held_requests == 1)
    attempt.cancel()  # the client gives up (its own connect timeout)
    with pytest.raises(asyncio.CancelledError):
        await attempt
    await sim.wait_for(lambda: sim.held_requests == 0)  # noticed without any answer
    sim.silent_gateway(False)
    raw = await connect(http, sim)
    assert (await raw.identify())["t"] == "READY"
    assert len(sim.connections) == 1  # only the new one: nothing served to the gone client
    assert [u.outcome for u in sim.rejected_upgrades] == ["abandoned"]


async def test_silent_gateway_does_not_hold_up_stop(make_sim, http) -> None:
    sim = await make_sim()
    sim.silent_gateway()
    attempt = asyncio.create_task(connect(http, sim))
    await sim.wait_for(lambda: sim.held_requests == 1)
    async with asyncio.timeout(5):  # safety net; held upgrades are reset
        await sim.stop()
    with pytest.raises(aiohttp.ClientError):
        await attempt
    assert sim.held_requests == 0
    assert [u.outcome for u in sim.rejected_upgrades] == ["reset"]
