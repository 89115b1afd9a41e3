"""What Discord was told (§2): the "Presence on Discord" sensor, the "Presence applied" indicator.

The sensor follows what the live session was sent, not what the controls
want: while a change waits (rate limit, no connection) the two differ and
the indicator is off.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from homeassistant.components.automation import DOMAIN as AUTOMATION_DOMAIN
from homeassistant.const import STATE_OFF, STATE_ON, STATE_UNKNOWN, Platform
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import async_capture_events

from custom_components.discord_presence.const import DOMAIN

from .helpers import advance_until, snapshot_entities, wait_for_state

if TYPE_CHECKING:
    from freezegun.api import FrozenDateTimeFactory
    from homeassistant.core import HomeAssistant
    from pytest_homeassistant_custom_component.common import MockConfigEntry
    from syrupy.assertion import SnapshotAssertion

    from simulator import Simulator
    from tests.clock import ManualClock

SHOWN = "sensor.movie_night_presence_on_discord"
APPLIED = "binary_sensor.movie_night_presence_applied"
CONNECTION = "sensor.movie_night_connection"


async def _call(hass: HomeAssistant, service: str, data: dict[str, Any]) -> None:
    await hass.services.async_call(DOMAIN, service, data, blocking=True)


@pytest.mark.parametrize("platforms", [[Platform.BINARY_SENSOR]])
async def test_indicator_snapshot(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    platforms: list[str],
    snapshot: SnapshotAssertion,
) -> None:
    """The indicator once connected (the IDENTIFY's presence is the wanted one: on).

    The sensor's snapshot is in test_sensor.py with the other sensors.
    """
    await snapshot_entities(hass, snapshot, loaded_entry.entry_id, domain="binary_sensor")


@pytest.mark.parametrize(
    ("data", "shown", "attributes"),
    [
        (
            {"name": "Movie night", "activity_type": "watching"},
            "Watching Movie night",
            {"activity_type": "watching", "activity_name": "Movie night", "activity_state": None},
        ),
        (
            {"name": "Lo-fi", "activity_type": "listening", "state": "Chillhop"},
            "Listening to Lo-fi",
            {"activity_type": "listening", "activity_name": "Lo-fi", "activity_state": "Chillhop"},
        ),
        (
            {"activity_type": "custom", "state": "Laundry is done"},
            "Laundry is done",
            {
                "activity_type": "custom",
                "activity_name": "Custom Status",
                "activity_state": "Laundry is done",
            },
        ),
        (
            {"name": "Quiz", "activity_type": "competing"},
            "Competing in Quiz",
            {"activity_type": "competing", "activity_name": "Quiz", "activity_state": None},
        ),
    ],
)
async def test_sensor_shows_what_was_sent(
    hass: HomeAssistant,
    sim: Simulator,
    clock: ManualClock,
    loaded_entry: MockConfigEntry,
    *,
    freezer: FrozenDateTimeFactory,
    data: dict[str, Any],
    shown: str,
    attributes: dict[str, Any],
) -> None:
    """Each activity in Discord's words, with its parts and when it went out."""
    freezer.move_to("2026-11-22 12:00:00+00:00")
    await _call(hass, "set_game", data)
    await wait_for_state(hass, SHOWN, shown)
    await sim.wait_for(lambda: bool(sim.presences))  # it really went out
    state = hass.states.get(SHOWN)
    assert {k: state.attributes[k] for k in attributes} == attributes
    assert state.attributes["status"] == "online"
    assert state.attributes["stream_url"] is None
    applied_at = dt_util.parse_datetime(state.attributes["applied_at"])
    assert applied_at is not None
    assert applied_at.timestamp() == pytest.approx(clock.time())
    assert hass.states.get(APPLIED).state == STATE_ON


async def test_idle_without_activity_shows_the_status(
    hass: HomeAssistant, sim: Simulator, loaded_entry: MockConfigEntry
) -> None:
    """No activity: the status in words ("Idle", "Do not disturb")."""
    await _call(hass, "set_idle", {"idle": True})
    await wait_for_state(hass, SHOWN, "Idle")
    assert hass.states.get(SHOWN).attributes["status"] == "idle"
    await _call(hass, "set_status", {"status": "dnd"})
    await wait_for_state(hass, SHOWN, "Do not disturb")
    assert hass.states.get(SHOWN).attributes["activity_type"] is None


async def test_rate_limited_change_is_not_applied_yet(
    hass: HomeAssistant, sim: Simulator, clock: ManualClock, loaded_entry: MockConfigEntry
) -> None:
    """The 6th change in 20 s waits for Discord's limit: wanted != shown, indicator off, then on."""
    for name in ("1", "2", "3", "4", "5"):
        await _call(hass, "set_game", {"name": name})
    await sim.wait_for(lambda: len(sim.presences) == 5)
    await wait_for_state(hass, SHOWN, "Playing 5")
    assert hass.states.get(APPLIED).state == STATE_ON
    await _call(hass, "set_game", {"name": "6", "activity_type": "watching"})
    await hass.async_block_till_done()
    assert hass.states.get("text.movie_night_activity").state == "6"  # wanted
    assert hass.states.get(SHOWN).state == "Playing 5"  # what Discord shows
    assert hass.states.get(APPLIED).state == STATE_OFF
    await advance_until(hass, clock, lambda: hass.states.get(APPLIED).state == STATE_ON)
    assert hass.states.get(SHOWN).state == "Watching 6"
    assert sim.presences[-1]["activities"] == [{"name": "6", "type": 3}]


async def test_nothing_is_shown_without_a_live_session(
    hass: HomeAssistant, sim: Simulator, clock: ManualClock, loaded_entry: MockConfigEntry
) -> None:
    """Connection lost: unknown and off (a change made meanwhile waits); back: shown and on."""
    await _call(hass, "set_game", {"name": "Chess"})
    await wait_for_state(hass, SHOWN, "Playing Chess")
    await sim.drop()
    await wait_for_state(hass, CONNECTION, "reconnecting")
    assert hass.states.get(SHOWN).state == STATE_UNKNOWN
    assert hass.states.get(APPLIED).state == STATE_OFF
    await _call(hass, "set_game", {"name": "Go"})
    await advance_until(hass, clock, lambda: hass.states.get(APPLIED).state == STATE_ON)
    assert hass.states.get(SHOWN).state == "Playing Go"


async def test_indicator_off_after_a_permanent_failure(
    hass: HomeAssistant, sim: Simulator, loaded_entry: MockConfigEntry
) -> None:
    """Token rejected: nothing is applied and nothing will be; both stay available to say so."""
    await sim.close(4004)
    await wait_for_state(hass, CONNECTION, "error")
    assert hass.states.get(APPLIED).state == STATE_OFF
    assert hass.states.get(SHOWN).state == STATE_UNKNOWN


async def test_automation_triggers_on_what_discord_shows(
    hass: HomeAssistant, sim: Simulator, clock: ManualClock, loaded_entry: MockConfigEntry
) -> None:
    """An automation can wait for a change to reach Discord (sensor state and indicator)."""
    assert await async_setup_component(
        hass,
        AUTOMATION_DOMAIN,
        {
            AUTOMATION_DOMAIN: [
                {
                    "triggers": [{"trigger": "state", "entity_id": SHOWN, "to": "Watching Films"}],
                    "actions": [{"event": "shown_on_discord"}],
                },
                {
                    "triggers": [{"trigger": "state", "entity_id": APPLIED, "to": "on"}],
                    "actions": [{"event": "presence_applied"}],
                },
            ]
        },
    )
    shown = async_capture_events(hass, "shown_on_discord")
    applied = async_capture_events(hass, "presence_applied")
    await sim.drop()
    await wait_for_state(hass, APPLIED, STATE_OFF)
    await _call(hass, "set_game", {"name": "Films", "activity_type": "watching"})
    await advance_until(hass, clock, lambda: hass.states.get(SHOWN).state == "Watching Films")
    assert len(shown) == 1
    assert len(applied) == 1
