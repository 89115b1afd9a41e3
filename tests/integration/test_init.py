"""Setup, unload, runtime behaviour and persistence of an entry."""

from __future__ import annotations

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.discord_presence.const import DOMAIN
from simulator import Simulator

from .conftest import TOKEN


async def test_setup_and_unload(
    hass: HomeAssistant, sim: Simulator, loaded_entry: MockConfigEntry
) -> None:
    """The entry connects (identify with the token) and closes with 1000 on unload."""
    assert loaded_entry.state is ConfigEntryState.LOADED
    assert len(sim.connections) == 1
    conn = sim.connections[0]
    assert conn.open
    assert conn.identifies[0]["token"] == TOKEN
    assert hass.states.get("sensor.movie_night_connection").state == "connected"
    assert await hass.config_entries.async_unload(loaded_entry.entry_id)
    await hass.async_block_till_done()
    assert loaded_entry.state is ConfigEntryState.NOT_LOADED
    await sim.wait_for(lambda: not conn.open)
    assert conn.closed_by == "client"
    assert conn.close_code == 1000
    assert DOMAIN
