"""An asyncio Discord gateway client that keeps a bot's presence applied.

Home Assistant free: it depends on aiohttp and the standard library only.
This module is the package's face: code outside ``gateway/`` imports from
here, never from the modules behind it.

Layout (each module's opening comment says its one job):

* ``client``: GatewayClient, the public face; ``supervisor``: the
  connect/retry/resume loop and the identify budget; ``connection``: one
  websocket's life; ``keepalive``: its heartbeat, liveness probe and
  handshake watchdog; ``session``: what those hand each other;
  ``observed``: the state observers see.
* ``rest``: REST calls; ``frames``: decoding what a server sends;
  ``protocol``/``dialects``/``compression``: the wire; ``ratelimit``,
  ``backoff``, ``ledger``: the limits; ``waits``, ``clock``: waiting.
* ``models``, ``presence``, ``errors``, ``urls``: values and rules.
"""

from __future__ import annotations

from .backoff import BACKOFF_CAP
from .client import DEFAULT_CONNECT_TIMEOUT, GatewayClient
from .clock import Clock, SystemClock
from .compression import ZSTD_AVAILABLE, Compression, make_inflater
from .connection import CLOSE_GRACE
from .dialects import Dialect
from .errors import (
    PRESENCE_ERROR_REASONS,
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
from .frames import MAX_SEQ
from .ledger import BLIND_IDENTIFY_CEILING, LEGACY_IDENTIFY_CEILING, IdentifyLedger
from .models import ConnectionState, GatewaySnapshot, GatewayStats, GatewayUser
from .presence import Activity, ActivityType, Presence, Status
from .rest import DEFAULT_API_URL, DEFAULT_REST_TIMEOUT, fetch_current_user
from .supervisor import (
    AUTH_CHECK_AFTER,
    BUDGET_JITTER_MAX,
    BUDGET_JITTER_MIN,
    BUDGET_RECHECK,
    BUDGET_RECHECK_FIRST,
    IDENTIFY_RESERVE,
    IDENTIFY_SPACING,
    INVALID_SESSION_MAX,
    INVALID_SESSION_MIN,
    RESUME_RETRY_CAP,
    RESUME_WINDOW,
    STABLE_AFTER,
)
from .urls import is_safe_api_url

__all__ = [
    "AUTH_CHECK_AFTER",
    "BACKOFF_CAP",
    "BLIND_IDENTIFY_CEILING",
    "BUDGET_JITTER_MAX",
    "BUDGET_JITTER_MIN",
    "BUDGET_RECHECK",
    "BUDGET_RECHECK_FIRST",
    "CLOSE_GRACE",
    "DEFAULT_API_URL",
    "DEFAULT_CONNECT_TIMEOUT",
    "DEFAULT_REST_TIMEOUT",
    "IDENTIFY_RESERVE",
    "IDENTIFY_SPACING",
    "INVALID_SESSION_MAX",
    "INVALID_SESSION_MIN",
    "LEGACY_IDENTIFY_CEILING",
    "MAX_SEQ",
    "PRESENCE_ERROR_REASONS",
    "RESUME_RETRY_CAP",
    "RESUME_WINDOW",
    "STABLE_AFTER",
    "ZSTD_AVAILABLE",
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
    "make_inflater",
]
