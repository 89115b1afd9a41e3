"""Sessions: resume with replay, 4007, op 9, expiry and who ends a session."""

from __future__ import annotations

from tests.simulator.helpers import TOKEN, connect


def resume(session_id: str, seq: int | None, token: str = TOKEN) -> dict[str, object]:
    return {"op": 6, "d": {"token": token, "session_id": session_id, "seq": seq}}


async def _session_with_dispatches(sim, http):
    raw = await connect(http, sim)
    ready = await raw.identify()
    await sim.dispatch("GUILD_CREATE", {"id": "1"})
    await sim.dispatch("MESSAGE_CREATE", {"id": "2"})
    assert [(await raw.recv())["s"] for _ in range(2)] == [2, 3]
    return raw, ready["d"]["session_id"]


async def test_resume_replays_missed_dispatches_then_resumed(sim, http) -> None:
    raw, session_id = await _session_with_dispatches(sim, http)
    await sim.drop()
    await sim.wait_for(lambda: not sim.connections[0].open)
    assert sim.connections[0].closed_by == "drop"
    assert sim.connections[0].close_code is None
    assert await raw.expect_close() != 1000

    again = await connect(http, sim)
    await again.send(resume(session_id, 1))
    replay = [await again.recv() for _ in range(3)]
    assert [(f["s"], f["t"]) for f in replay] == [
        (2, "GUILD_CREATE"),
        (3, "MESSAGE_CREATE"),
        (4, "RESUMED"),
    ]
    assert replay[0]["d"] == {"id": "1"}
    record = sim.connections[1]
    assert record.resumes == [{"token": TOKEN, "session_id": session_id, "seq": 1}]
    assert record.session_id == session_id
    assert record.identifies == []
    # authenticated after a resume: presence works, a second resume is 4005
    await again.send({"op": 1, "d": 4})
    assert (await again.recv())["op"] == 11
    await again.send(resume(session_id, 4))
    assert await again.expect_close() == 4005


async def test_resume_with_null_seq_replays_everything(sim, http) -> None:
    _, session_id = await _session_with_dispatches(sim, http)
    await sim.close(4000)
    again = await connect(http, sim)
    await again.send(resume(session_id, None))
    assert [(await again.recv())["t"] for _ in range(4)] == [
        "READY",
        "GUILD_CREATE",
        "MESSAGE_CREATE",
        "RESUMED",
    ]


async def test_seq_beyond_the_last_dispatch_closes_4007_and_ends_session(sim, http) -> None:
    _, session_id = await _session_with_dispatches(sim, http)
    await sim.drop()
    again = await connect(http, sim)
    await again.send(resume(session_id, 4))
    assert await again.expect_close() == 4007
    third = await connect(http, sim)
    await third.send(resume(session_id, 3))
    assert await third.recv() == {"op": 9, "d": False, "s": None, "t": None}


async def test_unknown_session_gets_op9_then_identify_works(sim, http) -> None:
    raw = await connect(http, sim)
    await raw.send(resume("no-such-session", 3))
    assert await raw.recv() == {"op": 9, "d": False, "s": None, "t": None}
    ready = await raw.identify()
    assert ready["s"] == 1


async def test_resume_with_another_tokens_session_gets_op9(sim, http) -> None:
    _, session_id = await _session_with_dispatches(sim, http)
    await sim.drop()
    raw = await connect(http, sim)
    await raw.send(resume(session_id, 1, token="token-b"))
    assert (await raw.recv())["op"] == 9


async def test_detached_session_expires(make_sim, http, clock) -> None:
    sim = await make_sim(heartbeat_interval_ms=10_000_000, session_ttl=30)
    raw = await connect(http, sim)
    session_id = (await raw.identify())["d"]["session_id"]
    await sim.drop()
    await sim.wait_for(lambda: not sim.connections[0].open)
    await clock.advance(30)
    again = await connect(http, sim)
    await again.send(resume(session_id, 1))
    assert (await again.recv())["d"] is False


async def test_client_close_1000_ends_the_session(sim, http) -> None:
    raw = await connect(http, sim)
    session_id = (await raw.identify())["d"]["session_id"]
    await raw.close()
    await sim.wait_for(lambda: not sim.connections[0].open)
    again = await connect(http, sim)
    await again.send(resume(session_id, 1))
    assert (await again.recv())["d"] is False


async def test_client_close_4000_keeps_the_session(sim, http) -> None:
    raw = await connect(http, sim)
    session_id = (await raw.identify())["d"]["session_id"]
    await raw.ws.close(code=4000)
    await sim.wait_for(lambda: not sim.connections[0].open)
    assert sim.connections[0].close_code == 4000
    assert sim.connections[0].closed_by == "client"
    again = await connect(http, sim)
    await again.send(resume(session_id, 1))
    assert (await again.recv())["t"] == "RESUMED"


async def test_server_close_4009_ends_the_session(sim, http, clock) -> None:
    raw = await connect(http, sim)
    session_id = (await raw.identify())["d"]["session_id"]
    await clock.advance(1.5)
    assert await raw.expect_close() == 4009
    await sim.wait_for(lambda: not sim.connections[0].open)
    again = await connect(http, sim)
    await again.send(resume(session_id, 1))
    assert (await again.recv())["d"] is False


async def test_resuming_while_the_old_socket_lives_closes_it_4000(sim, http) -> None:
    old = await connect(http, sim)
    session_id = (await old.identify())["d"]["session_id"]
    new = await connect(http, sim)
    await new.send(resume(session_id, 1))
    assert (await new.recv())["t"] == "RESUMED"
    assert await old.expect_close() == 4000
    await sim.wait_for(lambda: not sim.connections[0].open)
    # the old socket's end does not detach the session the new one holds
    await new.send({"op": 1, "d": 2})
    assert (await new.recv())["op"] == 11
    await new.ws.close(code=4000)
    await sim.wait_for(lambda: not sim.connections[1].open)
    third = await connect(http, sim)
    await third.send(resume(session_id, 2))
    assert (await third.recv())["t"] == "RESUMED"
