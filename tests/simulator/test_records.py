"""wait_for is event-driven; records track the connection life cycle."""

from __future__ import annotations

import asyncio

import pytest

from simulator import ConnectionRecord, Simulator, SystemClock
from tests.simulator.helpers import TOKEN, connect


async def test_wait_for_wakes_on_a_recorded_event(sim, http) -> None:
    raw = await connect(http, sim)
    waiter = asyncio.create_task(sim.wait_for(lambda: bool(sim.connections[0].heartbeats)))
    await asyncio.sleep(0)
    assert not waiter.done()
    await raw.send({"op": 1, "d": None})
    await waiter
    assert sim.connections[0].heartbeats[0][1] is None


async def test_wait_for_returns_at_once_when_already_true(sim) -> None:
    await sim.wait_for(lambda: True, timeout=0)


async def test_wait_for_times_out(sim) -> None:
    with pytest.raises(TimeoutError):
        await sim.wait_for(lambda: False, timeout=0.01)


async def test_record_to_json_round_trip() -> None:
    record = ConnectionRecord(id=3, dialect="v10", compression="none")
    record.heartbeats.append((1.0, 5))
    assert record.to_json()["heartbeats"] == [[1.0, 5]]
    assert record.to_json()["open"] is True


async def test_system_clock_defaults(http) -> None:
    clock = SystemClock()
    before = clock.monotonic()
    await clock.sleep(0)
    assert clock.monotonic() >= before
    assert clock.time() > 1_600_000_000
    async with Simulator() as sim:  # real clock, default 41.25 s interval
        sim.add_account(TOKEN, user_id=1, username="u")
        raw = await connect(http, sim, hello=False)
        assert (await raw.recv())["d"]["heartbeat_interval"] == 41250
        ready = await raw.identify()
        assert ready["d"]["user"]["id"] == "1"
        assert sim.account(TOKEN) is not None
    assert not sim.connections[0].open
    assert sim.connections[0].closed_by == "drop"  # stop() drops live sockets
