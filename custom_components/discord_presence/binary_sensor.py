"""Binary sensor: whether the wanted presence is applied on the live session."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .applied import PRESENCE_APPLIED, DiscordPresenceAppliedBinarySensor

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant
    from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

    from .coordinator import DiscordPresenceConfigEntry

PARALLEL_UPDATES = 0


async def async_setup_entry(
    hass: HomeAssistant,
    entry: DiscordPresenceConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the account's "presence applied" indicator."""
    coordinator = entry.runtime_data.coordinator
    async_add_entities([DiscordPresenceAppliedBinarySensor(coordinator, PRESENCE_APPLIED)])
