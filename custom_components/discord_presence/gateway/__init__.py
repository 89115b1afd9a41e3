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
)
from .clock import Clock, SystemClock
from .compression import Compression
from .dialects import Dialect
from .errors import (
    AuthenticationFailed,
    DisallowedIntents,
    FatalGatewayError,
    GatewayError,
    IdentifyBudgetExhausted,
    InvalidApiVersion,
    InvalidIntents,
    InvalidShard,
    PresenceError,
    ShardingRequired,
)
from .presence import Activity, ActivityType, Presence, Status

__all__ = [
    "DEFAULT_API_URL",
    "Activity",
    "ActivityType",
    "AuthenticationFailed",
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
    "GatewayUser",
    "IdentifyBudgetExhausted",
    "InvalidApiVersion",
    "InvalidIntents",
    "InvalidShard",
    "Presence",
    "PresenceError",
    "ShardingRequired",
    "Status",
    "SystemClock",
]
