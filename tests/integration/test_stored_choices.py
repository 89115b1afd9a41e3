"""What the store keeps besides the presence: the status before idle and the stream URL.

Both survive a restart; data written by earlier versions (without them, or
damaged) starts from the defaults instead of failing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.discord_presence.const import DOMAIN

from .conftest import ENTRY_ID, GLOBAL_NAME, USER_ID, entry_data, unload_all
from .helpers import advance_until

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant

    from simulator import Simulator
    from tests.clock import ManualClock

STORE_KEY = f"{DOMAIN}.{ENTRY_ID}"
IDLE_SINCE = 1700000000000
IDLE = {"status": "idle", "activity": None, "afk": True, "since": IDLE_SINCE}
TWITCH = "https://www.twitch.tv/example"


def _entry(sim: Simulator) -> MockConfigEntry:
    return MockConfigEntry(
        domain=DOMAIN,
        title=GLOBAL_NAME,
        unique_id=USER_ID,
        entry_id=ENTRY_ID,
        data=entry_data(sim),
        minor_version=2,
    )


async def _start(
    hass: HomeAssistant, sim: Simulator, hass_storage: dict[str, Any], stored: dict[str, Any]
) -> MockConfigEntry:
    """Set the entry up on a store an earlier run left."""
    hass_storage[STORE_KEY] = {"version": 1, "minor_version": 1, "key": STORE_KEY, "data": stored}
    entry = _entry(sim)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry


async def _back_from_idle(hass: HomeAssistant, sim: Simulator, clock: ManualClock) -> str:
    """set_idle(false) after a restart while idle; the status that went out."""
    assert sim.connections[0].identifies[0]["presence"]["status"] == "idle"
    await hass.services.async_call(DOMAIN, "set_idle", {"idle": False}, blocking=True)
    await advance_until(hass, clock, lambda: bool(sim.presences))
    status: str = sim.presences[-1]["status"]
    await unload_all(hass)
    return status


async def test_status_before_idle_survives_a_restart(
    hass: HomeAssistant,
    sim: Simulator,
    clock: ManualClock,
    hass_storage: dict[str, Any],
) -> None:
    """dnd, then away; Home Assistant restarts; back: dnd again (§3)."""
    entry = await _start(
        hass, sim, hass_storage, {"presence": {"status": "dnd"}, "activity_type": 0}
    )
    await hass.services.async_call(DOMAIN, "set_idle", {"idle": True}, blocking=True)
    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    stored = hass_storage[STORE_KEY]["data"]
    assert stored["presence"]["status"] == "idle"
    assert stored["status_before_idle"] == "dnd"
    await clock.advance(10)  # the next identify keeps its spacing
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    sim.presences.clear()
    await hass.services.async_call(DOMAIN, "set_idle", {"idle": False}, blocking=True)
    await advance_until(hass, clock, lambda: bool(sim.presences))
    assert sim.presences[-1]["status"] == "dnd"
    await unload_all(hass)


@pytest.mark.parametrize(
    ("before", "expected"),
    [
        (None, "online"),  # written by a version that did not keep it
        ("invisible", "invisible"),
        ("idle", "online"),  # idle cannot be what idle returns to
        ("offline", "online"),
        ("sleeping", "online"),
        (3, "online"),
    ],
)
async def test_stored_status_before_idle_read_tolerantly(
    hass: HomeAssistant,
    sim: Simulator,
    clock: ManualClock,
    hass_storage: dict[str, Any],
    *,
    before: Any,
    expected: str,
) -> None:
    """Missing or damaged, the status before idle falls back to online; the presence stays."""
    stored: dict[str, Any] = {"presence": IDLE, "activity_type": 0}
    if before is not None:
        stored["status_before_idle"] = before
    await _start(hass, sim, hass_storage, stored)
    assert await _back_from_idle(hass, sim, clock) == expected


async def test_stream_url_survives_a_restart(
    hass: HomeAssistant, sim: Simulator, clock: ManualClock, hass_storage: dict[str, Any]
) -> None:
    """The stream URL is kept with the presence; a damaged one is dropped, not fatal (§4)."""
    await _start(
        hass,
        sim,
        hass_storage,
        {"presence": {"status": "online"}, "activity_type": 1, "stream_url": TWITCH},
    )
    await hass.services.async_call(
        DOMAIN, "set_game", {"name": "Live", "activity_type": "streaming"}, blocking=True
    )
    await advance_until(hass, clock, lambda: bool(sim.presences))
    assert sim.presences[-1]["activities"] == [{"name": "Live", "type": 1, "url": TWITCH}]
    await unload_all(hass)
    assert hass_storage[STORE_KEY]["data"]["stream_url"] == TWITCH


@pytest.mark.parametrize("damaged", ["http://www.twitch.tv/x", "javascript:alert(1)", 42, ""])
async def test_damaged_stream_url_dropped(
    hass: HomeAssistant, sim: Simulator, hass_storage: dict[str, Any], damaged: Any
) -> None:
    """A stored URL Discord would refuse is forgotten; the rest of the store still counts."""
    entry = await _start(
        hass,
        sim,
        hass_storage,
        {"presence": IDLE, "activity_type": 3, "stream_url": damaged},
    )
    coordinator = entry.runtime_data.coordinator
    assert coordinator.stream_url is None
    assert coordinator.presence.status == "idle"
    assert hass.states.get("select.movie_night_activity_type").state == "watching"
    await unload_all(hass)
