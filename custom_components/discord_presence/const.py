"""Constants for the Discord Presence integration."""

from __future__ import annotations

import logging
from typing import Final

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
DEFAULT_REASSERT_INTERVAL: Final = 0  # minutes; 0 = never
MAX_REASSERT_INTERVAL: Final = 1440  # minutes (one day)

# How long the config flow and setup wait for the gateway's READY (seconds).
# Module constants so tests can shorten them.
VALIDATE_TIMEOUT: Final = 30.0
SETUP_TIMEOUT: Final = 30.0

MAX_TEXT_LENGTH: Final = 128

STORAGE_VERSION: Final = 1
STORAGE_SAVE_DELAY: Final = 1.0  # seconds

MANUFACTURER: Final = "Discord"
MODEL: Final = "Bot"
DEVELOPER_PORTAL_URL: Final = "https://discord.com/developers/applications"

# Connection sensor states (the ENUM options).
STATE_CONNECTED: Final = "connected"
STATE_CONNECTING: Final = "connecting"
STATE_RECONNECTING: Final = "reconnecting"
STATE_DISCONNECTED: Final = "disconnected"
STATE_ERROR: Final = "error"
CONNECTION_STATES: Final = [
    STATE_CONNECTED,
    STATE_CONNECTING,
    STATE_RECONNECTING,
    STATE_DISCONNECTED,
    STATE_ERROR,
]

ISSUE_INTENTS: Final = "intents"
ISSUE_FATAL: Final = "fatal_error"
