"""Diagnostics for Discord Presence (the token is redacted)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.const import CONF_TOKEN

from .helpers import iso_time

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant

    from .coordinator import DiscordPresenceConfigEntry

TO_REDACT = {CONF_TOKEN}


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: DiscordPresenceConfigEntry
) -> dict[str, Any]:
    """Return what helps debug a connection, never the token."""
    coordinator = entry.runtime_data.coordinator
    snapshot = coordinator.client.snapshot()
    stats = snapshot.stats
    user = snapshot.user
    return {
        "entry": {
            "data": async_redact_data(dict(entry.data), TO_REDACT),
            "options": async_redact_data(dict(entry.options), TO_REDACT),
        },
        "connection": {
            "state": coordinator.connection_state,
            "client_state": str(snapshot.state),
            "failure": type(coordinator.failure).__name__ if coordinator.failure else None,
            "latency_ms": None if snapshot.latency is None else round(snapshot.latency * 1000, 1),
            "presence_applied": snapshot.presence_applied,
            "dialect": str(coordinator.dialect),
            "waiting_until": coordinator.waiting_until,
            "identifies_last_24h": coordinator.identifies_last_24h,
        },
        "stats": {
            "identifies": stats.identifies,
            "resumes": stats.resumes,
            "reconnects": stats.reconnects,
            "frames_in": stats.frames_in,
            "frames_out": stats.frames_out,
            "presence_updates_sent": stats.presence_updates_sent,
            "last_close_code": stats.last_close_code,
        },
        "presence": snapshot.presence.as_dict(),
        # What the live session was last sent (None: no live session).
        "applied": None if snapshot.applied is None else snapshot.applied.as_dict(),
        "applied_at": iso_time(snapshot.applied_at),
        "status_before_idle": str(coordinator.status_before_idle),
        "stream_url": coordinator.stream_url,
        "activity_type": int(coordinator.activity_type),
        "user": None
        if user is None
        else {
            "id": user.id,
            "username": user.username,
            "global_name": user.global_name,
            "bot": user.bot,
        },
    }
