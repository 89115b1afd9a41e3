"""The actions set_game, set_idle and set_status, and their translated errors."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import pytest
from homeassistant.config_entries import ConfigEntryDisabler
from homeassistant.const import ATTR_CONFIG_ENTRY_ID
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.discord_presence.const import DOMAIN

from .conftest import BAD_TOKEN, OTHER_TOKEN, OTHER_USER_ID, TOKEN, entry_data
from .helpers import advance_until, wait_for_state

if TYPE_CHECKING:
    from freezegun.api import FrozenDateTimeFactory
    from homeassistant.core import HomeAssistant

    from simulator import Simulator
    from tests.clock import ManualClock

NOW_MS = 1795348800000  # 2026-11-22 12:00:00 UTC


async def _call(hass: HomeAssistant, service: str, data: dict[str, Any]) -> None:
    await hass.services.async_call(DOMAIN, service, data, blocking=True)


async def test_set_game_types(
    hass: HomeAssistant, sim: Simulator, clock: ManualClock, loaded_entry: MockConfigEntry
) -> None:
    """Every activity type goes out as Discord expects it (custom: text in `state`)."""
    cases: list[tuple[dict[str, Any], list[dict[str, Any]]]] = [
        ({"name": "Chess"}, [{"name": "Chess", "type": 0}]),
        (
            {
                "name": "Live",
                "activity_type": "streaming",
                "url": "https://www.youtube.com/watch?v=abc",
            },
            [{"name": "Live", "type": 1, "url": "https://www.youtube.com/watch?v=abc"}],
        ),
        ({"name": "Podcasts", "activity_type": "listening"}, [{"name": "Podcasts", "type": 2}]),
        ({"name": "Films", "activity_type": "watching"}, [{"name": "Films", "type": 3}]),
        ({"name": "Quiz", "activity_type": "competing"}, [{"name": "Quiz", "type": 5}]),
        (
            {"activity_type": "custom", "state": "Back in 5"},
            [{"name": "Custom Status", "type": 4, "state": "Back in 5"}],
        ),
        (
            {"activity_type": "custom", "name": "Lunch"},
            [{"name": "Custom Status", "type": 4, "state": "Lunch"}],
        ),
        ({"name": "Chess", "state": "Move 12"}, [{"name": "Chess", "type": 0, "state": "Move 12"}]),
        ({}, []),
        ({"name": "Again"}, [{"name": "Again", "type": 0}]),
        ({"name": ""}, []),
    ]
    for data, activities in cases:
        await _call(hass, "set_game", data)
        await advance_until(
            hass,
            clock,
            lambda a=activities: bool(sim.presences) and sim.presences[-1]["activities"] == a,
        )
        assert sim.presences[-1]["status"] == "online"


@pytest.mark.parametrize(
    ("data", "key"),
    [
        ({"name": "x" * 129}, "name_too_long"),
        ({"name": "Chess", "state": "y" * 129}, "state_too_long"),
        ({"name": "Chess", "url": "https://www.twitch.tv/example"}, "url_not_streaming"),
        ({"url": "https://www.twitch.tv/example"}, "url_not_streaming"),
        (
            {"name": "Live", "activity_type": "streaming", "url": "http://www.twitch.tv/x"},
            "invalid_stream_url",
        ),
        (
            {"name": "Live", "activity_type": "streaming", "url": "https://evil.example/x"},
            "invalid_stream_url",
        ),
        ({"config_entry_id": "does-not-exist", "name": "x"}, "entry_not_found"),
    ],
)
async def test_set_game_invalid(
    hass: HomeAssistant,
    sim: Simulator,
    loaded_entry: MockConfigEntry,
    data: dict[str, Any],
    key: str,
) -> None:
    """Bad input raises a translated ServiceValidationError and sends nothing."""
    with pytest.raises(ServiceValidationError) as err:
        await _call(hass, "set_game", data)
    assert err.value.translation_domain == DOMAIN
    assert err.value.translation_key == key
    assert sim.presences == []


async def test_set_idle(
    hass: HomeAssistant,
    sim: Simulator,
    clock: ManualClock,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """idle -> status idle, since now, afk; back -> online, since null, not afk."""
    freezer.move_to("2026-11-22 12:00:00+00:00")
    await _call(hass, "set_idle", {"idle": True})
    await advance_until(hass, clock, lambda: bool(sim.presences))
    assert sim.presences[-1] == {"since": NOW_MS, "activities": [], "status": "idle", "afk": True}
    assert hass.states.get("select.movie_night_status").state == "idle"
    freezer.tick(60)
    await _call(hass, "set_idle", {"idle": True})  # still idle: since is kept
    await _call(hass, "set_idle", {"idle": False})
    await advance_until(hass, clock, lambda: sim.presences[-1]["status"] == "online")
    assert sim.presences[-1] == {"since": None, "activities": [], "status": "online", "afk": False}


async def test_set_idle_kept_since(
    hass: HomeAssistant,
    sim: Simulator,
    clock: ManualClock,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Setting idle again keeps the original since (idle since when it began)."""
    freezer.move_to("2026-11-22 12:00:00+00:00")
    await _call(hass, "set_idle", {"idle": True})
    freezer.tick(60)
    await _call(hass, "set_game", {"name": "Chess"})
    await advance_until(
        hass, clock, lambda: bool(sim.presences) and bool(sim.presences[-1]["activities"])
    )
    await _call(hass, "set_idle", {"idle": True})
    assert loaded_entry.runtime_data.coordinator.presence.since == NOW_MS


async def test_set_status(
    hass: HomeAssistant, sim: Simulator, clock: ManualClock, loaded_entry: MockConfigEntry
) -> None:
    """Each status reaches the gateway; the select follows."""
    for status in ("dnd", "invisible", "idle", "online"):
        await _call(hass, "set_status", {"status": status})
        await advance_until(
            hass, clock, lambda s=status: bool(sim.presences) and sim.presences[-1]["status"] == s
        )
        assert hass.states.get("select.movie_night_status").state == status


async def test_call_while_disconnected_applied_on_reconnect(
    hass: HomeAssistant, sim: Simulator, clock: ManualClock, loaded_entry: MockConfigEntry
) -> None:
    """A call while down succeeds and is sent once the connection is back."""
    await sim.drop()
    await wait_for_state(hass, "sensor.movie_night_connection", "reconnecting")
    await _call(hass, "set_game", {"name": "Queued"})
    await _call(hass, "set_status", {"status": "dnd"})
    await advance_until(
        hass, clock, lambda: hass.states.get("sensor.movie_night_connection").state == "connected"
    )
    new = sim.connections[-1]
    await advance_until(hass, clock, lambda: bool(new.presences))
    sent = new.presences[-1][1]
    assert sent["status"] == "dnd"
    assert sent["activities"] == [{"name": "Queued", "type": 0}]


async def test_entry_selection(
    hass: HomeAssistant,
    sim: Simulator,
    clock: ManualClock,
    loaded_entry: MockConfigEntry,
    other_loaded_entry: MockConfigEntry,
) -> None:
    """With two loaded accounts the entry is required (the error names both, §11)."""
    other = other_loaded_entry
    with pytest.raises(ServiceValidationError) as err:
        await _call(hass, "set_status", {"status": "dnd"})
    assert err.value.translation_key == "entry_required"
    assert err.value.translation_placeholders == {"names": "Movie Night, other_bot"}
    assert "Movie Night, other_bot" in str(err.value)
    await _call(hass, "set_status", {ATTR_CONFIG_ENTRY_ID: other.entry_id, "status": "dnd"})
    await advance_until(hass, clock, lambda: bool(sim.presences))
    other_conn = next(c for c in sim.connections if c.identifies[0]["token"] == OTHER_TOKEN)
    assert other_conn.presences[-1][1]["status"] == "dnd"
    assert hass.states.get("select.movie_night_status").state == "online"
    assert hass.states.get("select.other_bot_status").state == "dnd"


async def test_entry_not_loaded(
    hass: HomeAssistant, sim: Simulator, loaded_entry: MockConfigEntry
) -> None:
    """An unloaded entry is refused with a translated error."""
    assert await hass.config_entries.async_unload(loaded_entry.entry_id)
    await hass.async_block_till_done()
    with pytest.raises(ServiceValidationError) as err:
        await _call(hass, "set_idle", {"idle": True})
    assert err.value.translation_key == "entry_not_loaded"


async def test_entry_of_another_domain(
    hass: HomeAssistant, sim: Simulator, loaded_entry: MockConfigEntry
) -> None:
    """An entry id of another integration is not ours."""
    foreign = MockConfigEntry(domain="light")
    foreign.add_to_hass(hass)
    with pytest.raises(ServiceValidationError) as err:
        await _call(hass, "set_status", {ATTR_CONFIG_ENTRY_ID: foreign.entry_id, "status": "dnd"})
    assert err.value.translation_key == "entry_not_found"


async def test_no_entry(hass: HomeAssistant) -> None:
    """With no account at all the action says to add one."""
    from homeassistant.setup import async_setup_component

    assert await async_setup_component(hass, DOMAIN, {})
    with pytest.raises(ServiceValidationError) as err:
        await _call(hass, "set_status", {"status": "online"})
    assert err.value.translation_key == "no_entry"


async def test_only_loaded_entries_count(
    hass: HomeAssistant,
    sim: Simulator,
    clock: ManualClock,
    loaded_entry: MockConfigEntry,
) -> None:
    """A failed and a disabled second account don't make the call ambiguous (§11)."""
    failed = MockConfigEntry(
        domain=DOMAIN,
        title="Broken bot",
        unique_id="1196230000000000001",
        data=entry_data(sim, token=BAD_TOKEN),
        minor_version=2,
    )
    failed.add_to_hass(hass)
    assert not await hass.config_entries.async_setup(failed.entry_id)
    disabled = MockConfigEntry(
        domain=DOMAIN,
        title="Disabled bot",
        unique_id=OTHER_USER_ID,
        data=entry_data(sim, token=OTHER_TOKEN),
        minor_version=2,
        disabled_by=ConfigEntryDisabler.USER,
    )
    disabled.add_to_hass(hass)
    await _call(hass, "set_status", {"status": "dnd"})
    await advance_until(hass, clock, lambda: bool(sim.presences))
    assert sim.presences[-1]["status"] == "dnd"
    assert [c.identifies[0]["token"] for c in sim.connections] == [TOKEN]


async def test_not_loaded_entries_named(
    hass: HomeAssistant, sim: Simulator, loaded_entry: MockConfigEntry
) -> None:
    """Configured but none loaded: the error names the account(s)."""
    assert await hass.config_entries.async_unload(loaded_entry.entry_id)
    with pytest.raises(ServiceValidationError) as err:
        await _call(hass, "set_game", {"name": "x"})
    assert err.value.translation_key == "entry_not_loaded"
    assert err.value.translation_placeholders == {"name": "Movie Night"}


@pytest.mark.parametrize(
    ("close_code", "key"),
    [
        (4004, "failed_auth"),
        (4014, "failed_intents"),
        (4012, "failed_api_version"),
        (4011, "failed_sharding"),
    ],
)
async def test_actions_refused_after_permanent_failure(
    hass: HomeAssistant,
    sim: Simulator,
    loaded_entry: MockConfigEntry,
    close_code: int,
    key: str,
) -> None:
    """After a permanent refusal every action raises a translated error saying what to do (§8)."""
    await sim.close(close_code)
    await wait_for_state(hass, "sensor.movie_night_connection", "error")
    sent = len(sim.presences)
    for service, data in (
        ("set_game", {"name": "Nobody will see this"}),
        ("set_idle", {"idle": True}),
        ("set_status", {"status": "dnd"}),
    ):
        with pytest.raises(HomeAssistantError) as err:
            await _call(hass, service, data)
        assert not isinstance(err.value, ServiceValidationError)
        assert err.value.translation_domain == DOMAIN
        assert err.value.translation_key == key
        assert "Movie Night" in str(err.value)
        assert "nothing can be sent" in str(err.value)
        # A translated reason, never a Python class name.
        assert not re.search(r"[A-Z][a-z]+[A-Z][a-zA-Z]+", str(err.value)), str(err.value)
    assert loaded_entry.runtime_data.coordinator.presence.activity is None
    assert len(sim.presences) == sent


async def test_bad_schema_rejected(hass: HomeAssistant, loaded_entry: MockConfigEntry) -> None:
    """Unknown types and statuses fail schema validation."""
    import voluptuous as vol

    with pytest.raises(vol.Invalid):
        await _call(hass, "set_status", {"status": "offline"})
    with pytest.raises(vol.Invalid):
        await _call(hass, "set_game", {"name": "x", "activity_type": "dancing"})


STATUS_SELECT = "select.movie_night_status"


async def _status_select(hass: HomeAssistant, option: str) -> None:
    await hass.services.async_call(
        "select",
        "select_option",
        {"entity_id": STATUS_SELECT, "option": option},
        blocking=True,
    )


@pytest.mark.parametrize(
    "go_idle",
    [
        lambda hass: _call(hass, "set_idle", {"idle": True}),
        lambda hass: _call(hass, "set_status", {"status": "idle"}),
        lambda hass: _status_select(hass, "idle"),
    ],
    ids=["set_idle", "set_status", "select"],
)
async def test_every_way_to_idle_means_the_same(
    hass: HomeAssistant,
    sim: Simulator,
    clock: ManualClock,
    loaded_entry: MockConfigEntry,
    *,
    freezer: FrozenDateTimeFactory,
    go_idle: Any,
) -> None:
    """set_idle(true), set_status idle and the Status select send the same op 3 (§3)."""
    freezer.move_to("2026-11-22 12:00:00+00:00")
    await go_idle(hass)
    await advance_until(hass, clock, lambda: bool(sim.presences))
    assert sim.presences[-1] == {"since": NOW_MS, "activities": [], "status": "idle", "afk": True}
    # Whichever way it is repeated, idle keeps the time it began.
    freezer.tick(60)
    await _call(hass, "set_status", {"status": "idle"})
    await _status_select(hass, "idle")
    await _call(hass, "set_idle", {"idle": True})
    assert loaded_entry.runtime_data.coordinator.presence.since == NOW_MS
    assert loaded_entry.runtime_data.coordinator.presence.afk is True


@pytest.mark.parametrize("before", ["dnd", "invisible", "online"])
async def test_set_idle_false_returns_to_the_status_before(
    hass: HomeAssistant,
    sim: Simulator,
    clock: ManualClock,
    loaded_entry: MockConfigEntry,
    before: str,
) -> None:
    """Away and back: dnd stays dnd (invisible, online likewise), not always online (§3)."""
    await _call(hass, "set_status", {"status": before})
    await _call(hass, "set_idle", {"idle": True})
    await advance_until(
        hass, clock, lambda: bool(sim.presences) and sim.presences[-1]["status"] == "idle"
    )
    await _call(hass, "set_idle", {"idle": False})
    await advance_until(hass, clock, lambda: sim.presences[-1]["status"] == before)
    assert sim.presences[-1] == {"since": None, "activities": [], "status": before, "afk": False}
    assert hass.states.get(STATUS_SELECT).state == before


async def test_set_idle_false_when_not_idle_changes_nothing(
    hass: HomeAssistant, sim: Simulator, clock: ManualClock, loaded_entry: MockConfigEntry
) -> None:
    """Not idle: set_idle(false) leaves a status chosen by hand (dnd) alone and sends nothing."""
    await _call(hass, "set_status", {"status": "dnd"})
    await advance_until(hass, clock, lambda: bool(sim.presences))
    sent = len(sim.presences)
    await _call(hass, "set_idle", {"idle": False})
    await clock.advance(30)
    await hass.async_block_till_done()
    assert len(sim.presences) == sent
    assert hass.states.get(STATUS_SELECT).state == "dnd"


async def test_idle_through_the_select_returns_through_set_idle(
    hass: HomeAssistant, sim: Simulator, clock: ManualClock, loaded_entry: MockConfigEntry
) -> None:
    """Idle chosen in the select remembers the status before it as well (one rule)."""
    await _status_select(hass, "dnd")
    await _status_select(hass, "idle")
    await _call(hass, "set_idle", {"idle": False})
    await advance_until(
        hass, clock, lambda: bool(sim.presences) and sim.presences[-1]["status"] == "dnd"
    )


@pytest.mark.parametrize("clear", [{}, {"name": ""}])
async def test_clearing_keeps_the_activity_type(
    hass: HomeAssistant,
    sim: Simulator,
    clock: ManualClock,
    loaded_entry: MockConfigEntry,
    clear: dict[str, Any],
) -> None:
    """Clearing the activity leaves the chosen type: the select doesn't jump to Playing (§3)."""
    await _call(hass, "set_game", {"name": "Films", "activity_type": "watching"})
    await advance_until(hass, clock, lambda: bool(sim.presences))
    await _call(hass, "set_game", clear)
    await advance_until(hass, clock, lambda: sim.presences[-1]["activities"] == [])
    assert hass.states.get("select.movie_night_activity_type").state == "watching"
    # A name without a type is still "Playing", as documented.
    await _call(hass, "set_game", {"name": "Chess"})
    await advance_until(hass, clock, lambda: sim.presences[-1]["activities"] != [])
    assert sim.presences[-1]["activities"] == [{"name": "Chess", "type": 0}]
