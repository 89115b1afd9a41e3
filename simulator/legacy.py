"""The 2016 gateway dialect of ``seed-gateway-general.rst``.

The client speaks first with op 2 (no HELLO); READY carries
``heartbeat_interval``; heartbeats carry a millisecond timestamp and are not
acknowledged; op 3 is ``{game, idle_since}``; op 7 is a redirect naming a URL.
With ``compress: true`` in IDENTIFY every dispatch (op 0, READY included) is
sent as a binary frame holding one complete zlib stream; other opcodes stay
text. A missing or mistyped required IDENTIFY field closes 4002; a ``v``
other than 3 closes 4012. Resume (op 6) works as in v10, and RESUMED also
carries ``heartbeat_interval``.
"""

from __future__ import annotations

from typing import Any

from simulator.compression import LegacyZlibEncoder
from simulator.connection import GatewayConnection, Reject, envelope, log
from simulator.validation import (
    describe_legacy_presence,
    legacy_heartbeat_valid,
    legacy_identify_problem,
    legacy_presence_problem,
    watchdog_interval,
)

CLIENT_OPS = frozenset({1, 2, 3, 4, 6, 8})
LEGACY_VERSION = 3


class LegacyConnection(GatewayConnection):
    """Judges a client by the seed's rules."""

    dialect = "legacy"

    def on_open(self) -> None:
        """Nothing: the legacy client speaks first."""

    def reconnect_frame(self) -> dict[str, Any]:
        return envelope(7, {"url": self.host.legacy_url})

    def handle(self, frame: dict[str, Any]) -> None:
        op, d = frame["op"], frame.get("d")
        if op not in CLIENT_OPS:
            raise Reject(4001, f"unknown opcode {op}")
        if op == 1:
            if not legacy_heartbeat_valid(d):
                raise Reject(4002, "heartbeat d must be a millisecond timestamp")
            self.note_heartbeat(d)
        elif op == 2:
            self._identify(d)
        elif op == 6:
            self._resume(d)
        elif not self.authenticated:
            raise Reject(4003, "not authenticated")
        elif op == 3:
            problem = legacy_presence_problem(d)
            if problem or not isinstance(d, dict):
                raise Reject(4002, problem or "")
            self.take_presence_slot()
            self.note_presence(d, describe_legacy_presence(d))

    def _identify(self, d: Any) -> None:
        self.note_identify(d)
        problem = legacy_identify_problem(d)
        if problem:
            raise Reject(4002, problem)
        if d["v"] != LEGACY_VERSION:
            raise Reject(4012, "invalid gateway version")
        account = self.host.accounts.get(d["token"])
        if account is None:
            raise Reject(self.host.bad_token_close_code, "authentication failed")
        self.spend_session_start(account)
        if d.get("compress"):
            self.encoder = LegacyZlibEncoder()
            self.record.compression = self.encoder.name
        session = self.begin_session(account.token)
        log.info("identify (legacy): connection %d as %s", self.record.id, account.username)
        interval: float = self.host.heartbeat_interval_ms
        announced = (self.host.ready_extra or {}).get("heartbeat_interval")
        user = account.user()
        user["discriminator"] = "0001"
        self.dispatch_ready(
            {
                "v": LEGACY_VERSION,
                "user": user,
                "session_id": session.id,
                "heartbeat_interval": interval,
                "guilds": [],
                "private_channels": [],
                "read_state": [],
                "user_settings": {},
            },
        )
        self.start_watchdog((watchdog_interval(announced) or interval) / 1000)

    def _resume(self, d: Any) -> None:
        if self.resume(d):
            interval = self.host.heartbeat_interval_ms
            self.dispatch("RESUMED", {"heartbeat_interval": interval})
            self.start_watchdog(interval / 1000)
