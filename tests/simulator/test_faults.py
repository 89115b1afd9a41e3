"""Fault injection on the newest (or a named) open connection."""

from __future__ import annotations

import pytest
from aiohttp import WSMsgType

from tests.simulator.helpers import OTHER_TOKEN, connect


async def test_drop_aborts_without_a_close_frame(sim, http) -> None:
    raw = await connect(http, sim)
    await raw.identify()
    await sim.drop()
    msg = await raw.ws.receive(timeout=5)
    assert msg.type in (WSMsgType.CLOSED, WSMsgType.ERROR)  # no CLOSE frame
    await sim.wait_for(lambda: not sim.connections[0].open)
    assert (sim.connections[0].closed_by, sim.connections[0].close_code) == ("drop", None)


async def test_close_with_a_code(sim, http) -> None:
    raw = await connect(http, sim)
    await sim.close(4000)
    assert await raw.expect_close() == 4000
    await sim.wait_for(lambda: not sim.connections[0].open)
    assert (sim.connections[0].closed_by, sim.connections[0].close_code) == ("server", 4000)


async def test_faults_act_on_the_newest_open_connection_unless_named(sim, http) -> None:
    first = await connect(http, sim)
    second = await connect(http, sim)
    await sim.close(4001)
    assert await second.expect_close() == 4001
    await sim.wait_for(lambda: not sim.connections[1].open)
    await sim.close(4002)  # now the newest *open* one is the first
    assert await first.expect_close() == 4002
    await sim.wait_for(lambda: not sim.connections[0].open)
    with pytest.raises(LookupError):
        await sim.drop()
    with pytest.raises(LookupError):
        await sim.close(4000, sim.connections[0])


async def test_fault_on_a_named_connection(sim, http) -> None:
    first = await connect(http, sim)
    await connect(http, sim)
    await sim.close(4000, sim.connections[0])
    assert await first.expect_close() == 4000
    await sim.request_heartbeat(2)
    assert sim.connections[1].open


async def test_reconnect_sends_op7(sim, http) -> None:
    raw = await connect(http, sim)
    await raw.identify()
    await sim.reconnect()
    assert await raw.recv() == {"op": 7, "d": None, "s": None, "t": None}


async def test_invalid_session_not_resumable(sim, http) -> None:
    raw = await connect(http, sim)
    session_id = (await raw.identify())["d"]["session_id"]
    await sim.invalid_session(resumable=False)
    assert await raw.recv() == {"op": 9, "d": False, "s": None, "t": None}
    # the connection is unauthenticated again: a fresh IDENTIFY is accepted
    ready = await raw.identify()
    assert ready["d"]["session_id"] != session_id
    other = await connect(http, sim)
    await other.send({"op": 6, "d": {"token": "token-a", "session_id": session_id, "seq": 1}})
    assert (await other.recv())["d"] is False


async def test_invalid_session_resumable(sim, http) -> None:
    raw = await connect(http, sim)
    session_id = (await raw.identify())["d"]["session_id"]
    await sim.invalid_session(resumable=True)
    assert (await raw.recv())["d"] is True
    await raw.ws.close(code=4000)
    again = await connect(http, sim)
    await again.send({"op": 6, "d": {"token": "token-a", "session_id": session_id, "seq": 1}})
    assert (await again.recv())["t"] == "RESUMED"


async def test_invalid_session_before_identify(sim, http) -> None:
    raw = await connect(http, sim)
    await sim.invalid_session(resumable=False)
    assert (await raw.recv())["op"] == 9


async def test_withheld_acks(sim, http) -> None:
    raw = await connect(http, sim)
    await raw.identify()
    await sim.withhold_acks(True)
    await raw.send({"op": 1, "d": 1})
    await sim.wait_for(lambda: len(sim.connections[0].heartbeats) == 1)
    await sim.request_heartbeat()
    assert (await raw.recv())["op"] == 1  # the server asked; no op 11 came first
    await sim.withhold_acks(False)
    await raw.send({"op": 1, "d": 1})
    assert (await raw.recv())["op"] == 11


async def test_request_heartbeat(sim, http) -> None:
    raw = await connect(http, sim)
    await sim.request_heartbeat()
    assert await raw.recv() == {"op": 1, "d": None, "s": None, "t": None}


async def test_garbage_is_not_json(sim, http) -> None:
    raw = await connect(http, sim)
    await sim.send_garbage()
    msg = await raw.ws.receive(timeout=5)
    assert msg.type is WSMsgType.TEXT
    with pytest.raises(ValueError, match="Expecting value"):
        msg.json()
    assert sim.connections[0].sent[-1]["op"] == 10  # garbage is not recorded as a frame


async def test_delay_holds_outgoing_frames_on_the_clock(make_sim, http, clock) -> None:
    sim = await make_sim(heartbeat_interval_ms=10_000_000)
    raw = await connect(http, sim)
    await sim.delay(5)
    await raw.send({"op": 1, "d": None})
    await sim.wait_for(lambda: len(sim.connections[0].heartbeats) == 1)
    assert [f["op"] for f in sim.connections[0].sent] == [10]
    await clock.advance(4.9)
    assert [f["op"] for f in sim.connections[0].sent] == [10]
    await clock.advance(0.1)
    assert (await raw.recv())["op"] == 11
    await sim.delay(0)
    await sim.request_heartbeat()
    assert (await raw.recv())["op"] == 1


async def test_dispatch_needs_a_session(sim, http) -> None:
    await connect(http, sim)
    with pytest.raises(LookupError):
        await sim.dispatch("X", {})


async def test_several_accounts_at_once(sim, http) -> None:
    a = await connect(http, sim)
    b = await connect(http, sim)
    ready_a = await a.identify()
    ready_b = await b.identify(OTHER_TOKEN)
    assert ready_a["d"]["user"]["id"] == "111"
    assert ready_b["d"]["user"]["id"] == "222"
    presence_b = {"since": None, "activities": [], "status": "idle", "afk": False}
    await b.send({"op": 3, "d": presence_b})
    await sim.wait_for(lambda: len(sim.presences) == 1)
    assert sim.connections[1].presences[0][1] == presence_b
    assert sim.connections[0].presences == []
    assert sim.current_presence(OTHER_TOKEN) == presence_b
    assert sim.current_presence("token-a") is None
    assert [c.token for c in sim.connections] == ["token-a", OTHER_TOKEN]
