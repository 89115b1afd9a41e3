"""Actions: set_game, set_idle and set_status."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import ATTR_CONFIG_ENTRY_ID
from homeassistant.core import HomeAssistant, ServiceCall, callback
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import config_validation as cv

from .compat import vol
from .const import ACTIVITY_TYPE_OPTIONS, DOMAIN, MAX_TEXT_LENGTH
from .gateway import ActivityType, PresenceError, Status
from .helpers import build_activity

if TYPE_CHECKING:
    from .coordinator import DiscordPresenceConfigEntry, DiscordPresenceCoordinator

SERVICE_SET_GAME = "set_game"
SERVICE_SET_IDLE = "set_idle"
SERVICE_SET_STATUS = "set_status"

ATTR_NAME = "name"
ATTR_ACTIVITY_TYPE = "activity_type"
ATTR_URL = "url"
ATTR_STATE = "state"
ATTR_IDLE = "idle"
ATTR_STATUS = "status"

_ENTRY = {vol.Optional(ATTR_CONFIG_ENTRY_ID): cv.string}

SET_GAME_SCHEMA = vol.Schema(
    {
        **_ENTRY,
        vol.Optional(ATTR_NAME, default=""): vol.Any(None, cv.string),
        # No default: clearing without a type keeps the chosen one (set_game
        # with a name and no type still shows "Playing").
        vol.Optional(ATTR_ACTIVITY_TYPE): vol.In(list(ACTIVITY_TYPE_OPTIONS)),
        vol.Optional(ATTR_URL): vol.Any(None, cv.string),
        vol.Optional(ATTR_STATE): vol.Any(None, cv.string),
    }
)
SET_IDLE_SCHEMA = vol.Schema({**_ENTRY, vol.Required(ATTR_IDLE): cv.boolean})
SET_STATUS_SCHEMA = vol.Schema(
    {
        **_ENTRY,
        vol.Required(ATTR_STATUS): vol.In(
            [str(Status.ONLINE), str(Status.IDLE), str(Status.DND), str(Status.INVISIBLE)]
        ),
    }
)


def _coordinator(call: ServiceCall) -> DiscordPresenceCoordinator:
    """The entry the call is for: the named one, else the only loaded one.

    Disabled, failed or retrying entries don't count when none is named, so a
    second account that is not running does not make the call ambiguous.
    """
    hass = call.hass
    entry_id: str | None = call.data.get(ATTR_CONFIG_ENTRY_ID)
    entry: DiscordPresenceConfigEntry | None
    if entry_id:
        entry = hass.config_entries.async_get_entry(entry_id)
        if entry is None or entry.domain != DOMAIN:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="entry_not_found",
                translation_placeholders={"entry_id": entry_id},
            )
        if entry.state is not ConfigEntryState.LOADED:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="entry_not_loaded",
                translation_placeholders={"name": entry.title},
            )
        return entry.runtime_data.coordinator
    loaded: list[DiscordPresenceConfigEntry] = hass.config_entries.async_loaded_entries(DOMAIN)
    if len(loaded) == 1:
        return loaded[0].runtime_data.coordinator
    if loaded:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="entry_required",
            translation_placeholders={"names": _names(loaded)},
        )
    if configured := hass.config_entries.async_entries(DOMAIN):
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="entry_not_loaded",
            translation_placeholders={"name": _names(configured)},
        )
    raise ServiceValidationError(translation_domain=DOMAIN, translation_key="no_entry")


def _names(entries: list[DiscordPresenceConfigEntry]) -> str:
    return ", ".join(sorted(entry.title for entry in entries))


def _presence_error(err: PresenceError) -> ServiceValidationError:
    return ServiceValidationError(
        translation_domain=DOMAIN,
        translation_key=err.reason,
        translation_placeholders={"max": str(MAX_TEXT_LENGTH)},
    )


async def _async_set_game(call: ServiceCall) -> None:
    coordinator = _coordinator(call)
    chosen: ActivityType | None = None
    if (type_name := call.data.get(ATTR_ACTIVITY_TYPE)) is not None:
        chosen = ACTIVITY_TYPE_OPTIONS[type_name]
    activity_type = chosen if chosen is not None else ActivityType.PLAYING
    name: str = (call.data.get(ATTR_NAME) or "").strip()
    state: str | None = call.data.get(ATTR_STATE) or None
    url: str | None = call.data.get(ATTR_URL) or None
    if url is None and activity_type is ActivityType.STREAMING:
        url = coordinator.stream_url
    text = (state or name) if activity_type is ActivityType.CUSTOM else name
    try:
        activity = build_activity(text, activity_type, url=url, state=state)
    except PresenceError as err:
        raise _presence_error(err) from err
    if activity is None and url is not None and activity_type is not ActivityType.STREAMING:
        raise _presence_error(PresenceError("url_not_streaming", "url without streaming"))
    coordinator.async_set_presence(
        replace(coordinator.presence, activity=activity),
        activity_type=activity_type if activity is not None else chosen,
    )


async def _async_set_idle(call: ServiceCall) -> None:
    _coordinator(call).async_set_idle(call.data[ATTR_IDLE])


async def _async_set_status(call: ServiceCall) -> None:
    _coordinator(call).async_set_status(Status(call.data[ATTR_STATUS]))


@callback
def async_setup_services(hass: HomeAssistant) -> None:
    """Register the actions (once, from async_setup)."""
    hass.services.async_register(DOMAIN, SERVICE_SET_GAME, _async_set_game, SET_GAME_SCHEMA)
    hass.services.async_register(DOMAIN, SERVICE_SET_IDLE, _async_set_idle, SET_IDLE_SCHEMA)
    hass.services.async_register(DOMAIN, SERVICE_SET_STATUS, _async_set_status, SET_STATUS_SCHEMA)
