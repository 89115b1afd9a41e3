"""The HTTP control endpoint and the records it serves."""

from __future__ import annotations

import pytest

from tests.simulator.helpers import PRESENCE, connect


async def _post(http, sim, body) -> tuple[int, dict]:
    async with http.post(f"{sim.base_url}/_sim/fault", json=body) as response:
        return response.status, await response.json()


async def test_close_fault_over_http(sim, http) -> None:
    raw = await connect(http, sim)
    assert await _post(http, sim, {"fault": "close", "code": 4001}) == (200, {"ok": True})
    assert await raw.expect_close() == 4001


@pytest.mark.parametrize(
    ("body", "expected_op"),
    [
        ({"fault": "reconnect"}, 7),
        ({"fault": "invalid_session", "resumable": True}, 9),
        ({"fault": "request_heartbeat"}, 1),
        ({"fault": "request_heartbeat", "connection": 1}, 1),
    ],
)
async def test_frame_faults_over_http(sim, http, body, expected_op) -> None:
    raw = await connect(http, sim)
    assert (await _post(http, sim, body))[0] == 200
    assert (await raw.recv())["op"] == expected_op


async def test_state_faults_over_http(sim, http) -> None:
    raw = await connect(http, sim)
    assert (await _post(http, sim, {"fault": "withhold_acks"}))[0] == 200
    assert (await _post(http, sim, {"fault": "delay", "seconds": 0}))[0] == 200
    await raw.send({"op": 1, "d": None})
    await sim.wait_for(lambda: len(sim.connections[0].heartbeats) == 1)
    assert (await _post(http, sim, {"fault": "send_garbage"}))[0] == 200
    assert (await raw.ws.receive(timeout=5)).data == "}{ this is not json"
    assert (await _post(http, sim, {"fault": "drop"}))[0] == 200
    await sim.wait_for(lambda: not sim.connections[0].open)
    assert sim.connections[0].closed_by == "drop"


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"fault": "explode"}, 400),
        ([1], 400),
        ({"fault": "delay"}, 400),
        ({"fault": "delay", "seconds": True}, 400),
        ({"fault": "invalid_session", "resumable": "yes"}, 400),
        ({"fault": "drop", "connection": "1"}, 400),
        ({"fault": "drop", "connection": 99}, 409),
    ],
)
async def test_bad_fault_requests(sim, http, body, status) -> None:
    await connect(http, sim)
    code, answer = await _post(http, sim, body)
    assert code == status
    assert answer["ok"] is False
    assert answer["error"]


async def test_fault_without_connections_is_409(sim, http) -> None:
    assert (await _post(http, sim, {"fault": "drop"}))[0] == 409


async def test_fault_body_must_be_json(sim, http) -> None:
    async with http.post(f"{sim.base_url}/_sim/fault", data=b"{nope") as response:
        assert response.status == 400


async def test_records_endpoint(sim, http, clock) -> None:
    raw = await connect(http, sim)
    await raw.identify()
    await raw.send({"op": 1, "d": 1})
    await raw.send({"op": 3, "d": PRESENCE})
    await sim.wait_for(lambda: len(sim.presences) == 1)
    async with http.get(f"{sim.api_url}/gateway"):
        pass
    async with http.get(f"{sim.base_url}/_sim/records") as response:
        records = await response.json()
    assert records["presences"] == [PRESENCE]
    assert records["gateway_requests"] == 1
    [connection] = records["connections"]
    assert connection["id"] == 1
    assert connection["token"] == "token-a"
    assert connection["open"] is True
    assert connection["heartbeats"] == [[0.0, 1]]
    assert connection["presences"] == [[0.0, PRESENCE]]
    assert connection["identifies"][0]["intents"] == 0
    assert [f["op"] for f in connection["received"]] == [2, 1, 3]
    assert connection["closed_by"] is None
