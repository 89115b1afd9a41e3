"""Immutable presence values and the validation that applies to every dialect.

Dialect-specific checks (what legacy can express, the 4096-byte frame limit)
live in ``dialects.py``; constructing a value here already guarantees the
limits Discord documents for any activity a bot may set.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum, StrEnum
from typing import Any, Final
from urllib.parse import urlsplit

from .errors import PresenceError

MAX_TEXT_LENGTH: Final = 128

# Discord only renders a streaming activity for these hosts, and only over https.
STREAM_HOSTS: Final[frozenset[str]] = frozenset(
    {"twitch.tv", "www.twitch.tv", "youtube.com", "www.youtube.com", "youtu.be"}
)


class ActivityType(IntEnum):
    """Activity types a bot may set (Discord's numbering)."""

    PLAYING = 0
    STREAMING = 1
    LISTENING = 2
    WATCHING = 3
    CUSTOM = 4
    COMPETING = 5


class Status(StrEnum):
    """Online status."""

    ONLINE = "online"
    IDLE = "idle"
    DND = "dnd"
    INVISIBLE = "invisible"
    OFFLINE = "offline"


def _is_stream_url(url: str) -> bool:
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return False
    return (
        parts.scheme == "https"
        and (parts.hostname or "") in STREAM_HOSTS
        and parts.username is None
        and parts.password is None
        and port is None
    )


@dataclass(frozen=True, slots=True)
class Activity:
    """One activity. For CUSTOM the shown text is ``state`` (``name`` is optional).

    A CUSTOM activity given only a ``name`` shows that name as its text, so
    ``Activity("Chilling", ActivityType.CUSTOM)`` does what a user expects.
    """

    name: str
    type: ActivityType = ActivityType.PLAYING
    url: str | None = None
    state: str | None = None

    def __post_init__(self) -> None:
        # Accept plain ints (e.g. from storage) but keep the enum in the value.
        object.__setattr__(self, "type", ActivityType(self.type))
        if len(self.name) > MAX_TEXT_LENGTH:
            raise PresenceError(
                "name_too_long", f"activity name is longer than {MAX_TEXT_LENGTH} characters"
            )
        if self.state is not None and len(self.state) > MAX_TEXT_LENGTH:
            raise PresenceError(
                "state_too_long", f"activity state is longer than {MAX_TEXT_LENGTH} characters"
            )
        if self.type is ActivityType.CUSTOM:
            if not (self.state or "").strip() and not self.name.strip():
                raise PresenceError("name_required", "a custom status needs a text")
        elif not self.name.strip():
            raise PresenceError("name_required", "an activity needs a name")
        if self.url is not None:
            if self.type is not ActivityType.STREAMING:
                raise PresenceError("url_not_streaming", "only a streaming activity has a URL")
            if not _is_stream_url(self.url):
                raise PresenceError(
                    "invalid_stream_url", "the stream URL must be an https Twitch or YouTube URL"
                )

    @property
    def custom_text(self) -> str:
        """The text a CUSTOM activity shows."""
        if self.state is not None and self.state.strip():
            return self.state
        return self.name

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready form for storage (not the wire format)."""
        return {"name": self.name, "type": int(self.type), "url": self.url, "state": self.state}

    @classmethod
    def from_dict(cls, data: Any) -> Activity:
        """Rebuild (and re-validate) a stored activity; ValueError for anything malformed."""
        if not isinstance(data, dict):
            raise ValueError("a stored activity must be an object")
        return cls(
            name=_optional_str(data.get("name")) or "",
            type=ActivityType(_stored_int(data.get("type", 0))),
            url=_optional_str(data.get("url")),
            state=_optional_str(data.get("state")),
        )


@dataclass(frozen=True, slots=True)
class Presence:
    """What the account should show. ``since`` is ms since the epoch (or None)."""

    status: Status = Status.ONLINE
    activity: Activity | None = None
    afk: bool = False
    since: int | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "status", Status(self.status))

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready form for storage (not the wire format)."""
        return {
            "status": str(self.status),
            "activity": self.activity.as_dict() if self.activity else None,
            "afk": self.afk,
            "since": self.since,
        }

    @classmethod
    def from_dict(cls, data: Any) -> Presence:
        """Rebuild (and re-validate) a stored presence; ValueError for anything malformed.

        The store is a file a user (or a crash) can leave in any shape: every
        odd value ends here as ValueError, never as another exception.
        """
        if not isinstance(data, dict):
            raise ValueError("a stored presence must be an object")
        activity = data.get("activity")
        since = data.get("since")
        afk = data.get("afk", False)
        if not isinstance(afk, bool):
            raise ValueError("afk must be a boolean")
        status = data.get("status", Status.ONLINE)
        if not isinstance(status, str):
            raise ValueError("status must be a string")
        return cls(
            status=Status(status),
            activity=Activity.from_dict(activity) if activity is not None else None,
            afk=afk,
            since=_stored_int(since) if since is not None else None,
        )


def _optional_str(value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError("expected a string")
    return value


def _stored_int(value: Any) -> int:
    """A stored integer: a JSON int, or a float with an integral value (ms since)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError("expected a number")
    if isinstance(value, float) and not value.is_integer():
        raise ValueError("expected an integral number")
    number = int(value)
    # ms since the epoch and enum values: anything beyond 2**53 is not from us.
    if not -(2**53) <= number <= 2**53:
        raise ValueError("number out of range")
    return number
