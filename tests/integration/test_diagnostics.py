"""Diagnostics: useful, stable and without the token."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)

from custom_components.discord_presence.const import DOMAIN

from .conftest import TOKEN
from .helpers import advance_until

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant
    from pytest_homeassistant_custom_component.common import MockConfigEntry
    from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
    from syrupy.assertion import SnapshotAssertion

    from simulator import Simulator
    from tests.clock import ManualClock


async def test_diagnostics(
    hass: HomeAssistant,
    sim: Simulator,
    *,
    clock: ManualClock,
    loaded_entry: MockConfigEntry,
    hass_client: ClientSessionGenerator,
    snapshot: SnapshotAssertion,
) -> None:
    """Entry data redacted; connection, counters, presence and account included."""
    await hass.services.async_call(
        DOMAIN, "set_game", {"name": "Movie night", "activity_type": "watching"}, blocking=True
    )
    await advance_until(hass, clock, lambda: bool(sim.presences))
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, loaded_entry)
    assert TOKEN not in str(diagnostics)
    assert diagnostics["entry"]["data"]["token"] == "**REDACTED**"
    # The simulator's port changes per run; everything else is stable.
    assert diagnostics["entry"]["data"]["api_url"] == sim.api_url
    diagnostics["entry"]["data"]["api_url"] = "http://127.0.0.1:PORT/api/v10"
    assert diagnostics == snapshot
