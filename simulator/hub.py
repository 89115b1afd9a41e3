"""The shared state every gateway connection and REST handler works against."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from simulator.accounts import Accounts
    from simulator.clock import Clock
    from simulator.connection import GatewayConnection
    from simulator.records import Recorder
    from simulator.sessions import Sessions

V10_PATH = "/gateway"
LEGACY_PATH = "/legacy-gateway"

log = logging.getLogger("simulator")


@dataclass
class Hub:
    clock: Clock
    accounts: Accounts
    sessions: Sessions
    recorder: Recorder
    heartbeat_interval_ms: int
    #: The close code for an IDENTIFY or RESUME with an unknown or revoked token.
    bad_token_close_code: int = 4004
    #: When not None, v10 HELLO's ``d``, verbatim.
    hello_data: Any = None
    #: Merged into READY's ``d`` (both dialects).
    ready_extra: dict[str, Any] | None = None
    #: "ws://host:port", known once the server listens.
    ws_base: str = ""
    #: record id -> live connection.
    live: dict[int, GatewayConnection] = field(default_factory=dict)
    #: token -> the presence the account shows now (from IDENTIFY or op 3).
    current_presence: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def v10_url(self) -> str:
        return self.ws_base + V10_PATH

    @property
    def legacy_url(self) -> str:
        return self.ws_base + LEGACY_PATH
