"""Small helpers shared by the config flow, the coordinator, the services and the entities."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from homeassistant.util import dt as dt_util

from .const import DEVELOPER_PORTAL_URL, DISCORD_CDN_URL
from .gateway import Activity, ActivityType, Presence, PresenceError, Status

if TYPE_CHECKING:
    from .gateway import GatewayUser


def account_name(user: GatewayUser) -> str:
    """The name shown for an account: its display name, else its username."""
    return user.global_name or user.username


def latency_ms(latency: float | None) -> float | None:
    """A heartbeat round trip as the latency sensor shows it: whole milliseconds."""
    return None if latency is None else float(round(latency * 1000))


def iso_time(epoch: float | None) -> str | None:
    """Epoch seconds as an ISO 8601 UTC datetime (what attributes and messages show)."""
    return None if epoch is None else dt_util.utc_from_timestamp(epoch).isoformat()


def api_host(api_url: str) -> str:
    """The host an API URL points at (for messages: never a path or query)."""
    try:
        return urlsplit(api_url).hostname or api_url
    except ValueError:
        return api_url


def _is_discord(api_url: str) -> bool:
    host = api_host(api_url).lower()
    return host == "discord.com" or host.endswith(".discord.com")


def application_portal_url(api_url: str, user_id: str) -> str | None:
    """The developer portal page of the bot's application, on Discord itself.

    A bot's user id is its application's id. Another Discord-compatible
    server has no page there, so it gets none.
    """
    return f"{DEVELOPER_PORTAL_URL}/{user_id}" if _is_discord(api_url) else None


def avatar_url(api_url: str, user: GatewayUser | None) -> str | None:
    """The bot's avatar on Discord's CDN (128 px), when it has one set and is on Discord.

    Another Discord-compatible server keeps avatars elsewhere; the card then
    shows the bot's initials, as for a bot with Discord's default avatar.
    """
    if user is None or user.avatar is None or not _is_discord(api_url):
        return None
    kind = "gif" if user.avatar.startswith("a_") else "png"
    return f"{DISCORD_CDN_URL}/avatars/{user.id}/{user.avatar}.{kind}?size=128"


def now_ms() -> int:
    """Now, in ms since the epoch (what Discord's `since` wants)."""
    return int(dt_util.utcnow().timestamp() * 1000)


CUSTOM_STATUS_NAME = "Custom Status"  # the name bots send with a custom status


def activity_text(activity: Activity | None) -> str:
    """The text an activity shows (its name, or a custom status's text)."""
    if activity is None:
        return ""
    if activity.type is ActivityType.CUSTOM:
        return activity.custom_text
    return activity.name


def build_activity(
    text: str,
    activity_type: ActivityType,
    *,
    url: str | None = None,
    state: str | None = None,
) -> Activity | None:
    """An activity showing `text` as `activity_type`; None when `text` is empty.

    Raises PresenceError for what Discord does not accept.
    """
    if not text:
        return None
    if activity_type is ActivityType.CUSTOM:
        return Activity(name=CUSTOM_STATUS_NAME, type=activity_type, state=text)
    return Activity(name=text, type=activity_type, url=url or None, state=state or None)


def with_status(presence: Presence, status: Status, now_ms: int) -> Presence:
    """`presence` with another status, by the one rule for idle.

    Idle means away, however it was chosen (set_idle, set_status, the Status
    select): afk, and `since` when it began, kept while the bot stays idle.
    Every other status is not away: no afk, no since.
    """
    if status is Status.IDLE:
        since = presence.since if presence.status is Status.IDLE and presence.since else now_ms
        return replace(presence, status=status, since=since, afk=True)
    return replace(presence, status=status, since=None, afk=False)


def check_stream_url(url: str) -> str:
    """`url` if Discord shows a stream from it (https Twitch or YouTube); else PresenceError."""
    Activity(name="stream", type=ActivityType.STREAMING, url=url)
    return url


def stream_url_or_none(url: str) -> str | None:
    """`url` if it is a stream URL Discord accepts, else None (for data read back from disk)."""
    try:
        return check_stream_url(url.strip())
    except PresenceError:
        return None
