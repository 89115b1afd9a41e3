"""What Discord was told: the presence last sent on the live session, and if it is the wanted one.

Entities here read the gateway's `applied` / `applied_at` / `presence_applied`,
never the wanted presence the controls show: an automation can wait until a
change really went out, and a dashboard can show what members see.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from homeassistant.components.binary_sensor import (
    BinarySensorEntity,
    BinarySensorEntityDescription,
)
from homeassistant.components.sensor import SensorEntity, SensorEntityDescription
from homeassistant.const import EntityCategory

from .const import ACTIVITY_TYPE_NAMES
from .entity import DiscordPresenceEntity
from .helpers import iso_time

if TYPE_CHECKING:
    from .coordinator import DiscordPresenceCoordinator
    from .presence_text import PresenceWords

ATTR_STATUS = "status"
ATTR_ACTIVITY_TYPE = "activity_type"
ATTR_ACTIVITY_NAME = "activity_name"
ATTR_ACTIVITY_STATE = "activity_state"
ATTR_STREAM_URL = "stream_url"
ATTR_APPLIED_AT = "applied_at"

PRESENCE_ON_DISCORD = SensorEntityDescription(
    key="presence_on_discord", translation_key="presence_on_discord"
)
PRESENCE_APPLIED = BinarySensorEntityDescription(
    key="presence_applied",
    translation_key="presence_applied",
    entity_category=EntityCategory.DIAGNOSTIC,
)


class DiscordPresenceOnDiscordSensor(DiscordPresenceEntity, SensorEntity):
    """The presence last sent on the live session, in words ("Watching Movie night", "Idle").

    Unknown while there is no live session (connecting, reconnecting, and
    after a resume until the presence has been sent again): then nothing
    says what Discord shows.
    """

    def __init__(
        self,
        coordinator: DiscordPresenceCoordinator,
        description: SensorEntityDescription,
        words: PresenceWords,
    ) -> None:
        """Describe presences with `words` (Home Assistant's language)."""
        super().__init__(coordinator, description)
        self._words = words

    @property
    def available(self) -> bool:
        """Reports "unknown" rather than unavailable, so automations see every change."""
        return True

    @property
    def native_value(self) -> str | None:
        """The applied presence in words; None (unknown) when nothing is applied."""
        applied = self.coordinator.data.applied
        return None if applied is None else self._words.describe(applied)

    @property
    def extra_state_attributes(self) -> dict[str, Any]:
        """Its parts, for templates and the card: status, activity type/name/state, when."""
        data = self.coordinator.data
        applied = data.applied
        activity = None if applied is None else applied.activity
        return {
            ATTR_STATUS: None if applied is None else str(applied.status),
            ATTR_ACTIVITY_TYPE: None if activity is None else ACTIVITY_TYPE_NAMES[activity.type],
            ATTR_ACTIVITY_NAME: None if activity is None else activity.name,
            ATTR_ACTIVITY_STATE: None if activity is None else activity.state,
            ATTR_STREAM_URL: None if activity is None else activity.url,
            ATTR_APPLIED_AT: None if applied is None else iso_time(data.applied_at),
        }


class DiscordPresenceAppliedBinarySensor(DiscordPresenceEntity, BinarySensorEntity):
    """On when the wanted presence is what the live session shows; off while a change is pending.

    Off while disconnected too: a change made then is applied on reconnect.
    """

    @property
    def available(self) -> bool:
        """Its job is to say whether anything is applied, so it never is unavailable."""
        return True

    @property
    def is_on(self) -> bool:
        """Whether Discord was told the wanted presence on the live session."""
        return self.coordinator.failure is None and self.coordinator.data.presence_applied
