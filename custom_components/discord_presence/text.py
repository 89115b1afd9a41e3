"""Text: the activity's name (or a custom status's text), and the stream URL."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from homeassistant.components.text import TextEntity, TextEntityDescription, TextMode
from homeassistant.exceptions import ServiceValidationError

from .const import ACTIVITY_TYPE_NAMES, DOMAIN, MAX_TEXT_LENGTH
from .entity import DiscordPresenceControl
from .gateway import ActivityType, Dialect, PresenceError
from .helpers import activity_text, build_activity, check_stream_url

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant
    from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

    from .coordinator import DiscordPresenceConfigEntry

PARALLEL_UPDATES = 1

# The wanted activity's other parts, so templates and blueprints can read
# (and restore) the whole activity from this one entity.
ATTR_ACTIVITY_TYPE = "activity_type"
ATTR_ACTIVITY_STATE = "activity_state"

# Longer than any Twitch or YouTube address; the state machine's limit is 255.
MAX_URL_LENGTH = 255

ACTIVITY = TextEntityDescription(
    key="activity", translation_key="activity", native_min=0, native_max=MAX_TEXT_LENGTH
)
STREAM_URL = TextEntityDescription(
    key="stream_url",
    translation_key="stream_url",
    native_min=0,
    native_max=MAX_URL_LENGTH,
    mode=TextMode.TEXT,
    # Only streamers need it; the actions and the card set it too.
    entity_registry_enabled_default=False,
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: DiscordPresenceConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the account's activity text and (v10 only: legacy cannot stream) its stream URL."""
    coordinator = entry.runtime_data.coordinator
    entities: list[TextEntity] = [DiscordActivityText(coordinator, ACTIVITY)]
    if coordinator.dialect is not Dialect.LEGACY:
        entities.append(DiscordStreamUrlText(coordinator, STREAM_URL))
    async_add_entities(entities)


class DiscordActivityText(DiscordPresenceControl, TextEntity):
    """The activity shown under the account's name; empty clears it."""

    @property
    def native_value(self) -> str:
        """The wanted activity's text."""
        return activity_text(self.coordinator.presence.activity)

    @property
    def extra_state_attributes(self) -> dict[str, Any]:
        """The activity's type (the one the next activity gets when empty) and second line."""
        activity = self.coordinator.presence.activity
        activity_type = activity.type if activity is not None else self.coordinator.activity_type
        state = None
        if activity is not None and activity.type is not ActivityType.CUSTOM:
            state = activity.state
        return {
            ATTR_ACTIVITY_TYPE: ACTIVITY_TYPE_NAMES[activity_type],
            ATTR_ACTIVITY_STATE: state,
        }

    async def async_set_value(self, value: str) -> None:
        """Show `value` as the activity (with the selected type); empty clears it."""
        presence = self.coordinator.presence
        current = presence.activity
        activity_type = current.type if current is not None else self.coordinator.activity_type
        keep = current is not None and current.type is activity_type
        url: str | None = None
        if activity_type is ActivityType.STREAMING:
            url = (current.url if keep and current is not None else None) or (
                self.coordinator.stream_url
            )
        activity = build_activity(
            value.strip(),
            activity_type,
            url=url,
            state=current.state
            if keep and current is not None and activity_type is not ActivityType.CUSTOM
            else None,
        )
        self.coordinator.async_set_presence(replace(presence, activity=activity))


class DiscordStreamUrlText(DiscordPresenceControl, TextEntity):
    """The Twitch or YouTube URL a Streaming activity links to; empty forgets it."""

    @property
    def native_value(self) -> str:
        """The remembered stream URL."""
        return self.coordinator.stream_url or ""

    async def async_set_value(self, value: str) -> None:
        """Check the URL as Discord does, remember it, and show it if the bot is streaming."""
        url = value.strip()
        if url:
            try:
                check_stream_url(url)
            except PresenceError as err:
                raise ServiceValidationError(
                    translation_domain=DOMAIN, translation_key=err.reason
                ) from err
        self.coordinator.async_set_stream_url(url or None)
