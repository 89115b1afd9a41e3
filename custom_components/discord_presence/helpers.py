"""Small helpers shared by the config flow, the coordinator and the services."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from homeassistant.util import dt as dt_util

from .gateway import Activity, ActivityType, Presence, Status

if TYPE_CHECKING:
    from .gateway import GatewayUser


def account_name(user: GatewayUser) -> str:
    """The name shown for an account: its display name, else its username."""
    return user.global_name or user.username


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


def with_status(presence: Presence, status: Status, now_ms: int, *, afk: bool = False) -> Presence:
    """`presence` with another status; idle records since when (kept if already idle)."""
    since: int | None = None
    if status is Status.IDLE:
        since = presence.since if presence.status is Status.IDLE and presence.since else now_ms
    return replace(presence, status=status, since=since, afk=afk)
