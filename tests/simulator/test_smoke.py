from __future__ import annotations

from tests.simulator.helpers import PRESENCE, connect


async def test_identify_heartbeat_presence(sim, http) -> None:
    raw = await connect(http, sim)
    ready = await raw.identify()
    assert ready["s"] == 1
    assert ready["d"]["user"]["id"] == "111"
    await raw.send({"op": 1, "d": 1})
    assert (await raw.recv())["op"] == 11
    await raw.send({"op": 3, "d": PRESENCE})
    await sim.wait_for(lambda: len(sim.presences) == 1)
    assert sim.presences == [PRESENCE]
    await raw.close()
    await sim.wait_for(lambda: not sim.connections[0].open)
    assert sim.connections[0].closed_by == "client"
    assert sim.connections[0].close_code == 1000
