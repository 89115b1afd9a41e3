"""Controls: status and activity type selects, activity text; the wanted presence."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from homeassistant.components.select import ATTR_OPTION, SERVICE_SELECT_OPTION
from homeassistant.components.select import DOMAIN as SELECT_DOMAIN
from homeassistant.components.text import ATTR_VALUE, SERVICE_SET_VALUE
from homeassistant.components.text import DOMAIN as TEXT_DOMAIN
from homeassistant.const import ATTR_ENTITY_ID, STATE_UNAVAILABLE, Platform
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.discord_presence.const import DOMAIN

from .conftest import ENTRY_ID, GLOBAL_NAME, USER_ID, entry_data, unload_all
from .helpers import advance_until, snapshot_entities, wait_for_state

if TYPE_CHECKING:
    from freezegun.api import FrozenDateTimeFactory
    from homeassistant.core import HomeAssistant
    from syrupy.assertion import SnapshotAssertion

    from simulator import Simulator
    from tests.clock import ManualClock

STATUS = "select.movie_night_status"
ACTIVITY_TYPE = "select.movie_night_activity_type"
ACTIVITY = "text.movie_night_activity"
CONNECTION = "sensor.movie_night_connection"


async def _select(hass: HomeAssistant, entity_id: str, option: str) -> None:
    await hass.services.async_call(
        SELECT_DOMAIN,
        SERVICE_SELECT_OPTION,
        {ATTR_ENTITY_ID: entity_id, ATTR_OPTION: option},
        blocking=True,
    )


async def _text(hass: HomeAssistant, value: str) -> None:
    await hass.services.async_call(
        TEXT_DOMAIN, SERVICE_SET_VALUE, {ATTR_ENTITY_ID: ACTIVITY, ATTR_VALUE: value}, blocking=True
    )


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
@pytest.mark.parametrize("platforms", [[Platform.SELECT], [Platform.TEXT]])
async def test_controls_snapshot(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    platforms: list[str],
    snapshot: SnapshotAssertion,
) -> None:
    """Select and text entities as first set up (online, no activity; the stream URL enabled)."""
    await snapshot_entities(hass, snapshot, loaded_entry.entry_id, domain=platforms[0])


async def test_controls_send_presence(
    hass: HomeAssistant,
    sim: Simulator,
    clock: ManualClock,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Each control change reaches the gateway as an op 3 with the whole wanted presence.

    Seven changes exceed Discord's 5 per 20 s: virtual time is advanced until
    each is sent, so the client's limiter is exercised, not bypassed.
    """
    freezer.move_to("2026-11-22 12:00:00+00:00")
    await _text(hass, "Movie night")
    await advance_until(hass, clock, lambda: len(sim.presences) >= 1)
    assert sim.presences[-1]["activities"] == [{"name": "Movie night", "type": 0}]
    assert hass.states.get(ACTIVITY).state == "Movie night"

    await _select(hass, ACTIVITY_TYPE, "listening")
    await advance_until(hass, clock, lambda: sim.presences[-1]["activities"][0]["type"] == 2)
    assert hass.states.get(ACTIVITY_TYPE).state == "listening"

    await _select(hass, STATUS, "idle")
    await advance_until(hass, clock, lambda: sim.presences[-1]["status"] == "idle")
    assert sim.presences[-1]["since"] == 1795348800000
    assert hass.states.get(STATUS).state == "idle"

    await _select(hass, ACTIVITY_TYPE, "custom")
    await advance_until(hass, clock, lambda: sim.presences[-1]["activities"][0]["type"] == 4)
    assert sim.presences[-1]["activities"][0]["state"] == "Movie night"
    assert hass.states.get(ACTIVITY).state == "Movie night"

    await _text(hass, "Back soon")
    await advance_until(
        hass,
        clock,
        lambda: (
            sim.presences[-1]["activities"]
            and sim.presences[-1]["activities"][0].get("state") == "Back soon"
        ),
    )
    await _select(hass, ACTIVITY_TYPE, "playing")
    await advance_until(hass, clock, lambda: sim.presences[-1]["activities"][0]["type"] == 0)
    assert sim.presences[-1]["activities"][0]["name"] == "Back soon"

    await _text(hass, "")  # empty clears the activity but keeps the type
    await advance_until(hass, clock, lambda: sim.presences[-1]["activities"] == [])
    assert hass.states.get(ACTIVITY).state == ""
    assert hass.states.get(ACTIVITY_TYPE).state == "playing"

    await _select(hass, STATUS, "dnd")
    await advance_until(hass, clock, lambda: sim.presences[-1]["status"] == "dnd")
    assert sim.presences[-1]["since"] is None


async def test_activity_type_without_activity_is_remembered(
    hass: HomeAssistant, sim: Simulator, loaded_entry: MockConfigEntry
) -> None:
    """Choosing a type with no activity sends nothing; the next text uses it."""
    await _select(hass, ACTIVITY_TYPE, "watching")
    assert hass.states.get(ACTIVITY_TYPE).state == "watching"
    await _text(hass, "the rain")
    await sim.wait_for(lambda: bool(sim.presences))
    assert sim.presences == [
        {
            "since": None,
            "activities": [{"name": "the rain", "type": 3}],
            "status": "online",
            "afk": False,
        }
    ]


async def test_streaming_keeps_url(
    hass: HomeAssistant, sim: Simulator, loaded_entry: MockConfigEntry
) -> None:
    """A new name for a stream keeps its URL."""
    await hass.services.async_call(
        DOMAIN,
        "set_game",
        {"name": "Live", "activity_type": "streaming", "url": "https://www.twitch.tv/example"},
        blocking=True,
    )
    await _text(hass, "Still live")
    await sim.wait_for(
        lambda: bool(sim.presences) and sim.presences[-1]["activities"][0]["name"] == "Still live"
    )
    assert sim.presences[-1]["activities"][0]["url"] == "https://www.twitch.tv/example"


async def test_text_too_long_rejected(hass: HomeAssistant, loaded_entry: MockConfigEntry) -> None:
    """The text entity refuses more than 128 characters (HA's own max check)."""
    with pytest.raises(ValueError, match="128"):
        await _text(hass, "x" * 129)


async def test_controls_usable_while_disconnected(
    hass: HomeAssistant, sim: Simulator, clock: ManualClock, loaded_entry: MockConfigEntry
) -> None:
    """A change while the connection is down is kept and sent on reconnect."""
    await sim.drop()
    await wait_for_state(hass, CONNECTION, "reconnecting")
    await _text(hass, "Offline change")
    assert hass.states.get(ACTIVITY).state == "Offline change"
    await advance_until(hass, clock, lambda: hass.states.get(CONNECTION).state == "connected")
    new = sim.connections[-1]
    await sim.wait_for(lambda: bool(new.presences))
    assert new.presences[-1][1]["activities"][0]["name"] == "Offline change"


async def test_legacy_options(hass: HomeAssistant, legacy_sim: Simulator) -> None:
    """Legacy offers online/idle and "playing" only; idle sends idle_since."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        title=GLOBAL_NAME,
        unique_id=USER_ID,
        entry_id=ENTRY_ID,
        data=entry_data(legacy_sim, protocol="legacy"),
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert hass.states.get(STATUS).attributes["options"] == ["online", "idle"]
    assert hass.states.get(ACTIVITY_TYPE).attributes["options"] == ["playing"]
    await _select(hass, STATUS, "idle")
    await _text(hass, "Chess")
    await legacy_sim.wait_for(
        lambda: bool(legacy_sim.presences) and legacy_sim.presences[-1].get("game") is not None
    )
    last = legacy_sim.presences[-1]
    assert last["game"] == {"name": "Chess"}
    assert last["idle_since"] is not None
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(DOMAIN, "set_status", {"status": "dnd"}, blocking=True)
    assert err.value.translation_key == "unsupported_by_legacy"
    await unload_all(hass)


async def test_controls_unavailable_after_permanent_failure(
    hass: HomeAssistant, sim: Simulator, loaded_entry: MockConfigEntry
) -> None:
    """A rejected token: the controls go unavailable and refuse with why (§8).

    Home Assistant skips unavailable entities in its own services, so the
    refusal is checked on the entities themselves.
    """
    await sim.close(4004)
    await wait_for_state(hass, CONNECTION, "error")
    for entity_id in (STATUS, ACTIVITY_TYPE, ACTIVITY):
        assert hass.states.get(entity_id).state == STATE_UNAVAILABLE, entity_id
    assert hass.states.get(CONNECTION).state == "error"  # the sensor stays to say so
    selects = hass.data[SELECT_DOMAIN]
    texts = hass.data[TEXT_DOMAIN]
    for call in (
        lambda: selects.get_entity(STATUS).async_select_option("dnd"),
        lambda: selects.get_entity(ACTIVITY_TYPE).async_select_option("watching"),
        lambda: texts.get_entity(ACTIVITY).async_set_value("x"),
    ):
        with pytest.raises(HomeAssistantError) as err:
            await call()
        assert err.value.translation_key == "failed_auth"
    assert sim.presences == []


async def test_controls_available_while_waiting_or_down(
    hass: HomeAssistant, sim: Simulator, clock: ManualClock, loaded_entry: MockConfigEntry
) -> None:
    """Down is not failed: the controls stay available while reconnecting."""
    await sim.drop()
    await wait_for_state(hass, CONNECTION, "reconnecting")
    for entity_id in (STATUS, ACTIVITY_TYPE, ACTIVITY):
        assert hass.states.get(entity_id).state != STATE_UNAVAILABLE, entity_id


STREAM_URL = "text.movie_night_stream_url"
TWITCH = "https://www.twitch.tv/example"


async def _stream_url(hass: HomeAssistant, value: str) -> None:
    await hass.services.async_call(
        TEXT_DOMAIN,
        SERVICE_SET_VALUE,
        {ATTR_ENTITY_ID: STREAM_URL, ATTR_VALUE: value},
        blocking=True,
    )


async def test_stream_url_disabled_by_default(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, entity_registry: er.EntityRegistry
) -> None:
    """Only streamers need the stream URL: it is there, but disabled until enabled (§4)."""
    entry = entity_registry.async_get(STREAM_URL)
    assert entry is not None
    assert entry.disabled_by is er.RegistryEntryDisabler.INTEGRATION
    assert hass.states.get(STREAM_URL) is None


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
@pytest.mark.parametrize(
    "url",
    [
        "http://www.twitch.tv/example",
        "https://vimeo.com/123",
        "www.twitch.tv/example",
        "https://www.twitch.tv:8443/example",
        "https://user@www.twitch.tv/example",
    ],
)
async def test_stream_url_refuses_what_discord_refuses(
    hass: HomeAssistant, sim: Simulator, loaded_entry: MockConfigEntry, url: str
) -> None:
    """Not an https Twitch or YouTube URL: a translated error; nothing kept, nothing sent (§4)."""
    with pytest.raises(ServiceValidationError) as err:
        await _stream_url(hass, url)
    assert err.value.translation_domain == DOMAIN
    assert err.value.translation_key == "invalid_stream_url"
    assert "must be an https Twitch or YouTube URL" in str(err.value)
    assert hass.states.get(STREAM_URL).state == ""
    assert sim.presences == []


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_stream_url_is_the_streaming_activitys_url(
    hass: HomeAssistant, sim: Simulator, clock: ManualClock, loaded_entry: MockConfigEntry
) -> None:
    """Entered while not streaming: kept, not sent; Streaming then links it; edits follow (§4)."""
    await _text(hass, "Chess")
    await advance_until(hass, clock, lambda: len(sim.presences) == 1)
    await _stream_url(hass, f"  {TWITCH}  ")
    assert hass.states.get(STREAM_URL).state == TWITCH
    await clock.advance(30)
    await hass.async_block_till_done()
    assert len(sim.presences) == 1  # playing has no URL: nothing to send

    await _select(hass, ACTIVITY_TYPE, "streaming")
    await advance_until(hass, clock, lambda: sim.presences[-1]["activities"][0]["type"] == 1)
    assert sim.presences[-1]["activities"] == [{"name": "Chess", "type": 1, "url": TWITCH}]

    youtube = "https://www.youtube.com/watch?v=live"
    await _stream_url(hass, youtube)
    await advance_until(
        hass, clock, lambda: sim.presences[-1]["activities"][0].get("url") == youtube
    )
    await _text(hass, "Speedrun")  # a new title keeps the link
    await advance_until(
        hass, clock, lambda: sim.presences[-1]["activities"][0]["name"] == "Speedrun"
    )
    assert sim.presences[-1]["activities"][0]["url"] == youtube

    await _stream_url(hass, "")  # empty forgets it; the stream stays, unlinked
    await advance_until(hass, clock, lambda: "url" not in sim.presences[-1]["activities"][0])
    assert sim.presences[-1]["activities"] == [{"name": "Speedrun", "type": 1}]
    assert hass.states.get(STREAM_URL).state == ""


async def test_legacy_has_no_stream_url(hass: HomeAssistant, legacy_sim: Simulator) -> None:
    """The 2016 protocol cannot stream: no stream URL entity."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        title=GLOBAL_NAME,
        unique_id=USER_ID,
        entry_id=ENTRY_ID,
        data=entry_data(legacy_sim, protocol="legacy"),
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert er.async_get(hass).async_get(STREAM_URL) is None
    assert er.async_get(hass).async_get(ACTIVITY) is not None
    await unload_all(hass)


async def test_activity_text_carries_the_whole_activity(
    hass: HomeAssistant, loaded_entry: MockConfigEntry
) -> None:
    """Its attributes give the type and second line, so a blueprint can restore the activity."""
    await hass.services.async_call(
        DOMAIN,
        "set_game",
        {"name": "Lo-fi", "activity_type": "listening", "state": "Chillhop"},
        blocking=True,
    )
    attributes = hass.states.get(ACTIVITY).attributes
    assert (attributes["activity_type"], attributes["activity_state"]) == ("listening", "Chillhop")
    await _text(hass, "")  # no activity: the type the next one gets
    attributes = hass.states.get(ACTIVITY).attributes
    assert (attributes["activity_type"], attributes["activity_state"]) == ("listening", None)
