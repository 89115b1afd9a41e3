"""Entity writes per idle heartbeat, counted through Home Assistant against the simulator.

Home Assistant users run on small machines and every state write costs them
(recorder, websocket clients, automations). An idle bot must not rewrite its
entities because a heartbeat went out and its ACK came back. These tests count
writes (``async_write_ha_state`` calls and ``state_changed`` events); they do
not measure time.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any
from unittest.mock import patch

import pytest
from homeassistant.const import EVENT_STATE_CHANGED, STATE_UNAVAILABLE
from homeassistant.core import Event, callback
from homeassistant.helpers.entity import Entity

from .helpers import advance_until

if TYPE_CHECKING:
    from collections.abc import Generator

    from homeassistant.core import HomeAssistant
    from pytest_homeassistant_custom_component.common import MockConfigEntry

    from custom_components.discord_presence.coordinator import DiscordPresenceCoordinator
    from simulator import Simulator
    from tests.clock import ManualClock

LATENCY = "sensor.movie_night_latency"
HEARTBEATS = 4


class Writes:
    """Every entity write and every state_changed event, per entity."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self.events: Counter[str] = Counter()

    def clear(self) -> None:
        self.calls.clear()
        self.events.clear()


@pytest.fixture
def writes(hass: HomeAssistant) -> Generator[Writes]:
    """Count writes from here on (setup's own writes included until cleared)."""
    counted = Writes()
    original = Entity.async_write_ha_state

    def counting(entity: Entity) -> None:
        counted.calls[entity.entity_id] += 1
        original(entity)

    @callback
    def on_event(event: Event[Any]) -> None:
        counted.events[event.data["entity_id"]] += 1

    unsubscribe = hass.bus.async_listen(EVENT_STATE_CHANGED, on_event)
    with patch.object(Entity, "async_write_ha_state", counting):
        yield counted
    unsubscribe()


async def _one_heartbeat(
    hass: HomeAssistant, sim: Simulator, clock: ManualClock, coordinator: DiscordPresenceCoordinator
) -> None:
    """Advance virtual time until one more heartbeat went out and its ACK was handled."""
    conn = sim.connections[-1]
    beats = len(conn.heartbeats)
    frames_in = coordinator.data.stats.frames_in
    await advance_until(
        hass,
        clock,
        lambda: len(conn.heartbeats) > beats and coordinator.data.stats.frames_in > frames_in,
        step=2.0,
    )


async def test_idle_heartbeats_write_no_entity_state(
    hass: HomeAssistant,
    sim: Simulator,
    clock: ManualClock,
    writes: Writes,
    loaded_entry: MockConfigEntry,
) -> None:
    """Default entities: heartbeats and ACKs go by, no entity is written, counters stay fresh."""
    coordinator = loaded_entry.runtime_data.coordinator
    await _one_heartbeat(hass, sim, clock, coordinator)
    writes.clear()
    frames_in = coordinator.data.stats.frames_in
    beats = len(sim.connections[-1].heartbeats)

    for _ in range(HEARTBEATS):
        await _one_heartbeat(hass, sim, clock, coordinator)

    assert len(sim.connections[-1].heartbeats) - beats == HEARTBEATS
    # The ACKs reached the coordinator (diagnostics read them) without a push.
    assert coordinator.data.stats.frames_in - frames_in >= HEARTBEATS
    assert sim.connections[-1].open
    assert dict(writes.calls) == {}
    assert dict(writes.events) == {}


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_latency_sensor_writes_only_when_its_rounded_value_changes(
    hass: HomeAssistant,
    sim: Simulator,
    clock: ManualClock,
    writes: Writes,
    loaded_entry: MockConfigEntry,
) -> None:
    """Enabled latency sensor: one write per heartbeat whose whole-ms round trip changed."""
    coordinator = loaded_entry.runtime_data.coordinator
    await sim.delay(0.05)
    await advance_until(hass, clock, lambda: hass.states.get(LATENCY).state != STATE_UNAVAILABLE)
    assert float(hass.states.get(LATENCY).state) == pytest.approx(50.0)

    # The same round trip, heartbeat after heartbeat: nothing to write.
    writes.clear()
    for _ in range(HEARTBEATS):
        await _one_heartbeat(hass, sim, clock, coordinator)
    assert dict(writes.events) == {}
    assert dict(writes.calls) == {}

    # A round trip that differs only below a millisecond: still nothing.
    await sim.delay(0.0502)
    await _one_heartbeat(hass, sim, clock, coordinator)
    assert coordinator.data.latency == pytest.approx(0.0502)
    assert dict(writes.events) == {}

    # A new whole-ms value on every heartbeat: exactly one state_changed each, the latency sensor's.
    shown = []
    for ms in (60, 70, 80):
        await sim.delay(ms / 1000)
        await _one_heartbeat(hass, sim, clock, coordinator)
        shown.append(float(hass.states.get(LATENCY).state))
    assert shown == [60.0, 70.0, 80.0]
    assert dict(writes.events) == {LATENCY: 3}
