"""The v10 gateway: HELLO, IDENTIFY, READY, heartbeats, presence and close codes."""

from __future__ import annotations

import json

import pytest

from tests.simulator.helpers import PRESENCE, PROPERTIES, TOKEN, connect


async def test_hello_identify_ready(sim, http) -> None:
    raw = await connect(http, sim, hello=False)
    hello = await raw.recv()
    assert hello == {
        "op": 10,
        "d": {"heartbeat_interval": 1000, "_trace": ["simulator"]},
        "s": None,
        "t": None,
    }
    ready = await raw.identify(presence=PRESENCE, shard=[0, 1], large_threshold=50)
    assert ready["op"] == 0
    assert ready["s"] == 1
    d = ready["d"]
    assert d["v"] == 10
    assert d["user"] == {
        "id": "111",
        "username": "bot-a",
        "global_name": "Bot A",
        "discriminator": "0",
        "avatar": None,
        "bot": True,
        "verified": True,
        "flags": 0,
        "mfa_enabled": False,
    }
    assert d["guilds"] == []
    assert d["resume_gateway_url"] == f"ws://127.0.0.1:{sim.port}/gateway"
    assert d["application"] == {"id": "111", "flags": 0}
    assert d["shard"] == [0, 1]
    record = sim.connections[0]
    assert record.session_id == d["session_id"]
    assert record.token == TOKEN
    assert record.compression == "none"
    assert record.identifies[0]["presence"] == PRESENCE
    assert sim.current_presence(TOKEN) == PRESENCE
    assert sim.presences == []  # IDENTIFY's presence is not an op 3
    assert [frame["op"] for frame in record.sent] == [10, 0]


async def test_heartbeat_is_acked_and_recorded(sim, http, clock) -> None:
    raw = await connect(http, sim)
    await raw.send({"op": 1, "d": None})  # allowed before IDENTIFY
    assert await raw.recv() == {"op": 11, "d": None, "s": None, "t": None}
    await raw.identify()
    await clock.advance(0.75)
    await raw.send({"op": 1, "d": 1})
    assert (await raw.recv())["op"] == 11
    assert sim.connections[0].heartbeats == [(0.0, None), (0.75, 1)]


async def test_presence_is_validated_and_recorded(sim, http, clock) -> None:
    raw = await connect(http, sim)
    await raw.identify()
    await clock.advance(0.25)
    custom = {
        "since": 0.0,  # discord.py sends a float; Discord accepts it
        "activities": [{"name": "Custom Status", "type": 4, "state": "hi", "url": None}],
        "status": "idle",
        "afk": True,
    }
    await raw.send({"op": 3, "d": PRESENCE})
    await raw.send({"op": 3, "d": custom})
    await sim.wait_for(lambda: len(sim.presences) == 2)
    assert sim.presences == [PRESENCE, custom]
    assert sim.connections[0].presences == [(0.25, PRESENCE), (0.25, custom)]
    assert sim.current_presence(TOKEN) == custom


async def test_ignored_but_valid_opcodes(sim, http) -> None:
    raw = await connect(http, sim)
    await raw.identify()
    await raw.send({"op": 8, "d": {"guild_id": "1"}})
    await raw.send({"op": 1, "d": 1})
    assert (await raw.recv())["op"] == 11  # still open, the op 8 was accepted
    assert sim.connections[0].received[-2]["op"] == 8


BAD_PRESENCES = [
    "not an object",
    {"activities": [], "status": "online", "afk": False},
    {"since": "x", "activities": [], "status": "online", "afk": False},
    {"since": True, "activities": [], "status": "online", "afk": False},
    {"since": None, "activities": [], "status": "busy", "afk": False},
    {"since": None, "activities": [], "status": "online", "afk": "no"},
    {"since": None, "activities": {}, "status": "online", "afk": False},
    {"since": None, "activities": ["x"], "status": "online", "afk": False},
    {"since": None, "activities": [{"type": 0}], "status": "online", "afk": False},
    {"since": None, "activities": [{"name": "a", "type": 9}], "status": "online", "afk": False},
    {"since": None, "activities": [{"name": "a", "type": True}], "status": "online", "afk": False},
    {
        "since": None,
        "activities": [{"name": "a", "type": 1, "url": 5}],
        "status": "dnd",
        "afk": False,
    },
]


@pytest.mark.parametrize("presence", BAD_PRESENCES)
async def test_invalid_presence_closes_4002(sim, http, presence) -> None:
    raw = await connect(http, sim)
    await raw.identify()
    await raw.send({"op": 3, "d": presence})
    assert await raw.expect_close() == 4002
    assert sim.presences == []
    record = sim.connections[0]
    await sim.wait_for(lambda: not record.open)
    assert (record.closed_by, record.close_code) == ("server", 4002)


def identify(**changes: object) -> dict[str, object]:
    d: dict[str, object] = {"token": TOKEN, "intents": 0, "properties": PROPERTIES}
    d.update(changes)
    return {"op": 2, "d": {k: v for k, v in d.items() if v is not None}}


@pytest.mark.parametrize(
    ("frame", "code"),
    [
        ("this is not json", 4002),
        ("[1, 2]", 4002),
        ('{"d": 1}', 4002),
        ('{"op": "1"}', 4002),
        (json.dumps({"op": 1, "d": "x" * 5000}), 4002),
        (json.dumps({"op": 1, "d": "now"}), 4002),
        (json.dumps({"op": 99}), 4001),
        (json.dumps({"op": 11}), 4001),
        (json.dumps({"op": 3, "d": PRESENCE}), 4003),
        (json.dumps({"op": 4, "d": {}}), 4003),
        (json.dumps({"op": 2, "d": "token"}), 4002),
        (json.dumps(identify(token="wrong")), 4004),
        (json.dumps(identify(token=5)), 4002),
        (json.dumps(identify(properties="linux")), 4002),
        (json.dumps(identify(properties={"os": "linux"})), 4002),
        (json.dumps(identify(intents=None)), 4002),
        (json.dumps(identify(intents="0")), 4002),
        (json.dumps(identify(intents=1 << 30)), 4013),
        (json.dumps(identify(intents=1 << 8)), 4014),
        (json.dumps(identify(compress="yes")), 4002),
        (json.dumps(identify(large_threshold=10)), 4002),
        (json.dumps(identify(shard=[0])), 4002),
        (json.dumps(identify(shard=[1, 1])), 4010),
        (json.dumps(identify(presence={"status": "dnd"})), 4002),
        (json.dumps({"op": 6, "d": {"token": TOKEN}}), 4002),
        (json.dumps({"op": 6, "d": {"token": TOKEN, "session_id": "s", "seq": "1"}}), 4002),
        (json.dumps({"op": 6, "d": {"token": "wrong", "session_id": "s", "seq": 1}}), 4004),
    ],
)
async def test_close_codes_before_identify(sim, http, frame, code) -> None:
    raw = await connect(http, sim)
    await raw.ws.send_str(frame)
    assert await raw.expect_close() == code
    record = sim.connections[0]
    assert (record.closed_by, record.close_code) == ("server", code)


async def test_binary_json_frames_are_accepted(sim, http) -> None:
    raw = await connect(http, sim)
    await raw.ws.send_bytes(json.dumps({"op": 1, "d": None}).encode())
    assert (await raw.recv())["op"] == 11


async def test_privileged_intents_allowed_when_enabled(sim, http) -> None:
    sim.add_account("members", user_id="3", username="m", privileged_intents=1 << 1)
    raw = await connect(http, sim)
    ready = await raw.identify("members", intents=(1 << 1) | 1)
    assert ready["d"]["user"]["id"] == "3"


async def test_second_identify_closes_4005(sim, http) -> None:
    raw = await connect(http, sim)
    await raw.identify()
    await raw.send(identify())
    assert await raw.expect_close() == 4005
    assert len(sim.connections[0].identifies) == 2


async def test_resume_after_identify_closes_4005(sim, http) -> None:
    raw = await connect(http, sim)
    ready = await raw.identify()
    sid = ready["d"]["session_id"]
    await raw.send({"op": 6, "d": {"token": TOKEN, "session_id": sid, "seq": 1}})
    assert await raw.expect_close() == 4005


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("encoding=json", 4012),
        ("v=9&encoding=json", 4012),
        ("v=10&encoding=etf", 4002),
        ("v=10&encoding=json&compress=brotli", 4002),
    ],
)
async def test_unsupported_query_closes_without_hello(sim, http, query, code) -> None:
    raw = await connect(http, sim, query=query, hello=False)
    assert await raw.expect_close() == code
    assert sim.connections[0].sent == []


async def test_path_without_trailing_slash_and_defaults(sim, http) -> None:
    ws = await http.ws_connect(f"{sim.hub.v10_url}?v=10")
    msg = await ws.receive_json(timeout=5)
    assert msg["op"] == 10
    await ws.close()


async def test_heartbeat_timeout_closes_4009(sim, http, clock) -> None:
    raw = await connect(http, sim)
    await raw.identify()
    await clock.advance(1.0)
    await raw.send({"op": 1, "d": 1})
    assert (await raw.recv())["op"] == 11
    await clock.advance(1.4)  # 2.4 s: within 1.5 x interval of the last heartbeat
    assert sim.connections[0].open
    assert sim.connections[0].closed_by is None
    await clock.advance(0.1)  # 2.5 s: 1.5 s without a heartbeat
    assert await raw.expect_close() == 4009
    assert sim.connections[0].closed_by == "server"


async def test_heartbeat_timeout_also_before_identify(sim, http, clock) -> None:
    raw = await connect(http, sim)
    await clock.advance(1.5)
    assert await raw.expect_close() == 4009


async def test_send_rate_limit_rolling_window(make_sim, http, clock) -> None:
    sim = await make_sim(heartbeat_interval_ms=10_000_000)
    raw = await connect(http, sim)
    for _ in range(60):
        await raw.send({"op": 1, "d": None})
    await sim.wait_for(lambda: len(sim.connections[0].heartbeats) == 60)
    await clock.advance(30)
    for _ in range(60):
        await raw.send({"op": 1, "d": None})
    await sim.wait_for(lambda: len(sim.connections[0].heartbeats) == 120)
    await clock.advance(30)  # the first 60 leave the window
    for _ in range(60):
        await raw.send({"op": 1, "d": None})
    await sim.wait_for(lambda: len(sim.connections[0].heartbeats) == 180)
    assert sim.connections[0].open
    await raw.send({"op": 1, "d": None})  # 121 within the last 60 s
    assert await raw.expect_close() == 4008
    assert len(sim.connections[0].heartbeats) == 180


async def test_presence_limit_5_per_20s_closes_4008(make_sim, http, clock) -> None:
    sim = await make_sim(heartbeat_interval_ms=10_000_000)
    raw = await connect(http, sim)
    await raw.identify()
    for _ in range(5):
        await raw.send({"op": 3, "d": PRESENCE})
    await sim.wait_for(lambda: len(sim.presences) == 5)
    await clock.advance(20)  # the window is rolling: the first five have expired
    for _ in range(5):
        await raw.send({"op": 3, "d": PRESENCE})
    await sim.wait_for(lambda: len(sim.presences) == 10)
    await clock.advance(19)
    await raw.send({"op": 3, "d": PRESENCE})
    assert await raw.expect_close() == 4008
    assert len(sim.presences) == 10
    assert sim.connections[0].received[-1]["op"] == 3


async def test_frames_after_a_close_decision_are_ignored(make_sim, http) -> None:
    sim = await make_sim(heartbeat_interval_ms=10_000_000)
    raw = await connect(http, sim)
    await sim.delay(5)
    await raw.send({"op": 99})
    await raw.send({"op": 1, "d": None})
    await sim.wait_for(lambda: len(sim.connections[0].received) == 1)
    assert sim.connections[0].heartbeats == []
