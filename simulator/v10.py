"""The v10 gateway dialect: HELLO first, IDENTIFY/RESUME, ACKed heartbeats."""

from __future__ import annotations

from typing import Any

from simulator.connection import GatewayConnection, Reject, envelope, log
from simulator.validation import (
    KNOWN_INTENTS,
    PRIVILEGED_INTENTS,
    describe_presence,
    identify_problem,
    is_int,
    presence_problem,
    shard_valid,
    watchdog_interval,
)

#: Opcodes a client may send: heartbeat, identify, presence, voice state,
#: resume, request guild members, request soundboard sounds.
CLIENT_OPS = frozenset({1, 2, 3, 4, 6, 8, 31})


class V10Connection(GatewayConnection):
    """Judges a client the way Discord's v10 gateway does."""

    dialect = "v10"

    def on_open(self) -> None:
        # The server only speaks v10 JSON and the documented compressions.
        if self.query.get("v") != "10":
            self.close(4012, "invalid API version")
            return
        if self.query.get("encoding", "json") != "json":
            self.close(4002, "unsupported encoding")
            return
        if self.encoder.name != self.query.get("compress", "none"):
            self.close(4002, "unsupported compress")
            return
        interval: float = self.host.heartbeat_interval_ms
        hello: Any = {"heartbeat_interval": interval, "_trace": ["simulator"]}
        if self.host.hello_data is not None:
            hello = self.host.hello_data
            announced = hello.get("heartbeat_interval") if isinstance(hello, dict) else None
            interval = watchdog_interval(announced) or interval
        self.send(envelope(10, hello))
        self.start_watchdog(interval / 1000)

    def reconnect_frame(self) -> dict[str, Any]:
        return envelope(7, None)

    def handle(self, frame: dict[str, Any]) -> None:
        op, d = frame["op"], frame.get("d")
        if op not in CLIENT_OPS:
            raise Reject(4001, f"unknown opcode {op}")
        if op == 1:
            self._heartbeat(d)
        elif op == 2:
            self._identify(d)
        elif op == 6:
            self._resume(d)
        elif not self.authenticated:
            raise Reject(4003, "not authenticated")
        elif op == 3:
            self._presence(d)
        # ops 4, 8 and 31 are accepted; with no guilds there is nothing to do.

    def _heartbeat(self, d: Any) -> None:
        if not (d is None or is_int(d)):
            raise Reject(4002, "heartbeat d must be the last sequence or null")
        self.note_heartbeat(d)
        if not self.withhold_acks:
            self.send(envelope(11, None))

    def _identify(self, d: Any) -> None:
        self.note_identify(d)
        problem = identify_problem(d)
        if problem:
            raise Reject(4002, problem)
        account = self.host.accounts.get(d["token"])
        if account is None:
            raise Reject(self.host.bad_token_close_code, "authentication failed")
        intents = d["intents"]
        if intents & ~KNOWN_INTENTS:
            raise Reject(4013, "invalid intents")
        if intents & PRIVILEGED_INTENTS & ~account.privileged_intents:
            raise Reject(4014, "disallowed intents")
        if not shard_valid(d.get("shard")):
            raise Reject(4010, "invalid shard")
        self.spend_session_start(account)
        session = self.begin_session(account.token)
        if d.get("presence") is not None:
            self.host.current_presence[account.token] = d["presence"]
        log.info(
            "identify: connection %d as %s (session %s)",
            self.record.id,
            account.username,
            session.id,
        )
        ready: dict[str, Any] = {
            "v": 10,
            "user_settings": {},
            "user": account.user(),
            "guilds": [],
            "session_id": session.id,
            "session_type": "normal",
            "resume_gateway_url": self.host.v10_url,
            "application": {"id": account.application_id, "flags": 0},
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "geo_ordered_rtc_regions": [],
            "guild_join_requests": [],
            "_trace": ["simulator"],
        }
        if "shard" in d:
            ready["shard"] = d["shard"]
        self.dispatch_ready(ready)

    def _resume(self, d: Any) -> None:
        if self.resume(d):
            self.dispatch("RESUMED", {"_trace": ["simulator"]})

    def _presence(self, d: Any) -> None:
        problem = presence_problem(d)
        if problem:
            raise Reject(4002, problem)
        self.take_presence_slot()
        self.note_presence(d, describe_presence(d))
