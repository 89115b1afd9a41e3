"""Discord Presence: keep a Discord bot online and set what it is doing."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from homeassistant.const import Platform
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers import issue_registry as ir

from .const import DOMAIN, ISSUE_FATAL, ISSUE_INTENTS, LOGGER
from .coordinator import (
    DiscordPresenceConfigEntry,
    DiscordPresenceCoordinator,
    DiscordPresenceData,
    presence_store,
)
from .gateway import ActivityType, Presence
from .services import async_setup_services

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant
    from homeassistant.helpers.typing import ConfigType

PLATFORMS: list[Platform] = [Platform.SELECT, Platform.SENSOR, Platform.TEXT]
CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Register the actions."""
    async_setup_services(hass)
    return True


def _restore(stored: dict[str, Any] | None) -> tuple[Presence, ActivityType]:
    """The stored wanted presence and activity type (defaults if absent or unreadable)."""
    if not stored:
        return Presence(), ActivityType.PLAYING
    try:
        presence = Presence.from_dict(stored["presence"])
        activity_type = ActivityType(int(stored.get("activity_type", 0)))
    except (KeyError, TypeError, ValueError):
        LOGGER.warning("The stored presence could not be read; starting from online")
        return Presence(), ActivityType.PLAYING
    return presence, activity_type


async def async_setup_entry(hass: HomeAssistant, entry: DiscordPresenceConfigEntry) -> bool:
    """Connect the account (the stored presence goes in the first IDENTIFY)."""
    store = presence_store(hass, entry.entry_id)
    presence, activity_type = _restore(await store.async_load())
    coordinator = DiscordPresenceCoordinator(
        hass, entry, store=store, presence=presence, activity_type=activity_type
    )
    await coordinator.async_start()
    entry.runtime_data = DiscordPresenceData(coordinator=coordinator)
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    entry.async_on_unload(entry.add_update_listener(_async_options_updated))
    return True


async def _async_options_updated(hass: HomeAssistant, entry: DiscordPresenceConfigEntry) -> None:
    """Reload when the options changed (data changes reload through their flows)."""
    if dict(entry.options) != entry.runtime_data.coordinator.options_at_setup:
        hass.config_entries.async_schedule_reload(entry.entry_id)


async def async_unload_entry(hass: HomeAssistant, entry: DiscordPresenceConfigEntry) -> bool:
    """Close the session cleanly (close 1000) and leave nothing running."""
    unloaded = await hass.config_entries.async_unload_platforms(entry, PLATFORMS)
    if unloaded:
        await entry.runtime_data.coordinator.async_close()
    return unloaded


async def async_remove_entry(hass: HomeAssistant, entry: DiscordPresenceConfigEntry) -> None:
    """Forget the stored presence and any repair issue of a removed account."""
    await presence_store(hass, entry.entry_id).async_remove()
    for kind in (ISSUE_INTENTS, ISSUE_FATAL):
        ir.async_delete_issue(hass, DOMAIN, f"{kind}_{entry.entry_id}")
