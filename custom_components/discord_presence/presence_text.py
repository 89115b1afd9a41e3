"""A presence in words, as Discord's member list shows it: "Watching Movie night", "Idle".

The words come from the integration's own translations (the Status and
Activity type selects' states) in Home Assistant's language, so the sensor
that shows the applied presence reads like the controls next to it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from homeassistant.helpers.translation import async_get_translations

from .const import ACTIVITY_TYPE_NAMES, ACTIVITY_TYPE_OPTIONS, DOMAIN
from .gateway import ActivityType, Presence, Status

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant

_SELECT = f"component.{DOMAIN}.entity.select"
# A state is at most 255 characters (a label plus a 128-character name fits).
_MAX_STATE = 255


@dataclass(frozen=True)
class PresenceWords:
    """The labels a presence is described with."""

    statuses: dict[str, str]
    activity_types: dict[str, str]

    def describe(self, presence: Presence) -> str:
        """The activity with its verb ("Listening to Lo-fi"), a custom text, else the status."""
        activity = presence.activity
        if activity is None:
            status = str(presence.status)
            return self.statuses.get(status, status)
        if activity.type is ActivityType.CUSTOM:
            return activity.custom_text[:_MAX_STATE]
        type_name = ACTIVITY_TYPE_NAMES[activity.type]
        return f"{self.activity_types.get(type_name, type_name)} {activity.name}"[:_MAX_STATE]


async def async_presence_words(hass: HomeAssistant) -> PresenceWords:
    """The labels in Home Assistant's language (English where a translation lacks one)."""
    strings = await async_get_translations(hass, hass.config.language, "entity", {DOMAIN})
    statuses = {
        str(status): strings.get(f"{_SELECT}.status.state.{status}", str(status).capitalize())
        for status in Status
    }
    activity_types = {
        name: strings.get(f"{_SELECT}.activity_type.state.{name}", name)
        for name in ACTIVITY_TYPE_OPTIONS
    }
    return PresenceWords(statuses, activity_types)
