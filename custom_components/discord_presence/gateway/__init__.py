"""An asyncio Discord gateway client that keeps a bot's presence applied.

Home Assistant free: it depends on aiohttp and the standard library only.
"""

from __future__ import annotations

from .client import (
    DEFAULT_API_URL,
    ConnectionState,
    GatewayClient,
    GatewaySnapshot,
    GatewayStats,
    GatewayUser,
    fetch_current_user,
)
from .clock import Clock, SystemClock
from .compression import Compression
from .dialects import Dialect
from .errors import (
    AuthenticationFailed,
    ClientCrashed,
    DisallowedIntents,
    FatalGatewayError,
    GatewayError,
    GatewayUnavailable,
    IdentifyBudgetExhausted,
    InvalidApiVersion,
    InvalidIntents,
    InvalidShard,
    PresenceError,
    ShardingRequired,
)
from .ledger import BLIND_IDENTIFY_CEILING, IdentifyLedger
from .presence import Activity, ActivityType, Presence, Status
from .urls import is_safe_api_url

__all__ = [
    "BLIND_IDENTIFY_CEILING",
    "DEFAULT_API_URL",
    "Activity",
    "ActivityType",
    "AuthenticationFailed",
    "ClientCrashed",
    "Clock",
    "Compression",
    "ConnectionState",
    "Dialect",
    "DisallowedIntents",
    "FatalGatewayError",
    "GatewayClient",
    "GatewayError",
    "GatewaySnapshot",
    "GatewayStats",
    "GatewayUnavailable",
    "GatewayUser",
    "IdentifyBudgetExhausted",
    "IdentifyLedger",
    "InvalidApiVersion",
    "InvalidIntents",
    "InvalidShard",
    "Presence",
    "PresenceError",
    "ShardingRequired",
    "Status",
    "SystemClock",
    "fetch_current_user",
    "is_safe_api_url",
]
