"""The base entity of every Discord Presence entity."""

from __future__ import annotations

from typing import TYPE_CHECKING

from homeassistant.helpers.device_registry import DeviceEntryType, DeviceInfo
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .const import CONF_API_URL, DOMAIN, MANUFACTURER, MODEL
from .coordinator import DiscordPresenceCoordinator
from .helpers import application_portal_url

if TYPE_CHECKING:
    from homeassistant.helpers.entity import EntityDescription


class DiscordPresenceEntity(CoordinatorEntity[DiscordPresenceCoordinator]):
    """An entity of one Discord account (one device per account)."""

    _attr_has_entity_name = True

    def __init__(
        self, coordinator: DiscordPresenceCoordinator, description: EntityDescription
    ) -> None:
        """Bind the entity to the account's device."""
        super().__init__(coordinator)
        self.entity_description = description
        self._attr_unique_id = f"{coordinator.user_id}_{description.key}"
        self._attr_device_info = DeviceInfo(
            identifiers={(DOMAIN, coordinator.user_id)},
            name=coordinator.config_entry.title,
            manufacturer=MANUFACTURER,
            model=MODEL,
            entry_type=DeviceEntryType.SERVICE,
            configuration_url=application_portal_url(
                coordinator.config_entry.data[CONF_API_URL], coordinator.user_id
            ),
        )


class DiscordPresenceControl(DiscordPresenceEntity):
    """A control of the wanted presence (status, activity, activity type).

    It shows what is wanted, not what Discord shows, so it stays available
    while the connection is down or waiting: a change is applied on
    reconnect. Only a permanent refusal (token rejected, intents refused, ...)
    makes it unavailable, because then nothing can be applied until the user
    acts.
    """

    @property
    def available(self) -> bool:
        """Unavailable only after a permanent failure."""
        return self.coordinator.failure is None
