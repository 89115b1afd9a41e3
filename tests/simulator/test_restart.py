"""Issue 7 server-side losses: forgotten sessions, restarts and outages on the same port."""

from __future__ import annotations

import aiohttp
import pytest

from tests.simulator.helpers import TOKEN, connect


def resume(session_id: str, seq: int = 1) -> dict[str, object]:
    return {"op": 6, "d": {"token": TOKEN, "session_id": session_id, "seq": seq}}


async def test_forget_sessions_makes_resume_fail_with_op9(sim, http, clock) -> None:
    raw = await connect(http, sim)
    session_id = (await raw.identify())["d"]["session_id"]
    await raw.ws.close(code=4000)  # resumable
    await sim.wait_for(lambda: not sim.connections[0].open)
    assert session_id in sim.hub.sessions
    await clock.advance(3)
    sim.forget_sessions()
    again = await connect(http, sim)
    await again.send(resume(session_id))
    assert await again.recv() == {"op": 9, "d": False, "s": None, "t": None}
    assert sim.lifecycle[-1] == (3.0, "forget_sessions")


async def test_forget_sessions_leaves_live_connections_serving(sim, http) -> None:
    raw = await connect(http, sim)
    await raw.identify()
    sim.forget_sessions()
    await sim.dispatch("MESSAGE_CREATE", {"id": "1"})
    assert (await raw.recv())["s"] == 2
    await raw.send({"op": 1, "d": 2})
    assert (await raw.recv())["op"] == 11


async def test_restart_drops_sockets_and_listens_on_the_same_port(sim, http, clock) -> None:
    port = sim.port
    raw = await connect(http, sim)
    session_id = (await raw.identify())["d"]["session_id"]
    await clock.advance(1)  # within the 1.5 s heartbeat deadline
    await sim.restart()
    assert sim.port == port
    assert sim.running
    record = sim.connections[0]
    assert (record.open, record.closed_by, record.close_code) == (False, "drop", None)
    assert await raw.expect_close() != 1000  # the client saw the connection die
    again = await connect(http, sim)  # same URL, same port
    await again.send(resume(session_id))
    assert (await again.recv())["d"] is False  # sessions forgotten by default
    assert [event for _, event in sim.lifecycle] == ["start", "stop", "forget_sessions", "start"]
    assert sim.lifecycle[-1][0] == 1.0


async def test_restart_keeping_sessions_allows_resume(sim, http) -> None:
    raw = await connect(http, sim)
    session_id = (await raw.identify())["d"]["session_id"]
    await sim.restart(forget_sessions=False)
    await raw.expect_close()
    again = await connect(http, sim)
    await again.send(resume(session_id))
    assert (await again.recv())["t"] == "RESUMED"


async def test_stop_then_start_is_an_outage_on_the_same_port(sim, http, clock) -> None:
    port = sim.port
    await clock.advance(100)
    await sim.stop()
    assert not sim.running
    with pytest.raises(aiohttp.ClientConnectorError):
        await http.get(f"{sim.api_url}/gateway")
    await sim.start()
    assert sim.port == port
    async with http.get(
        f"{sim.api_url}/gateway/bot", headers={"Authorization": f"Bot {TOKEN}"}
    ) as response:
        limit = (await response.json())["session_start_limit"]
    # the 24 h window started with the first start and is not restarted by the outage
    assert limit["reset_after"] == (86_400 - 100) * 1000
    raw = await connect(http, sim)
    await raw.identify()
    assert len(sim.connections) == 1  # records are kept across the outage


async def test_faults_stay_set_across_a_restart(sim, http) -> None:
    sim.refuse_gateway(503)
    sim.fail_rest("/gateway", 500)
    await sim.restart()
    with pytest.raises(aiohttp.WSServerHandshakeError):
        await connect(http, sim)
    async with http.get(f"{sim.api_url}/gateway") as response:
        assert response.status == 500


async def test_start_twice_is_an_error(sim) -> None:
    with pytest.raises(RuntimeError):
        await sim.start()
