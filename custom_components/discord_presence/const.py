"""Constants for the Discord Presence integration."""

from __future__ import annotations

import logging
from typing import Final

from .gateway import ActivityType

DOMAIN: Final = "discord_presence"
LOGGER = logging.getLogger(__package__)

CONF_API_URL: Final = "api_url"
CONF_PROTOCOL: Final = "protocol"
CONF_REASSERT_INTERVAL: Final = "reassert_interval"
SECTION_ADVANCED: Final = "advanced"

DEFAULT_API_URL: Final = "https://discord.com/api/v10"
PROTOCOL_V10: Final = "v10"
PROTOCOL_LEGACY: Final = "legacy"
PROTOCOLS: Final = [PROTOCOL_V10, PROTOCOL_LEGACY]
DEFAULT_PROTOCOL: Final = PROTOCOL_V10
# Minutes; 0 = never. Discord can let a bot's activity fade on a connection
# that lives for days; one op 3 every 30 min uses 1 of the 5-per-20 s budget
# once per 30 min, which leaves every user change its full allowance.
DEFAULT_REASSERT_INTERVAL: Final = 30
MAX_REASSERT_INTERVAL: Final = 1440  # minutes (one day)

# Seconds. Read at call time through the functions below, so that tests can
# shorten them by patching the constant (the code never binds the value early).
# GET /users/@me in the config flow: the user is waiting at the form.
VALIDATE_TIMEOUT: Final = 10.0
# GET /users/@me at setup: Home Assistant warns about setups slower than 10 s,
# and an unreachable API should be a quick ConfigEntryNotReady.
SETUP_REST_TIMEOUT: Final = 5.0
# After the REST check, how long setup waits for the first outcome (READY,
# waiting for the identify budget, or a refusal) before it finishes anyway and
# lets the entities show "connecting": Home Assistant's start is never held
# for a slow gateway. With SETUP_REST_TIMEOUT the worst case stays under the
# 10 s after which Home Assistant warns about a slow setup.
SETUP_WAIT: Final = 3.0
# Offline this long (on the client's clock) is worth one WARNING; shorter
# outages (Discord's op 7, resumable drops) are routine and logged at DEBUG.
OFFLINE_WARNING_AFTER: Final = 300.0


def validate_timeout() -> float:
    """VALIDATE_TIMEOUT as it is now."""
    return VALIDATE_TIMEOUT


def setup_rest_timeout() -> float:
    """SETUP_REST_TIMEOUT as it is now."""
    return SETUP_REST_TIMEOUT


def setup_wait() -> float:
    """SETUP_WAIT as it is now."""
    return SETUP_WAIT


def offline_warning_after() -> float:
    """OFFLINE_WARNING_AFTER as it is now."""
    return OFFLINE_WARNING_AFTER


MAX_TEXT_LENGTH: Final = 128

STORAGE_VERSION: Final = 1
# Seconds: changes reach disk this soon (a power cut loses at most this much),
# while a burst of changes is still written once.
STORAGE_SAVE_DELAY: Final = 1.0

MANUFACTURER: Final = "Discord"
MODEL: Final = "Bot"
DEVELOPER_PORTAL_URL: Final = "https://discord.com/developers/applications"
DISCORD_CDN_URL: Final = "https://cdn.discordapp.com"
ISSUE_TRACKER_URL: Final = "https://github.com/discord-presence/ha-discord-presence/issues"

# Connection sensor states (the ENUM options).
STATE_CONNECTED: Final = "connected"
STATE_CONNECTING: Final = "connecting"
STATE_RECONNECTING: Final = "reconnecting"
STATE_DISCONNECTED: Final = "disconnected"
STATE_WAITING: Final = "waiting"
STATE_ERROR: Final = "error"
CONNECTION_STATES: Final = [
    STATE_CONNECTED,
    STATE_CONNECTING,
    STATE_RECONNECTING,
    STATE_WAITING,
    STATE_DISCONNECTED,
    STATE_ERROR,
]
ATTR_AVATAR_URL: Final = "avatar_url"
ATTR_WAITING_UNTIL: Final = "waiting_until"

ISSUE_INTENTS: Final = "intents"
ISSUE_FATAL: Final = "fatal_error"
ISSUE_WAITING: Final = "identify_budget"
ISSUE_KINDS: Final = (ISSUE_INTENTS, ISSUE_FATAL, ISSUE_WAITING)

# The activity types by the names actions and the select use.
ACTIVITY_TYPE_OPTIONS: Final = {
    "playing": ActivityType.PLAYING,
    "streaming": ActivityType.STREAMING,
    "listening": ActivityType.LISTENING,
    "watching": ActivityType.WATCHING,
    "competing": ActivityType.COMPETING,
    "custom": ActivityType.CUSTOM,
}
ACTIVITY_TYPE_NAMES: Final = {value: key for key, value in ACTIVITY_TYPE_OPTIONS.items()}
