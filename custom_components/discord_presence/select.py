"""Selects: the wanted online status and the activity type."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from homeassistant.components.select import SelectEntity, SelectEntityDescription

from .const import ACTIVITY_TYPE_NAMES, ACTIVITY_TYPE_OPTIONS
from .entity import DiscordPresenceControl
from .gateway import ActivityType, Dialect, Status
from .helpers import activity_text, build_activity

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant
    from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

    from .coordinator import DiscordPresenceConfigEntry, DiscordPresenceCoordinator

PARALLEL_UPDATES = 1

STATUS_OPTIONS = [Status.ONLINE, Status.IDLE, Status.DND, Status.INVISIBLE]
LEGACY_STATUS_OPTIONS = [Status.ONLINE, Status.IDLE]

STATUS = SelectEntityDescription(key="status", translation_key="status")
ACTIVITY_TYPE = SelectEntityDescription(key="activity_type", translation_key="activity_type")


async def async_setup_entry(
    hass: HomeAssistant,
    entry: DiscordPresenceConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the account's selects."""
    coordinator = entry.runtime_data.coordinator
    async_add_entities(
        [
            DiscordStatusSelect(coordinator, STATUS),
            DiscordActivityTypeSelect(coordinator, ACTIVITY_TYPE),
        ]
    )


class DiscordStatusSelect(DiscordPresenceControl, SelectEntity):
    """The wanted status; usable while disconnected (applied on reconnect)."""

    def __init__(
        self, coordinator: DiscordPresenceCoordinator, description: SelectEntityDescription
    ) -> None:
        """Offer what the protocol can express."""
        super().__init__(coordinator, description)
        options = LEGACY_STATUS_OPTIONS if coordinator.dialect is Dialect.LEGACY else STATUS_OPTIONS
        self._attr_options = [str(option) for option in options]

    @property
    def current_option(self) -> str | None:
        """The wanted status."""
        status = str(self.coordinator.presence.status)
        return status if status in self.options else None

    async def async_select_option(self, option: str) -> None:
        """Change the wanted status."""
        self.coordinator.async_set_status(Status(option))


class DiscordActivityTypeSelect(DiscordPresenceControl, SelectEntity):
    """How the activity is shown: Playing, Listening to, ... or a custom status."""

    def __init__(
        self, coordinator: DiscordPresenceCoordinator, description: SelectEntityDescription
    ) -> None:
        """Legacy can only say "Playing"."""
        super().__init__(coordinator, description)
        self._attr_options = (
            ["playing"] if coordinator.dialect is Dialect.LEGACY else list(ACTIVITY_TYPE_OPTIONS)
        )

    @property
    def current_option(self) -> str | None:
        """The current activity's type, else the type the next activity gets."""
        activity = self.coordinator.presence.activity
        activity_type = activity.type if activity is not None else self.coordinator.activity_type
        name = ACTIVITY_TYPE_NAMES[activity_type]
        return name if name in self.options else None

    async def async_select_option(self, option: str) -> None:
        """Show the current activity as another type (or remember it for the next one)."""
        activity_type = ACTIVITY_TYPE_OPTIONS[option]
        presence = self.coordinator.presence
        if presence.activity is None:
            self.coordinator.async_set_activity_type(activity_type)
            return
        current = presence.activity
        activity = build_activity(
            activity_text(current),
            activity_type,
            url=(current.url or self.coordinator.stream_url)
            if activity_type is ActivityType.STREAMING
            else None,
            state=current.state if current.type is not ActivityType.CUSTOM else None,
        )
        self.coordinator.async_set_presence(
            replace(presence, activity=activity), activity_type=activity_type
        )
