"""The soak through Home Assistant: several accounts in one real HA, the same
seeded campaign, faults on one bot leave the others untouched, and the
connection sensor never says connected while the simulator has no live session.

``script/soak --ha`` runs this file; SOAK_SEED, SOAK_FAULTS and SOAK_ACCOUNTS
choose the campaign (defaults: a short one for the suite).
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING
from unittest.mock import patch

import pytest
from homeassistant.config_entries import ConfigEntryState

from custom_components.discord_presence.const import DOMAIN
from custom_components.discord_presence.coordinator import DiscordPresenceCoordinator
from soak.config import SoakConfig
from tests.soak.ha_fleet import HomeAssistantSoak

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant

SEED = int(os.environ.get("SOAK_SEED", "20261124"))
FAULTS = int(os.environ.get("SOAK_FAULTS", "80"))
ACCOUNTS = int(os.environ.get("SOAK_ACCOUNTS", "3"))


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(enable_custom_integrations: None) -> None:
    """Let Home Assistant load custom_components/discord_presence."""


async def test_campaign_through_home_assistant(hass: HomeAssistant) -> None:
    soak = HomeAssistantSoak(
        hass, SoakConfig(seed=SEED, faults=FAULTS, accounts=ACCOUNTS, memory=False)
    )

    stats = await soak.run()

    assert stats.breach is None, stats.breach
    assert stats.faults_applied == FAULTS
    assert all(kind.recovered == kind.count for kind in stats.faults.values())
    assert stats.identifies <= stats.identifies_needed
    # Every account lived in HA, was steered through its actions, and is unloaded now.
    entries = hass.config_entries.async_entries(DOMAIN)
    assert len(entries) == ACCOUNTS
    assert {entry.state for entry in entries} == {ConfigEntryState.NOT_LOADED}
    assert stats.presence.get("presence change") is not None
    tokens = {record.token for record in soak.sim.connections if record.token is not None}
    assert tokens == {bot.token for bot in soak.bots}
    # The sensor was read after every settle, not once at the end.
    assert soak.ha_fleet.sensor_checks > 5 * FAULTS * ACCOUNTS


async def test_a_sensor_that_says_connected_too_early_is_caught(hass: HomeAssistant) -> None:
    """Planted: the sensor reports "connected" whatever the client knows."""
    soak = HomeAssistantSoak(
        hass,
        SoakConfig(seed=SEED, faults=5, accounts=2, memory=False, only=("drop (no close frame)",)),
    )
    with patch.object(
        DiscordPresenceCoordinator, "connection_state", property(lambda _self: "connected")
    ):
        stats = await soak.run()

    assert stats.breach is not None
    assert stats.breach.startswith("SOAK BREACH: the connection sensor tells the truth")
    assert "the sensor says connected, the simulator has no live session" in stats.breach
    assert f"seed:     {SEED}" in stats.breach
