"""Shape checks for client payloads, written from Discord's documentation.

Each check returns None when the payload is acceptable, else a short reason.
"""

from __future__ import annotations

from typing import Any

STATUSES = frozenset({"online", "dnd", "idle", "invisible", "offline"})
ACTIVITY_TYPES = frozenset(range(6))
#: Documented intent bits (0-16, 20, 21, 24, 25).
KNOWN_INTENTS = sum(1 << bit for bit in (*range(17), 20, 21, 24, 25))
#: GUILD_MEMBERS, GUILD_PRESENCES, MESSAGE_CONTENT.
PRIVILEGED_INTENTS = (1 << 1) | (1 << 8) | (1 << 15)
LEGACY_PROPERTIES = ("$os", "$browser", "$device", "$referrer", "$referring_domain")


def is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _optional_str(value: object) -> bool:
    return value is None or isinstance(value, str)


def presence_problem(d: object) -> str | None:
    """v10 op 3 ``d`` (also IDENTIFY's ``presence``): since, activities, status, afk."""
    if not isinstance(d, dict):
        return "presence is not an object"
    missing = [key for key in ("since", "activities", "status", "afk") if key not in d]
    if missing:
        return f"presence misses {', '.join(missing)}"
    # Documented as an integer, but Discord accepts any JSON number here:
    # discord.py, the most used client, sends 0.0 when not idle.
    since = d["since"]
    if not (since is None or (isinstance(since, (int, float)) and not isinstance(since, bool))):
        return "since must be a number or null"
    if d["status"] not in STATUSES:
        return "unknown status"
    if not isinstance(d["afk"], bool):
        return "afk must be a boolean"
    activities = d["activities"]
    if not isinstance(activities, list):
        return "activities must be a list"
    for activity in activities:
        problem = _activity_problem(activity)
        if problem:
            return problem
    return None


def _activity_problem(activity: object) -> str | None:
    if not isinstance(activity, dict):
        return "activity is not an object"
    if not isinstance(activity.get("name"), str):
        return "activity name must be a string"
    if activity.get("type") not in ACTIVITY_TYPES or not is_int(activity.get("type")):
        return "unknown activity type"
    if not (_optional_str(activity.get("url")) and _optional_str(activity.get("state"))):
        return "activity url/state must be strings"
    return None


def identify_problem(d: object) -> str | None:
    """v10 IDENTIFY shape (token, properties, intents; optional extras typed)."""
    if not isinstance(d, dict):
        return "identify is not an object"
    if not isinstance(d.get("token"), str):
        return "token must be a string"
    properties = d.get("properties")
    if not isinstance(properties, dict):
        return "properties must be an object"
    if not all(isinstance(properties.get(key), str) for key in ("os", "browser", "device")):
        return "properties needs os, browser and device strings"
    if not is_int(d.get("intents")):
        return "intents must be an integer"
    if "compress" in d and not isinstance(d["compress"], bool):
        return "compress must be a boolean"
    if "large_threshold" in d:
        threshold = d["large_threshold"]
        if not (is_int(threshold) and 50 <= threshold <= 250):
            return "large_threshold must be an integer in 50..250"
    if "shard" in d:
        shard = d["shard"]
        if not (isinstance(shard, list) and len(shard) == 2 and all(map(is_int, shard))):
            return "shard must be [shard_id, num_shards]"
    if d.get("presence") is not None:
        return presence_problem(d["presence"])
    return None


def shard_valid(shard: object) -> bool:
    """``[id, count]`` with 0 <= id < count (shape already checked)."""
    if shard is None:
        return True
    assert isinstance(shard, list)
    shard_id, count = shard
    return bool(0 <= shard_id < count)


def resume_problem(d: object) -> str | None:
    if not isinstance(d, dict):
        return "resume is not an object"
    if not isinstance(d.get("token"), str) or not isinstance(d.get("session_id"), str):
        return "resume needs token and session_id strings"
    if not (d.get("seq") is None or is_int(d.get("seq"))):
        return "seq must be an integer or null"
    return None


def legacy_identify_problem(d: object) -> str | None:
    """The seed's rule: only token, v, large_threshold and properties.* are required."""
    if not isinstance(d, dict):
        return "identify is not an object"
    if not isinstance(d.get("token"), str):
        return "token must be a string"
    if not is_int(d.get("v")):
        return "v must be an integer"
    if not is_int(d.get("large_threshold")):
        return "large_threshold must be an integer"
    properties = d.get("properties")
    if not isinstance(properties, dict):
        return "properties must be an object"
    if not all(isinstance(properties.get(key), str) for key in LEGACY_PROPERTIES):
        return "properties needs $os, $browser, $device, $referrer, $referring_domain"
    if "compress" in d and not isinstance(d["compress"], bool):
        return "compress must be a boolean"
    return None


def legacy_heartbeat_valid(d: object) -> bool:
    """A millisecond timestamp, as an integer or a string of digits."""
    return is_int(d) or (isinstance(d, str) and d.isdigit())


def legacy_presence_problem(d: object) -> str | None:
    """op 3 ``{"game": {"name"} | null, "idle_since": ms | null}``, both keys present."""
    if not isinstance(d, dict):
        return "status update is not an object"
    if "game" not in d or "idle_since" not in d:
        return "status update needs game and idle_since"
    game = d["game"]
    if game is not None and not (isinstance(game, dict) and isinstance(game.get("name"), str)):
        return "game must be null or {name}"
    if not (d["idle_since"] is None or is_int(d["idle_since"])):
        return "idle_since must be an integer or null"
    return None


_VERBS = {0: "Playing", 1: "Streaming", 2: "Listening to", 3: "Watching", 5: "Competing in"}


def describe_presence(d: dict[str, Any]) -> str:
    """One readable line for a v10 presence that passed :func:`presence_problem`."""
    shown = []
    for activity in d["activities"]:
        if activity["type"] == 4:
            shown.append(f"Custom {activity.get('state')!r}")
        else:
            shown.append(f'{_VERBS[activity["type"]]} "{activity["name"]}"')
    return f"status={d['status']} activities=[{', '.join(shown)}] afk={d['afk']}"


def describe_legacy_presence(d: dict[str, Any]) -> str:
    game = d["game"]
    playing = f'"{game["name"]}"' if game else "none"
    return f"game={playing} idle_since={d['idle_since']}"


#: The largest announced interval the heartbeat watchdog honours (about 24
#: days); beyond it, or for anything not a positive number, the server keeps
#: its configured interval.
MAX_WATCHDOG_INTERVAL_MS = 2**31 - 1


def watchdog_interval(announced: Any) -> float | None:
    """An interval a test announced (custom HELLO or READY), if the watchdog can honour it."""
    if isinstance(announced, bool) or not isinstance(announced, (int, float)):
        return None
    if not 0 < announced <= MAX_WATCHDOG_INTERVAL_MS:  # also false for NaN
        return None
    return float(announced)
