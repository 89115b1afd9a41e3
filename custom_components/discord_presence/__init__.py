"""Discord Presence: keep a Discord bot online and set what it is doing."""

from __future__ import annotations

from typing import TYPE_CHECKING

from homeassistant.const import Platform
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers import issue_registry as ir

from .const import (
    CONF_REASSERT_INTERVAL,
    DEFAULT_REASSERT_INTERVAL,
    DOMAIN,
    ISSUE_KINDS,
    LOGGER,
)
from .coordinator import (
    DiscordPresenceConfigEntry,
    DiscordPresenceCoordinator,
    DiscordPresenceData,
)
from .frontend import async_register_card
from .services import async_setup_services
from .storage import account_ledger, forget_ledger, presence_store, read_stored

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant
    from homeassistant.helpers.typing import ConfigType

PLATFORMS: list[Platform] = [
    Platform.BINARY_SENSOR,
    Platform.SELECT,
    Platform.SENSOR,
    Platform.TEXT,
]
CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Register the actions and serve the presence card."""
    async_setup_services(hass)
    await async_register_card(hass)
    return True


async def async_migrate_entry(hass: HomeAssistant, entry: DiscordPresenceConfigEntry) -> bool:
    """1.1 -> 1.2: the re-assert interval's default went from never (0) to 30 minutes.

    Entries created before kept an explicit 0 that nobody chose (the form
    wrote the default), so they move to the new default once; whoever wants
    never sets 0 again.
    """
    if entry.version > 1:
        return False
    if entry.minor_version < 2:
        options = dict(entry.options)
        if not options.get(CONF_REASSERT_INTERVAL):
            options[CONF_REASSERT_INTERVAL] = DEFAULT_REASSERT_INTERVAL
        hass.config_entries.async_update_entry(entry, options=options, minor_version=2)
        LOGGER.debug(
            "Migrated %s to 1.2 (re-assert every %s min)",
            entry.title,
            options[CONF_REASSERT_INTERVAL],
        )
    return True


async def async_setup_entry(hass: HomeAssistant, entry: DiscordPresenceConfigEntry) -> bool:
    """Check the token, connect the account (the stored presence goes in the first IDENTIFY)."""
    store = presence_store(hass, entry.entry_id)
    stored = read_stored(await store.async_load())
    assert entry.unique_id is not None
    coordinator = DiscordPresenceCoordinator(
        hass,
        entry,
        store=store,
        stored=stored,
        ledger=account_ledger(hass, entry.unique_id, stored),
    )
    await coordinator.async_start()
    entry.runtime_data = DiscordPresenceData(coordinator=coordinator)
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    return True


async def async_unload_entry(hass: HomeAssistant, entry: DiscordPresenceConfigEntry) -> bool:
    """Close the session cleanly (close 1000) and leave nothing running."""
    unloaded = await hass.config_entries.async_unload_platforms(entry, PLATFORMS)
    if unloaded:
        await entry.runtime_data.coordinator.async_close()
    return unloaded


async def async_remove_entry(hass: HomeAssistant, entry: DiscordPresenceConfigEntry) -> None:
    """Forget the stored presence, identifies and any repair issue of a removed account."""
    await presence_store(hass, entry.entry_id).async_remove()
    if entry.unique_id is not None:
        forget_ledger(hass, entry.unique_id)
    for kind in ISSUE_KINDS:
        ir.async_delete_issue(hass, DOMAIN, f"{kind}_{entry.entry_id}")
