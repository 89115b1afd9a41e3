"""Sensors: the connection's state, its heartbeat latency, and the presence Discord was told."""

from __future__ import annotations

from typing import TYPE_CHECKING

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import EntityCategory, UnitOfTime

from .applied import PRESENCE_ON_DISCORD, DiscordPresenceOnDiscordSensor
from .const import ATTR_AVATAR_URL, ATTR_WAITING_UNTIL, CONF_API_URL, CONNECTION_STATES
from .entity import DiscordPresenceEntity
from .gateway import ConnectionState
from .helpers import avatar_url, latency_ms
from .presence_text import async_presence_words

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant
    from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
    from homeassistant.helpers.typing import StateType

    from .coordinator import DiscordPresenceConfigEntry

PARALLEL_UPDATES = 0

CONNECTION = SensorEntityDescription(
    key="connection",
    translation_key="connection",
    device_class=SensorDeviceClass.ENUM,
    options=CONNECTION_STATES,
    entity_category=EntityCategory.DIAGNOSTIC,
)
LATENCY = SensorEntityDescription(
    key="latency",
    translation_key="latency",
    device_class=SensorDeviceClass.DURATION,
    native_unit_of_measurement=UnitOfTime.MILLISECONDS,
    state_class=SensorStateClass.MEASUREMENT,
    suggested_display_precision=0,
    entity_category=EntityCategory.DIAGNOSTIC,
    entity_registry_enabled_default=False,
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: DiscordPresenceConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the account's sensors."""
    coordinator = entry.runtime_data.coordinator
    async_add_entities(
        [
            DiscordConnectionSensor(coordinator, CONNECTION),
            DiscordLatencySensor(coordinator, LATENCY),
            DiscordPresenceOnDiscordSensor(
                coordinator, PRESENCE_ON_DISCORD, await async_presence_words(hass)
            ),
        ]
    )


class DiscordConnectionSensor(DiscordPresenceEntity, SensorEntity):
    """connected / connecting / reconnecting / waiting / disconnected / error. Always available."""

    @property
    def available(self) -> bool:
        """Its job is to report being down, so it never is unavailable."""
        return True

    @property
    def native_value(self) -> str:
        """The connection state."""
        return self.coordinator.connection_state

    @property
    def extra_state_attributes(self) -> dict[str, StateType]:
        """The last close code, until when the client waits for the identify budget,
        and the bot's avatar (for the presence card)."""
        data = self.coordinator.data
        return {
            "last_close_code": data.stats.last_close_code,
            ATTR_WAITING_UNTIL: self.coordinator.waiting_until,
            ATTR_AVATAR_URL: avatar_url(
                self.coordinator.config_entry.data[CONF_API_URL], data.user
            ),
        }


class DiscordLatencySensor(DiscordPresenceEntity, SensorEntity):
    """The last heartbeat round trip, in milliseconds."""

    @property
    def available(self) -> bool:
        """Only meaningful while connected."""
        data = self.coordinator.data
        return (
            super().available
            and data.state is ConnectionState.CONNECTED
            and data.latency is not None
        )

    @property
    def native_value(self) -> float | None:
        """Round trip in whole ms: finer digits would change, and be written, on every heartbeat."""
        return latency_ms(self.coordinator.data.latency)
