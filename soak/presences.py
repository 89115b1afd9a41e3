"""Random presences for a dialect, and one comparable shape for both sides.

The wanted presence is a client ``Presence``; what the account shows is the
simulator's record of the last op 3 (or IDENTIFY's presence). Both are reduced
here to ``Shown`` with rules read from Discord's payload documentation, not
from the client's encoder, so an encoding bug shows up as a mismatch.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from custom_components.discord_presence.gateway import Activity, ActivityType, Presence, Status

if TYPE_CHECKING:
    import random

_NAMES = ("Movie night", "the lights", "Doom", "the kettle", "Rain sounds", "chess")
_V10_STATUSES = (Status.ONLINE, Status.IDLE, Status.DND)
_V10_TYPES = (
    ActivityType.PLAYING,
    ActivityType.LISTENING,
    ActivityType.WATCHING,
    ActivityType.COMPETING,
    ActivityType.CUSTOM,
)


@dataclass(frozen=True, slots=True)
class Shown:
    """What a Discord user would see: status and the one activity (type, text)."""

    status: str
    activity: tuple[int, str] | None


def random_presence(rng: random.Random, *, legacy: bool) -> Presence:
    """A presence the dialect can express, with a serial so consecutive ones differ."""
    name = f"{rng.choice(_NAMES)} #{rng.randrange(1_000_000)}"
    if legacy:
        status = rng.choice((Status.ONLINE, Status.IDLE))
        activity = None if rng.random() < 0.2 else Activity(name)
        return Presence(status=status, activity=activity)
    status = rng.choice(_V10_STATUSES)
    if rng.random() < 0.15:
        return Presence(status=status)
    kind = rng.choice(_V10_TYPES)
    if kind is ActivityType.CUSTOM:
        return Presence(status=status, activity=Activity("", kind, state=name))
    return Presence(status=status, activity=Activity(name, kind))


def wanted_shape(presence: Presence, *, legacy: bool) -> Shown:
    """How Discord would show ``presence``."""
    activity = presence.activity
    if activity is None:
        shown = None
    elif activity.type is ActivityType.CUSTOM:
        shown = (int(ActivityType.CUSTOM), activity.state or activity.name)
    else:
        shown = (int(activity.type), activity.name)
    status = str(presence.status)
    if legacy:
        # The 2016 payload has only a game name and idle_since.
        return Shown("idle" if status == "idle" else "online", None if shown is None else shown)
    return Shown(status, shown)


def shown_shape(d: dict[str, Any] | None, *, legacy: bool) -> Shown | None:
    """How Discord shows the simulator's recorded presence payload ``d``."""
    if not isinstance(d, dict):
        return None
    if legacy:
        game = d.get("game")
        status = "idle" if d.get("idle_since") is not None else "online"
        if isinstance(game, dict) and isinstance(game.get("name"), str):
            return Shown(status, (int(ActivityType.PLAYING), game["name"]))
        return Shown(status, None)
    activities = d.get("activities") or []
    first = activities[0] if activities and isinstance(activities[0], dict) else None
    if first is None:
        return Shown(str(d.get("status")), None)
    kind = first.get("type")
    if not isinstance(kind, int):
        return Shown(str(d.get("status")), None)
    text = first.get("state") if kind == ActivityType.CUSTOM else first.get("name")
    return Shown(str(d.get("status")), (kind, str(text)))
