"""What an entry keeps on disk: the wanted presence, its choices and the identify ledger."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from homeassistant.helpers.storage import Store

from .const import DOMAIN, LOGGER, STORAGE_VERSION
from .gateway import ActivityType, IdentifyLedger, Presence, Status
from .helpers import stream_url_or_none

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant

KEY_PRESENCE = "presence"
KEY_ACTIVITY_TYPE = "activity_type"
KEY_IDENTIFIES = "identifies"
KEY_STATUS_BEFORE_IDLE = "status_before_idle"
KEY_STREAM_URL = "stream_url"
# What idle can return to (set_idle false); offline is never a wanted status.
RESTORABLE_STATUSES = frozenset({Status.ONLINE, Status.DND, Status.INVISIBLE})
_LEDGERS = f"{DOMAIN}_identify_ledgers"


def presence_store(hass: HomeAssistant, entry_id: str) -> Store[dict[str, Any]]:
    """The store that keeps an entry's wanted presence and identifies across restarts."""
    return Store(hass, STORAGE_VERSION, f"{DOMAIN}.{entry_id}")


@dataclass(frozen=True)
class Stored:
    """An entry's stored state, read tolerantly (defaults for what is absent or unreadable)."""

    presence: Presence = field(default_factory=Presence)
    activity_type: ActivityType = ActivityType.PLAYING
    identifies: tuple[Any, ...] = ()
    status_before_idle: Status = Status.ONLINE
    stream_url: str | None = None


def read_stored(data: dict[str, Any] | None) -> Stored:
    """Parse what an earlier run stored.

    Older data lacks the identifies, the status before idle and the stream
    URL; each falls back to its default on its own, so one unreadable field
    does not cost the others.
    """
    if not data:
        return Stored()
    identifies = _read_identifies(data.get(KEY_IDENTIFIES))
    before_idle = _read_status_before_idle(data.get(KEY_STATUS_BEFORE_IDLE))
    stream_url = _read_stream_url(data.get(KEY_STREAM_URL))
    try:
        presence = Presence.from_dict(data[KEY_PRESENCE])
        activity_type = ActivityType(int(data.get(KEY_ACTIVITY_TYPE, 0)))
    except (KeyError, TypeError, ValueError):
        LOGGER.warning("The stored presence could not be read; starting from online")
        return Stored(identifies=identifies, stream_url=stream_url)
    return Stored(presence, activity_type, identifies, before_idle, stream_url)


def _read_status_before_idle(value: Any) -> Status:
    try:
        status = Status(value)
    except ValueError:
        return Status.ONLINE
    return status if status in RESTORABLE_STATUSES else Status.ONLINE


def _read_stream_url(value: Any) -> str | None:
    return stream_url_or_none(value) if isinstance(value, str) else None


def _read_identifies(value: Any) -> tuple[Any, ...]:
    # The ledger itself drops entries that are not finite numbers.
    return tuple(value) if isinstance(value, list) else ()


def to_store(
    presence: Presence,
    activity_type: ActivityType,
    ledger: IdentifyLedger,
    *,
    status_before_idle: Status = Status.ONLINE,
    stream_url: str | None = None,
) -> dict[str, Any]:
    """The data written to the entry's store."""
    return {
        KEY_PRESENCE: presence.as_dict(),
        KEY_ACTIVITY_TYPE: int(activity_type),
        KEY_IDENTIFIES: list(ledger.times),
        KEY_STATUS_BEFORE_IDLE: str(status_before_idle),
        KEY_STREAM_URL: stream_url,
    }


def account_ledger(hass: HomeAssistant, account_id: str, stored: Stored) -> IdentifyLedger:
    """The one identify ledger of an account, shared by everything that identifies with it.

    Created from the store on first use; a reload of the entry gets the same
    object back, so identifies made since the last write still count.
    """
    ledgers: dict[str, IdentifyLedger] = hass.data.setdefault(_LEDGERS, {})
    if (ledger := ledgers.get(account_id)) is None:
        ledger = ledgers[account_id] = IdentifyLedger(stored.identifies)
    return ledger


def forget_ledger(hass: HomeAssistant, account_id: str) -> None:
    """Drop a removed account's ledger."""
    hass.data.get(_LEDGERS, {}).pop(account_id, None)
