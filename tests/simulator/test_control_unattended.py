"""The control endpoint's issue 7 faults, for tools that drive the simulator over HTTP."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest

from tests.simulator.helpers import OTHER_TOKEN, TOKEN, connect


async def _post(http, sim, body) -> tuple[int, dict]:
    async with http.post(f"{sim.base_url}/_sim/fault", json=body) as response:
        return response.status, await response.json()


async def _limit(http, sim, token: str = TOKEN) -> dict:
    async with http.get(
        f"{sim.api_url}/gateway/bot", headers={"Authorization": f"Bot {token}"}
    ) as response:
        return (await response.json())["session_start_limit"]  # type: ignore[no-any-return]


async def test_blackhole_over_http(sim, http) -> None:
    first = await connect(http, sim)
    second = await connect(http, sim)
    assert await _post(http, sim, {"fault": "blackhole", "connection": 1}) == (200, {"ok": True})
    assert not first.ws.closed
    assert sim.connections[0].blackholed
    assert not sim.connections[1].blackholed
    await second.send({"op": 1, "d": None})
    assert (await second.recv())["op"] == 11


async def test_send_raw_over_http(sim, http) -> None:
    raw = await connect(http, sim)
    body = {"fault": "send_raw", "data": '{"op": 1, "d": "x"}', "binary": True}
    assert (await _post(http, sim, body))[0] == 200
    msg = await raw.ws.receive(timeout=5)
    assert (msg.type, msg.data) == (aiohttp.WSMsgType.BINARY, b'{"op": 1, "d": "x"}')


async def test_forget_sessions_over_http(sim, http) -> None:
    raw = await connect(http, sim)
    session_id = (await raw.identify())["d"]["session_id"]
    assert (await _post(http, sim, {"fault": "forget_sessions"}))[0] == 200
    assert session_id not in sim.hub.sessions


async def test_refuse_gateway_over_http(sim, http) -> None:
    assert (await _post(http, sim, {"fault": "refuse_gateway", "status": 502}))[0] == 200
    with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
        await connect(http, sim)
    assert refused.value.status == 502
    assert (await _post(http, sim, {"fault": "refuse_gateway", "status": None}))[0] == 200
    raw = await connect(http, sim)
    assert (await raw.identify())["t"] == "READY"
    assert [u.status for u in sim.rejected_upgrades] == [502]
    await raw.close()


async def test_silent_gateway_over_http(sim, http) -> None:
    assert (await _post(http, sim, {"fault": "silent_gateway", "enabled": True}))[0] == 200
    attempt = asyncio.create_task(connect(http, sim))
    await sim.wait_for(lambda: sim.held_requests == 1)
    assert (await _post(http, sim, {"fault": "silent_gateway", "enabled": False}))[0] == 200
    raw = await attempt
    assert (await raw.identify())["t"] == "READY"
    assert sim.rejected_upgrades[0].released


async def test_fail_rest_over_http(sim, http) -> None:
    body = {"fault": "fail_rest", "path": "/gateway/bot", "status": 429, "count": 1}
    assert (await _post(http, sim, {**body, "retry_after": 0.25}))[0] == 200
    async with http.get(
        f"{sim.api_url}/gateway/bot", headers={"Authorization": f"Bot {TOKEN}"}
    ) as response:
        assert response.status == 429
        assert response.headers["Retry-After"] == "1"
        assert (await response.json())["retry_after"] == 0.25
    assert (await _limit(http, sim))["remaining"] == 1000


async def test_fail_rest_hang_over_http(sim, http) -> None:
    body = {"fault": "fail_rest", "path": "/users/@me", "hang": True}
    assert (await _post(http, sim, body))[0] == 200
    request = asyncio.create_task(http.get(f"{sim.api_url}/users/@me"))
    await sim.wait_for(lambda: sim.held_requests == 1)
    sim.clear_rest_failures()
    async with await request as response:
        assert response.status == 401  # answered normally (no token given)


async def test_session_start_limit_over_http(sim, http, clock) -> None:
    body = {"fault": "session_start_limit", "token": TOKEN, "remaining": 5, "reset_after": 10}
    assert (await _post(http, sim, body))[0] == 200
    assert await _limit(http, sim) == {
        "total": 1000,
        "remaining": 5,
        "reset_after": 10_000,
        "max_concurrency": 1,
    }
    assert (await _limit(http, sim, OTHER_TOKEN))["remaining"] == 1000
    # without a token: every account, as sim.tokens lists them
    assert sim.tokens == [TOKEN, OTHER_TOKEN]
    assert (await _post(http, sim, {"fault": "session_start_limit", "remaining": 2}))[0] == 200
    assert [(await _limit(http, sim, t))["remaining"] for t in (TOKEN, OTHER_TOKEN)] == [2, 2]


async def test_records_carry_the_new_records(sim, http) -> None:
    sim.fail_rest("/gateway", 503, count=1)
    sim.refuse_gateway(503, count=1)
    async with http.get(f"{sim.api_url}/gateway") as response:
        assert response.status == 503
    with pytest.raises(aiohttp.WSServerHandshakeError):
        await connect(http, sim)
    raw = await connect(http, sim)
    await sim.send_raw(b"\x01\x02", encode=False)
    await raw.ws.receive(timeout=5)
    await sim.blackhole()
    async with http.get(f"{sim.base_url}/_sim/records") as response:
        records = await response.json()
    assert records["rest_requests"] == [
        {
            "t": 0.0,
            "api": "v10",
            "path": "/gateway",
            "fault": "status",
            "status": 503,
            "outcome": None,
        }
    ]
    assert records["rejected_upgrades"] == [
        {
            "t": 0.0,
            "dialect": "v10",
            "query": "v=10&encoding=json",
            "status": 503,
            "outcome": None,
            "released": False,
        }
    ]
    assert records["lifecycle"] == [[0.0, "start"]]
    [connection] = records["connections"]
    assert connection["raw_sent"] == [{"hex": "0102"}]
    assert connection["blackholed_at"] == 0.0


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"fault": "fail_rest", "path": "/nope"}, 400),
        ({"fault": "fail_rest", "path": "/gateway", "count": "2"}, 400),
        ({"fault": "fail_rest", "path": "/gateway", "hang": "yes"}, 400),
        ({"fault": "refuse_gateway", "status": 99}, 400),
        ({"fault": "silent_gateway", "enabled": 1}, 400),
        ({"fault": "send_raw", "data": 5}, 400),
        ({"fault": "session_start_limit", "token": "nope", "remaining": 1}, 404),
        ({"fault": "session_start_limit", "remaining": -1}, 400),
        ({"fault": "session_start_limit", "reset_after": "soon"}, 400),
        ({"fault": "blackhole", "connection": 99}, 409),
    ],
)
async def test_bad_new_fault_requests(sim, http, body, status) -> None:
    code, answer = await _post(http, sim, body)
    assert (code, answer["ok"]) == (status, False)
    assert "nope" not in answer["error"]  # tokens are never echoed
