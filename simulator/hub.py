"""The shared state of one simulated Discord, and the gateway connections it owns.

The server owns the hub; the hub owns the live connections and is, to each of
them, its ``ConnectionHost`` (``host.py``). REST handlers read the same state.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from simulator.accounts import Accounts
    from simulator.clock import Clock
    from simulator.connection import GatewayConnection
    from simulator.records import Recorder
    from simulator.sessions import Session, Sessions

V10_PATH = "/gateway"
LEGACY_PATH = "/legacy-gateway"


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

    async def serve(self, connection: GatewayConnection) -> None:
        """Run ``connection`` until it ends, listed in ``live`` meanwhile.

        It leaves ``live`` in the same step as its record turns closed (no await
        in between), so a waiter woken by that record never finds it still listed.
        """
        self.live[connection.record.id] = connection
        try:
            await connection.run()
        finally:
            del self.live[connection.record.id]

    def take_over(self, session: Session, by: object) -> None:
        for other in list(self.live.values()):
            if other is not by and other.session is session:
                other.session = None
                other.close(4000, "session resumed elsewhere")
