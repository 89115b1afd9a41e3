"""Sensors: connection state (always available) and heartbeat latency."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from homeassistant.const import STATE_UNAVAILABLE, Platform
from homeassistant.helpers import entity_registry as er

from custom_components.discord_presence.const import DOMAIN
from custom_components.discord_presence.gateway import GatewayUser
from custom_components.discord_presence.helpers import avatar_url

from .helpers import advance_until, snapshot_entities, wait_for_state

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant
    from pytest_homeassistant_custom_component.common import MockConfigEntry
    from syrupy.assertion import SnapshotAssertion

    from simulator import Simulator
    from tests.clock import ManualClock

CONNECTION = "sensor.movie_night_connection"
LATENCY = "sensor.movie_night_latency"


@pytest.fixture
def platforms() -> list[str]:
    """Only the sensor platform."""
    return [Platform.SENSOR]


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_sensors_snapshot(
    hass: HomeAssistant,
    sim: Simulator,
    *,
    clock: ManualClock,
    loaded_entry: MockConfigEntry,
    snapshot: SnapshotAssertion,
) -> None:
    """Entities and states once a heartbeat was acknowledged (50 ms virtual round trip)."""
    await sim.delay(0.05)  # the simulator answers every frame 50 ms (virtual) late
    await advance_until(hass, clock, lambda: hass.states.get(LATENCY).state != STATE_UNAVAILABLE)
    assert float(hass.states.get(LATENCY).state) == pytest.approx(50.0)
    await snapshot_entities(hass, snapshot, loaded_entry.entry_id, domain="sensor")


async def test_latency_disabled_by_default(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, entity_registry: er.EntityRegistry
) -> None:
    """The latency sensor exists but is disabled until the user enables it."""
    entry = entity_registry.async_get(LATENCY)
    assert entry is not None
    assert entry.disabled_by is er.RegistryEntryDisabler.INTEGRATION
    assert entry.unique_id == f"{loaded_entry.unique_id}_latency"
    assert hass.states.get(LATENCY) is None


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_connection_sensor_follows_faults(
    hass: HomeAssistant, sim: Simulator, clock: ManualClock, loaded_entry: MockConfigEntry
) -> None:
    """Server reconnect request and invalid session: the sensor walks the states and recovers.

    The connection sensor stays available throughout; latency goes unavailable
    while the connection is down.
    """
    await sim.delay(0.05)
    await advance_until(hass, clock, lambda: hass.states.get(LATENCY).state != STATE_UNAVAILABLE)
    await sim.delay(0)
    await sim.reconnect()  # op 7: resume on a new connection
    await wait_for_state(hass, CONNECTION, "reconnecting")
    assert hass.states.get(LATENCY).state == STATE_UNAVAILABLE
    await advance_until(hass, clock, lambda: hass.states.get(CONNECTION).state == "connected")
    assert sim.connections[-1].resumes
    await sim.invalid_session(resumable=False)  # op 9 false: a new session after 1-5 s
    await wait_for_state(hass, CONNECTION, "reconnecting")
    await advance_until(hass, clock, lambda: hass.states.get(CONNECTION).state == "connected")
    assert len(sim.connections[-1].identifies) == 1
    state = hass.states.get(CONNECTION)
    assert state.attributes["last_close_code"] is not None
    assert DOMAIN in loaded_entry.domain


async def test_update_entity_keeps_pushed_state(
    hass: HomeAssistant, loaded_entry: MockConfigEntry
) -> None:
    """homeassistant.update_entity on a push entity re-reads the state, never fails."""
    from homeassistant.setup import async_setup_component

    assert await async_setup_component(hass, "homeassistant", {})
    await hass.services.async_call(
        "homeassistant", "update_entity", {"entity_id": CONNECTION}, blocking=True
    )
    assert hass.states.get(CONNECTION).state == "connected"
    assert loaded_entry.runtime_data.coordinator.last_update_success


@pytest.mark.parametrize(
    ("api_url", "avatar", "expected"),
    [
        (
            "https://discord.com/api/v10",
            "0123456789abcdef0123456789abcdef",
            "https://cdn.discordapp.com/avatars/42/0123456789abcdef0123456789abcdef.png?size=128",
        ),
        (
            "https://discord.com/api/v10",
            "a_0123456789abcdef0123456789abcdef",
            "https://cdn.discordapp.com/avatars/42/a_0123456789abcdef0123456789abcdef.gif?size=128",
        ),
        ("https://discord.com/api/v10", None, None),  # Discord's default avatar
        ("http://127.0.0.1:8765/api/v10", "0123456789abcdef0123456789abcdef", None),
    ],
)
def test_avatar_url_for_the_card(api_url: str, avatar: str | None, expected: str | None) -> None:
    """Discord's CDN for a bot on Discord with an avatar set; nothing for other servers."""
    user = GatewayUser(id="42", username="bot", global_name=None, bot=True, avatar=avatar)
    assert avatar_url(api_url, user) == expected
    assert avatar_url(api_url, None) is None
