"""A broken or hostile server cannot kill, freeze or silence the client (issue 7 §13).

Each hostile input must end as a recycled connection (closed by us with 4000,
then resumed or identified again) with ``run()`` still running, never as a
dead runner, a live connection without heartbeats, or a 4008.
"""

from __future__ import annotations

import json
import logging
import random
from typing import TYPE_CHECKING, Any

import pytest

from custom_components.discord_presence.gateway import (
    MAX_SEQ,
    Activity,
    ConnectionState,
    Dialect,
    Presence,
)
from custom_components.discord_presence.gateway.ratelimit import (
    PRESENCE_LIMIT,
    PRESENCE_PERIOD,
    WINDOW_MARGIN,
)
from tests.gateway.conftest import (
    INTERVAL_MS,
    SEED,
    TOKEN,
    Harness,
    advance_until,
    loud_records,
)

if TYPE_CHECKING:
    from simulator.records import ConnectionRecord

INTERVAL = INTERVAL_MS / 1000
LOGGER = "custom_components.discord_presence"


async def _recycled_by_us(h: Harness, record: ConnectionRecord) -> None:
    await h.sim.wait_for(lambda: not record.open)
    assert record.closed_by == "client"
    assert record.close_code == 4000  # resumable: we mean to come back
    assert h.task is not None
    assert not h.task.done()  # run() goes on


async def test_deeply_nested_json_recycles(h: Harness, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger=LOGGER)
    h.start()
    await h.ready()
    first = h.sim.connections[0]
    await h.sim.send_raw("[" * 100_000)  # RecursionError inside json.loads
    await _recycled_by_us(h, first)
    await h.reconnected(2)
    assert h.sim.connections[1].resumes
    assert loud_records(caplog) == []  # a protocol error, not a crash


@pytest.mark.parametrize(
    "interval",
    [
        10**400,  # OverflowError in float()
        float("inf"),
        float("nan"),
        2**63,
        0,
        -41_250,
        999,  # below the accepted 1 s
        3_600_001,  # above the accepted 1 h
        "41250",
        True,
        None,
    ],
    ids=[
        "400 digits",
        "inf",
        "nan",
        "2**63",
        "zero",
        "negative",
        "999 ms",
        "1 h + 1 ms",
        "string",
        "bool",
        "missing",
    ],
)
async def test_unusable_hello_interval_is_refused(
    h: Harness, caplog: pytest.LogCaptureFixture, interval: Any
) -> None:
    caplog.set_level(logging.DEBUG, logger=LOGGER)
    h.sim.hello_data = {"heartbeat_interval": interval}
    h.start()
    await h.sim.wait_for(lambda: bool(h.sim.connections))
    first = h.sim.connections[0]
    await _recycled_by_us(h, first)
    # Refused before going live: no IDENTIFY spent, no heartbeat schedule.
    assert first.identifies == []
    assert first.heartbeats == []
    h.sim.hello_data = None
    await h.until_connected_advancing()
    assert h.states.count(ConnectionState.CONNECTED) == 1
    assert loud_records(caplog) == []


@pytest.mark.parametrize("interval", [1_000, 3_600_000], ids=["1 s", "1 h"])
async def test_hello_interval_range_edges_are_accepted(h: Harness, interval: int) -> None:
    h.sim.hello_data = {"heartbeat_interval": interval}
    h.start()
    await h.ready()
    await h.clock.advance(interval / 1000)  # the jittered first beat is due by now
    record = h.sim.connections[0]
    await h.sim.wait_for(lambda: bool(record.heartbeats))
    assert record.open


@pytest.mark.parametrize(
    "interval", [10**400, float("inf"), 0, None], ids=["400 digits", "inf", "zero", "missing"]
)
async def test_legacy_unusable_ready_interval_is_refused(
    lh: Harness, caplog: pytest.LogCaptureFixture, interval: Any
) -> None:
    """Legacy learns the interval from READY: without a usable one it must not go live deaf."""
    caplog.set_level(logging.DEBUG, logger=LOGGER)
    lh.sim.ready_extra = {"heartbeat_interval": interval}
    lh.start(dialect=Dialect.LEGACY)
    await lh.sim.wait_for(lambda: bool(lh.sim.connections))
    first = lh.sim.connections[0]
    await _recycled_by_us(lh, first)
    assert ConnectionState.CONNECTED not in lh.states
    lh.sim.ready_extra = None
    await lh.until_connected_advancing()
    assert loud_records(caplog) == []


@pytest.mark.parametrize(
    "seq", ["9" * 4000, str(MAX_SEQ), "-1"], ids=["4000 digits", "2**53", "-1"]
)
async def test_absurd_seq_is_refused_and_heartbeats_stay_small(
    h: Harness, caplog: pytest.LogCaptureFixture, seq: str
) -> None:
    caplog.set_level(logging.DEBUG, logger=LOGGER)
    h.start()
    await h.ready()
    first = h.sim.connections[0]
    await h.sim.send_raw('{"op":0,"t":"TYPING_START","s":' + seq + ',"d":{}}')
    await _recycled_by_us(h, first)
    await h.reconnected(2)
    second = h.sim.connections[1]
    assert second.resumes[0]["seq"] == 1  # the last sane seq (READY's)
    await h.clock.advance(2 * INTERVAL)
    await h.sim.wait_for(lambda: len(second.heartbeats) >= 1)
    assert all(len(json.dumps(d)) < 32 for _, d in second.heartbeats)
    assert all(c.close_code != 4002 for c in h.sim.connections)
    assert loud_records(caplog) == []


async def test_largest_sane_seq_is_kept(h: Harness) -> None:
    h.start()
    await h.ready()
    record = h.sim.connections[0]
    await h.sim.send_raw('{"op":0,"t":"TYPING_START","s":' + str(MAX_SEQ - 1) + ',"d":{}}')
    await h.sim.request_heartbeat()
    await h.sim.wait_for(lambda: bool(record.heartbeats))
    assert record.heartbeats[-1][1] == MAX_SEQ - 1
    assert record.open


@pytest.mark.parametrize(
    "frame",
    [
        {"op": 10, "d": {"heartbeat_interval": INTERVAL_MS}},  # a second HELLO
        {"op": 0, "t": "RESUMED", "s": None, "d": {}},  # no resume pending
        {"op": 0, "t": "READY", "s": None, "d": {}},  # a second READY
    ],
    ids=["second HELLO", "RESUMED unasked", "second READY"],
)
async def test_protocol_order_violations_recycle(
    h: Harness, caplog: pytest.LogCaptureFixture, frame: dict[str, Any]
) -> None:
    caplog.set_level(logging.DEBUG, logger=LOGGER)
    h.start()
    await h.ready()
    first = h.sim.connections[0]
    await h.sim.send_raw(json.dumps(frame))
    await _recycled_by_us(h, first)
    await h.reconnected(2)
    assert h.sim.connections[1].resumes
    assert loud_records(caplog) == []


@pytest.mark.parametrize("task", ["heartbeat", "presence"])
async def test_a_dying_connection_task_recycles_and_is_logged_once(
    h: Harness, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch, task: str
) -> None:
    """A plain bug in any background task: ERROR with traceback once, then DEBUG; recycled."""
    caplog.set_level(logging.DEBUG, logger=LOGGER)
    h.start()
    await h.ready()
    client = h.c

    async def break_once() -> None:
        def broken(*args: Any, **kwargs: Any) -> Any:
            monkeypatch.undo()
            raise RuntimeError(f"bug in the {task} task")

        conn = client._supervisor.conn
        assert conn is not None
        if task == "heartbeat":
            monkeypatch.setattr(client._codec, "heartbeat", broken)
            await h.clock.advance(INTERVAL)
        elif task == "presence":
            # The op 3 leaves within update_presence() (issue 9); its size check comes first.
            original = client._codec.presence_update
            checked: list[bool] = []

            def broken_send(*args: Any, **kwargs: Any) -> Any:
                if not checked:
                    checked.append(True)
                    return original(*args, **kwargs)
                return broken(*args, **kwargs)

            monkeypatch.setattr(client._codec, "presence_update", broken_send)
            client.update_presence(Presence(activity=Activity(f"game {len(h.sim.connections)}")))

    for n in (1, 2):
        record = h.sim.connections[n - 1]
        await break_once()
        await _recycled_by_us(h, record)
        await h.reconnected(n + 1)
        assert h.sim.connections[n].resumes
    errors = [r for r in caplog.records if r.name.startswith(LOGGER) and r.levelno >= logging.ERROR]
    assert len(errors) == 1  # the second death of the same kind is DEBUG
    assert errors[0].exc_info is not None
    assert f"bug in the {task} task" in str(errors[0].exc_info[1])
    repeats = [r for r in caplog.records if r.exc_info and r.levelno == logging.DEBUG]
    assert len(repeats) == 1
    assert h.c.snapshot().state is ConnectionState.CONNECTED


async def test_a_dying_ping_task_recycles_and_is_logged_once(
    lh: Harness, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The liveness PING task dying is a bug like any other: ERROR once, then DEBUG; recycled.

    Legacy: its server never ACKs, so a PING goes out every interval (a v10
    bot that hears its ACKs sends none).
    """
    caplog.set_level(logging.DEBUG, logger=LOGGER)
    lh.start(dialect=Dialect.LEGACY)
    await lh.ready()
    for n in (1, 2):
        conn = lh.c._supervisor.conn
        assert conn is not None

        def broken(*args: Any, **kwargs: Any) -> Any:
            monkeypatch.undo()
            raise RuntimeError("bug in the ping task")

        monkeypatch.setattr(conn.ws, "ping", broken)
        record = lh.sim.connections[n - 1]
        await advance_until(lh.clock, lambda r=record: not r.open, step=1, limit=2 * INTERVAL)
        await _recycled_by_us(lh, record)
        await lh.reconnected(n + 1)
    errors = [r for r in caplog.records if r.name.startswith(LOGGER) and r.levelno >= logging.ERROR]
    assert len(errors) == 1  # the second death of the same kind is DEBUG
    assert errors[0].exc_info is not None
    assert "bug in the ping task" in str(errors[0].exc_info[1])
    assert lh.c.snapshot().state is ConnectionState.CONNECTED


async def test_v10_bot_that_hears_its_acks_sends_no_ping(
    h: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 9: an idle v10 bot costs one heartbeat per interval, no PING beside it."""
    h.start()
    await h.ready()
    conn = h.c._supervisor.conn
    assert conn is not None
    pings: list[bool] = []
    original = conn.ws.ping

    async def counting(*args: Any, **kwargs: Any) -> None:
        pings.append(True)
        await original(*args, **kwargs)

    monkeypatch.setattr(conn.ws, "ping", counting)
    for _ in range(10):
        await h.clock.advance(INTERVAL)
    assert len(h.sim.connections[0].heartbeats) >= 9
    assert pings == []
    # Once nothing arrives (ACKs withheld), the probe pings again.
    await h.sim.withhold_acks()
    await advance_until(h.clock, lambda: bool(pings), step=1, limit=3 * INTERVAL)


async def test_presence_bursts_across_window_edges_never_rate_limited(h: Harness) -> None:
    """A seeded campaign of presence changes: the simulator never counts 6 in 20 s."""
    h.start()
    await h.ready()
    rng = random.Random(SEED)
    steps = [0.05, 0.1, 1 / 3, 0.7, 2.9, 4.0, 19.9, 20.0]
    for i in range(200):
        h.c.update_presence(Presence(activity=Activity(f"game {i}")))
        # An op 3 may leave within the call (issue 9): let it reach the server
        # before virtual time moves on, as a real link's latency is far below
        # WINDOW_MARGIN.
        sent = h.c.snapshot().stats.presence_updates_sent
        await h.sim.wait_for(lambda: len(h.sim.presences) == sent)  # noqa: B023
        await h.clock.advance(rng.choice(steps))
    await h.clock.advance(PRESENCE_PERIOD + WINDOW_MARGIN)
    await h.sim.wait_for(
        lambda: (
            (h.sim.current_presence(TOKEN) or {}).get("activities")
            == [{"name": "game 199", "type": 0}]
        )
    )
    assert len(h.sim.connections) == 1
    assert h.sim.connections[0].open
    times = [t for t, _ in h.sim.connections[0].presences]
    assert len(times) > 3 * PRESENCE_LIMIT  # the campaign really crossed many window edges
    spans = [b - a for a, b in zip(times, times[PRESENCE_LIMIT:], strict=False)]
    # As the server counts: every 6th update leaves more than the window after the 1st.
    assert min(spans) >= PRESENCE_PERIOD + WINDOW_MARGIN - 1e-6
