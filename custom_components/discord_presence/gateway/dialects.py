"""The two gateway dialects: what each sends and what it can express.

``V10Dialect`` speaks Discord's current gateway; ``LegacyDialect`` speaks the
2016 gateway exactly as ``seed-gateway-general.rst`` documents it (client
speaks first, heartbeat interval from READY, per-payload zlib, no resume).
Both only build payloads; the client decides when to send them.
"""

from __future__ import annotations

import json
import platform
from enum import StrEnum
from typing import Any, Final

from yarl import URL

from .compression import Compression
from .errors import PresenceError
from .presence import ActivityType, Presence, Status
from .protocol import OpCode

MAX_FRAME_BYTES: Final = 4096
CUSTOM_STATUS_NAME: Final = "Custom Status"
LIBRARY_NAME: Final = "discord-presence"
LEGACY_VERSION: Final = 3
LEGACY_LARGE_THRESHOLD: Final = 100


class Dialect(StrEnum):
    """Which gateway protocol the server speaks."""

    V10 = "v10"
    LEGACY = "legacy"


def encode(payload: dict[str, Any]) -> str:
    """The exact text sent on the wire."""
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False)


def fits_in_frame(text: str) -> bool:
    """Within Discord's 4096-byte frame limit, encoding to UTF-8 only near the limit."""
    if len(text) * 4 <= MAX_FRAME_BYTES:  # no character takes more than 4 bytes
        return True
    size = len(text) if text.isascii() else len(text.encode("utf-8"))
    return size <= MAX_FRAME_BYTES


def _os_name() -> str:
    return platform.system().lower() or "unknown"


class V10Dialect:
    """Discord's gateway v10."""

    dialect: Final = Dialect.V10
    has_hello: Final = True
    can_resume: Final = True
    # The URL from GET /gateway is valid until connecting to it fails.
    cache_gateway_url: Final = True

    def connect_url(self, base: str, compression: Compression) -> str:
        query: dict[str, str] = {"v": "10", "encoding": "json"}
        if compression is not Compression.NONE:
            query["compress"] = str(compression)
        return str(URL(base).update_query(query))

    def identify(self, token: str, intents: int, presence: Presence | None) -> dict[str, Any]:
        data: dict[str, Any] = {
            "token": token,
            "intents": intents,
            "properties": {"os": _os_name(), "browser": LIBRARY_NAME, "device": LIBRARY_NAME},
        }
        if presence is not None:
            data["presence"] = self.presence_data(presence)
        return {"op": OpCode.IDENTIFY, "d": data}

    def resume(self, token: str, session_id: str, seq: int | None) -> dict[str, Any]:
        return {"op": OpCode.RESUME, "d": {"token": token, "session_id": session_id, "seq": seq}}

    def heartbeat(self, seq: int | None, now: float) -> dict[str, Any]:
        return {"op": OpCode.HEARTBEAT, "d": seq}

    def presence_data(self, presence: Presence) -> dict[str, Any]:
        activities: list[dict[str, Any]] = []
        activity = presence.activity
        if activity is not None:
            # A bot may set only name, type, url and state.
            if activity.type is ActivityType.CUSTOM:
                activities.append(
                    {
                        "name": CUSTOM_STATUS_NAME,
                        "type": int(ActivityType.CUSTOM),
                        "state": activity.custom_text,
                    }
                )
            else:
                item: dict[str, Any] = {"name": activity.name, "type": int(activity.type)}
                if activity.url is not None:
                    item["url"] = activity.url
                if activity.state is not None:
                    item["state"] = activity.state
                activities.append(item)
        return {
            "since": presence.since,
            "activities": activities,
            "status": str(presence.status),
            "afk": presence.afk,
        }

    def presence_update(self, presence: Presence, now: float) -> dict[str, Any]:
        return {"op": OpCode.PRESENCE_UPDATE, "d": self.presence_data(presence)}

    def check_presence(self, presence: Presence, now: float) -> None:
        if not fits_in_frame(encode(self.presence_update(presence, now))):
            raise PresenceError(
                "frame_too_large", f"the presence update exceeds {MAX_FRAME_BYTES} bytes"
            )


class LegacyDialect:
    """The seed's 2016 gateway."""

    dialect: Final = Dialect.LEGACY
    has_hello: Final = False
    can_resume: Final = False
    # "The gateway returned should not be cached."
    cache_gateway_url: Final = False

    def connect_url(self, base: str, compression: Compression) -> str:
        # The seed connects to the returned URL as is; compression is asked
        # for in IDENTIFY instead.
        return base

    def identify(self, token: str, intents: int, presence: Presence | None) -> dict[str, Any]:
        # Legacy IDENTIFY has no presence field: presence follows READY.
        return {
            "op": OpCode.IDENTIFY,
            "d": {
                "token": token,
                "v": LEGACY_VERSION,
                "properties": {
                    "$os": _os_name(),
                    "$browser": LIBRARY_NAME,
                    "$device": LIBRARY_NAME,
                    "$referrer": "",
                    "$referring_domain": "",
                },
                "large_threshold": LEGACY_LARGE_THRESHOLD,
                "compress": True,
            },
        }

    def resume(self, token: str, session_id: str, seq: int | None) -> dict[str, Any]:
        raise NotImplementedError("the legacy gateway has no resume")

    def heartbeat(self, seq: int | None, now: float) -> dict[str, Any]:
        # The seed's keepalive: milliseconds since the epoch, written as a string.
        return {"op": OpCode.HEARTBEAT, "d": str(int(now * 1000))}

    def presence_data(self, presence: Presence) -> dict[str, Any] | None:
        return None

    def presence_update(self, presence: Presence, now: float) -> dict[str, Any]:
        game = {"name": presence.activity.name} if presence.activity is not None else None
        idle_since: int | None = None
        if presence.status is Status.IDLE:
            idle_since = presence.since if presence.since is not None else int(now * 1000)
        return {"op": OpCode.PRESENCE_UPDATE, "d": {"game": game, "idle_since": idle_since}}

    def check_presence(self, presence: Presence, now: float) -> None:
        if presence.status not in (Status.ONLINE, Status.IDLE):
            raise PresenceError(
                "unsupported_by_legacy", "the legacy gateway can only show online or idle"
            )
        activity = presence.activity
        if activity is not None and (
            activity.type is not ActivityType.PLAYING
            or activity.url is not None
            or activity.state is not None
        ):
            raise PresenceError(
                "unsupported_by_legacy", "the legacy gateway can only show a plain game name"
            )
        # No size check: a 128-character name cannot come near 4096 bytes here.


type DialectCodec = V10Dialect | LegacyDialect


def codec_for(dialect: Dialect) -> DialectCodec:
    """The payload builder for a dialect."""
    return LegacyDialect() if dialect is Dialect.LEGACY else V10Dialect()
