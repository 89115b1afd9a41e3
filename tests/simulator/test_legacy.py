"""The seed's 2016 dialect: client speaks first, READY carries heartbeat_interval."""

from __future__ import annotations

import json

import pytest

from tests.simulator.helpers import LEGACY_PROPERTIES, TOKEN, connect_legacy, legacy_identify

GAME = {"game": {"name": "Movie night"}, "idle_since": None}


async def test_client_speaks_first_and_ready_carries_the_interval(legacy_sim, http) -> None:
    async with http.get(f"{legacy_sim.api_url}/gateway") as response:
        url = (await response.json())["url"]
    ws = await http.ws_connect(url)
    await ws.send_str(json.dumps(legacy_identify()))
    ready = await ws.receive_json(timeout=5)  # the first frame: no HELLO came before
    assert ready["op"] == 0
    assert ready["t"] == "READY"
    assert ready["s"] == 1
    assert ready["d"]["heartbeat_interval"] == 1000
    assert ready["d"]["v"] == 3
    assert ready["d"]["user"]["id"] == "111"
    assert ready["d"]["session_id"] == legacy_sim.connections[0].session_id
    assert legacy_sim.connections[0].dialect == "legacy"
    assert legacy_sim.gateway_requests == 1
    await ws.close()


async def test_compress_true_sends_each_dispatch_as_a_complete_zlib_stream(
    legacy_sim, http
) -> None:
    raw = await connect_legacy(http, legacy_sim)
    await raw.send(legacy_identify(compress=True))
    ready = await raw.recv()  # helpers: zlib.decompress on the single binary frame
    assert ready["t"] == "READY"
    assert raw.binary_frames == 1
    await legacy_sim.dispatch("GUILD_CREATE", {"id": "1"})
    assert (await raw.recv())["t"] == "GUILD_CREATE"
    assert raw.binary_frames == 2
    await legacy_sim.reconnect()  # non-dispatch opcodes stay text
    assert await raw.recv() == {
        "op": 7,
        "d": {"url": legacy_sim.gateway_url},
        "s": None,
        "t": None,
    }
    assert raw.binary_frames == 2
    assert legacy_sim.connections[0].compression == "zlib-payload"


async def test_heartbeats_carry_timestamps_and_are_not_acked(legacy_sim, http, clock) -> None:
    raw = await connect_legacy(http, legacy_sim)
    await raw.send(legacy_identify())
    await raw.recv()
    await raw.send({"op": 1, "d": "1450996513618"})
    await legacy_sim.wait_for(lambda: len(legacy_sim.connections[0].heartbeats) == 1)
    await clock.advance(0.5)
    await raw.send({"op": 1, "d": 1450996514118})
    await legacy_sim.wait_for(lambda: len(legacy_sim.connections[0].heartbeats) == 2)
    assert legacy_sim.connections[0].heartbeats == [
        (0.0, "1450996513618"),
        (0.5, 1450996514118),
    ]
    await legacy_sim.reconnect()
    assert (await raw.recv())["op"] == 7  # the next frame: no ACK was sent


async def test_status_update_is_recorded(legacy_sim, http) -> None:
    raw = await connect_legacy(http, legacy_sim)
    await raw.send(legacy_identify())
    await raw.recv()
    idle = {"game": None, "idle_since": 1450996513618}
    await raw.send({"op": 3, "d": GAME})
    await raw.send({"op": 3, "d": idle})
    await legacy_sim.wait_for(lambda: len(legacy_sim.presences) == 2)
    assert legacy_sim.presences == [GAME, idle]
    assert legacy_sim.current_presence(TOKEN) == idle


async def test_heartbeat_timeout_after_ready(legacy_sim, http, clock) -> None:
    raw = await connect_legacy(http, legacy_sim)
    await clock.advance(60)  # no timeout before READY: the interval is not known yet
    await raw.send(legacy_identify())
    await raw.recv()
    await clock.advance(1.5)
    assert await raw.expect_close() == 4009


async def test_resume_in_legacy(legacy_sim, http, clock) -> None:
    raw = await connect_legacy(http, legacy_sim)
    await raw.send(legacy_identify())
    session_id = (await raw.recv())["d"]["session_id"]
    await legacy_sim.drop()
    again = await connect_legacy(http, legacy_sim)
    await again.send({"op": 6, "d": {"token": TOKEN, "session_id": session_id, "seq": 1}})
    resumed = await again.recv()
    assert resumed["t"] == "RESUMED"
    assert resumed["d"] == {"heartbeat_interval": 1000}
    await clock.advance(1.5)
    assert await again.expect_close() == 4009


def _without(key: str) -> dict[str, object]:
    frame = legacy_identify()
    del frame["d"][key]
    return frame


def _without_property(key: str) -> dict[str, object]:
    frame = legacy_identify()
    frame["d"]["properties"] = {k: v for k, v in LEGACY_PROPERTIES.items() if k != key}
    return frame


@pytest.mark.parametrize(
    ("frame", "code"),
    [
        (_without("token"), 4002),
        (_without("v"), 4002),
        (_without("large_threshold"), 4002),
        (_without("properties"), 4002),
        *[(_without_property(key), 4002) for key in LEGACY_PROPERTIES],
        (legacy_identify(compress="yes"), 4002),
        ({"op": 2, "d": None}, 4002),
        (legacy_identify(v=4), 4012),
        (legacy_identify(token="wrong"), 4004),
        ({"op": 3, "d": GAME}, 4003),
        ({"op": 10, "d": {}}, 4001),
        ({"op": 1, "d": "soon"}, 4002),
        ({"op": 1, "d": None}, 4002),
    ],
)
async def test_legacy_close_codes(legacy_sim, http, frame, code) -> None:
    raw = await connect_legacy(http, legacy_sim)
    await raw.send(frame)
    assert await raw.expect_close() == code


@pytest.mark.parametrize(
    "status",
    [
        "idle",
        {"game": {"name": "x"}},
        {"idle_since": None},
        {"game": "x", "idle_since": None},
        {"game": {}, "idle_since": None},
        {"game": None, "idle_since": "later"},
    ],
)
async def test_invalid_status_update_closes_4002(legacy_sim, http, status) -> None:
    raw = await connect_legacy(http, legacy_sim)
    await raw.send(legacy_identify())
    await raw.recv()
    await raw.send({"op": 3, "d": status})
    assert await raw.expect_close() == 4002
    assert legacy_sim.presences == []


async def test_second_identify_and_budget(legacy_sim, http) -> None:
    legacy_sim.add_account("one", user_id="9", username="o", session_start_remaining=1)
    raw = await connect_legacy(http, legacy_sim)
    await raw.send(legacy_identify("one"))
    await raw.recv()
    await raw.send(legacy_identify("one"))
    assert await raw.expect_close() == 4005
    again = await connect_legacy(http, legacy_sim)
    await again.send(legacy_identify("one"))
    assert await again.expect_close() == 4004


async def test_redirect_then_client_fetches_the_gateway_again(legacy_sim, http) -> None:
    raw = await connect_legacy(http, legacy_sim)
    await raw.send(legacy_identify())
    await raw.recv()
    await legacy_sim.reconnect()
    redirect = await raw.recv()
    await raw.close()
    async with http.get(f"{legacy_sim.api_url}/gateway") as response:
        url = (await response.json())["url"]
    assert url == redirect["d"]["url"]
    ws = await http.ws_connect(url)
    await ws.send_str(json.dumps(legacy_identify()))
    assert (await ws.receive_json(timeout=5))["t"] == "READY"
    await ws.close()
    assert legacy_sim.gateway_requests == 1
    assert len(legacy_sim.connections) == 2
