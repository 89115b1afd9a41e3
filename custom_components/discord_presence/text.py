"""Text: the activity's name (or a custom status's text)."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from homeassistant.components.text import TextEntity, TextEntityDescription

from .const import MAX_TEXT_LENGTH
from .entity import DiscordPresenceControl
from .gateway import ActivityType
from .helpers import activity_text, build_activity

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant
    from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

    from .coordinator import DiscordPresenceConfigEntry

PARALLEL_UPDATES = 1

ACTIVITY = TextEntityDescription(
    key="activity", translation_key="activity", native_min=0, native_max=MAX_TEXT_LENGTH
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: DiscordPresenceConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the account's activity text."""
    async_add_entities([DiscordActivityText(entry.runtime_data.coordinator, ACTIVITY)])


class DiscordActivityText(DiscordPresenceControl, TextEntity):
    """The activity shown under the account's name; empty clears it."""

    @property
    def native_value(self) -> str:
        """The wanted activity's text."""
        return activity_text(self.coordinator.presence.activity)

    async def async_set_value(self, value: str) -> None:
        """Show `value` as the activity (with the selected type); empty clears it."""
        presence = self.coordinator.presence
        current = presence.activity
        activity_type = current.type if current is not None else self.coordinator.activity_type
        keep = current is not None and current.type is activity_type
        activity = build_activity(
            value.strip(),
            activity_type,
            url=current.url if keep and current is not None else None,
            state=current.state
            if keep and current is not None and activity_type is not ActivityType.CUSTOM
            else None,
        )
        self.coordinator.async_set_presence(replace(presence, activity=activity))
