"""The automation blueprints, imported into Home Assistant and run for real.

Each blueprint is copied into the test instance's blueprints folder,
instantiated with ``use_blueprint`` and triggered through state changes; the
simulator must then receive the matching op 3 (presence update).
"""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import yaml
from homeassistant.components.automation import DOMAIN as AUTOMATION_DOMAIN
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import async_fire_time_changed

from custom_components.discord_presence.const import DOMAIN
from tests.integration.helpers import advance_until

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant
    from pytest_homeassistant_custom_component.common import MockConfigEntry

    from simulator import Simulator
    from tests.clock import ManualClock

ROOT = Path(__file__).resolve().parents[2]
SOURCE = ROOT / "blueprints" / "automation" / DOMAIN
BLUEPRINTS = sorted(p.name for p in SOURCE.glob("*.yaml"))
PLAYER = "media_player.living_room"
README_BADGE = (
    "https://my.home-assistant.io/redirect/blueprint_import/?blueprint_url="
    "https%3A%2F%2Fraw.githubusercontent.com%2Fdiscord-presence%2Fha-discord-presence"
    "%2Fmain%2Fblueprints%2Fautomation%2Fdiscord_presence%2F"
)


class _BlueprintLoader(yaml.SafeLoader):
    """Reads blueprint YAML, keeping !input tags as plain markers."""


_BlueprintLoader.add_constructor(
    "!input", lambda loader, node: {"!input": loader.construct_scalar(node)}
)


def _read(name: str) -> dict[str, Any]:
    data: dict[str, Any] = yaml.load((SOURCE / name).read_text(encoding="utf-8"), _BlueprintLoader)
    return data


@pytest.fixture
def blueprint_folder(hass: HomeAssistant, tmp_path: Path) -> Path:
    """The repository's blueprints, installed where Home Assistant looks for them."""
    hass.config.config_dir = str(tmp_path)
    target = Path(hass.config.path("blueprints", "automation", DOMAIN))
    shutil.copytree(SOURCE, target)
    return target


async def _automation(hass: HomeAssistant, path: str, inputs: dict[str, Any]) -> str:
    """Instantiate a blueprint as an automation; return its entity id."""
    assert await async_setup_component(
        hass,
        AUTOMATION_DOMAIN,
        {
            AUTOMATION_DOMAIN: [
                {
                    "id": "under_test",
                    "alias": "Under test",
                    "use_blueprint": {"path": f"{DOMAIN}/{path}", "input": inputs},
                }
            ]
        },
    )
    await hass.async_block_till_done()
    entity_id = "automation.under_test"
    state = hass.states.get(entity_id)
    assert state is not None, "the blueprint did not produce an automation"
    assert state.state == "on", f"automation not valid: {state.attributes}"
    return entity_id


def _last(sim: Simulator) -> dict[str, Any]:
    return sim.presences[-1] if sim.presences else {"status": None, "activities": None}


def test_blueprints_exist() -> None:
    assert {"media_now_playing.yaml", "away_idle.yaml", "calendar_status.yaml"} <= set(BLUEPRINTS)


@pytest.mark.parametrize("name", BLUEPRINTS)
def test_blueprint_metadata(name: str) -> None:
    """Automation domain, a config_entry selector for the account, a source_url to this file."""
    meta = _read(name)["blueprint"]
    assert meta["domain"] == "automation"
    assert meta["name"]
    assert meta["description"]
    assert meta["source_url"].endswith(f"/blueprints/automation/{DOMAIN}/{name}")
    account = meta["input"]["discord_account"]
    assert account["selector"] == {"config_entry": {"integration": DOMAIN}}
    for spec in meta["input"].values():
        assert "selector" in spec
        assert spec.get("name")


@pytest.mark.parametrize("name", BLUEPRINTS)
def test_readme_has_import_badge(name: str) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"{README_BADGE}{name}" in readme, f"README lacks the import badge for {name}"


async def test_media_player_blueprint(
    hass: HomeAssistant,
    sim: Simulator,
    clock: ManualClock,
    loaded_entry: MockConfigEntry,
    blueprint_folder: Path,
) -> None:
    """Music -> "Listening to", a film -> "Watching", paused -> cleared."""
    hass.states.async_set(PLAYER, "idle", {})
    await _automation(
        hass,
        "media_now_playing.yaml",
        {"media_player": PLAYER, "discord_account": loaded_entry.entry_id},
    )
    sent = len(sim.presences)

    hass.states.async_set(
        PLAYER,
        "playing",
        {"media_content_type": "music", "media_title": "So What", "media_artist": "Miles Davis"},
    )
    await advance_until(hass, clock, lambda: len(sim.presences) > sent)
    assert _last(sim)["activities"] == [{"name": "So What", "type": 2, "state": "Miles Davis"}]
    assert _last(sim)["status"] == "online"

    # A new track (attribute change only) updates the activity too.
    hass.states.async_set(
        PLAYER,
        "playing",
        {"media_content_type": "music", "media_title": "Freddie Freeloader"},
    )
    await advance_until(
        hass,
        clock,
        lambda: _last(sim)["activities"][:1] == [{"name": "Freddie Freeloader", "type": 2}],
    )

    hass.states.async_set(
        PLAYER, "playing", {"media_content_type": "movie", "media_title": "Movie night"}
    )
    await advance_until(
        hass, clock, lambda: _last(sim)["activities"] == [{"name": "Movie night", "type": 3}]
    )
    assert hass.states.get("select.movie_night_activity_type").state == "watching"

    hass.states.async_set(
        PLAYER, "paused", {"media_content_type": "movie", "media_title": "Movie night"}
    )
    await advance_until(hass, clock, lambda: _last(sim)["activities"] == [])


async def test_media_player_blueprint_keeps_activity_when_asked(
    hass: HomeAssistant,
    sim: Simulator,
    clock: ManualClock,
    loaded_entry: MockConfigEntry,
    blueprint_folder: Path,
) -> None:
    """clear_when_stopped off: pausing leaves the activity; tvshow counts as watching."""
    hass.states.async_set(PLAYER, "idle", {})
    await _automation(
        hass,
        "media_now_playing.yaml",
        {
            "media_player": PLAYER,
            "discord_account": loaded_entry.entry_id,
            "clear_when_stopped": False,
        },
    )
    hass.states.async_set(
        PLAYER, "playing", {"media_content_type": "tvshow", "media_title": "The Wire"}
    )
    await advance_until(
        hass,
        clock,
        lambda: (
            bool(sim.presences) and _last(sim)["activities"] == [{"name": "The Wire", "type": 3}]
        ),
    )
    sent = len(sim.presences)
    hass.states.async_set(
        PLAYER, "paused", {"media_content_type": "tvshow", "media_title": "The Wire"}
    )
    await hass.async_block_till_done()
    await clock.advance(30)
    await hass.async_block_till_done()
    assert len(sim.presences) == sent
    assert hass.states.get("text.movie_night_activity").state == "The Wire"


async def test_away_blueprint_with_home_zone(
    hass: HomeAssistant,
    sim: Simulator,
    clock: ManualClock,
    loaded_entry: MockConfigEntry,
    blueprint_folder: Path,
) -> None:
    """zone.home drops to 0 -> idle (afk); someone comes back -> online."""
    hass.states.async_set("zone.home", "2", {"persons": ["person.a", "person.b"]})
    await _automation(
        hass, "away_idle.yaml", {"discord_account": loaded_entry.entry_id}
    )  # presence_entity defaults to zone.home
    sent = len(sim.presences)

    hass.states.async_set("zone.home", "1", {"persons": ["person.a"]})
    await hass.async_block_till_done()
    hass.states.async_set("zone.home", "0", {"persons": []})
    await advance_until(hass, clock, lambda: len(sim.presences) > sent)
    assert _last(sim)["status"] == "idle"
    assert _last(sim)["afk"] is True
    assert isinstance(_last(sim)["since"], int)
    assert all(d["status"] != "idle" for d in sim.presences[sent:-1])

    hass.states.async_set("zone.home", "1", {"persons": ["person.b"]})
    await advance_until(hass, clock, lambda: _last(sim)["status"] == "online")
    assert _last(sim)["afk"] is False
    assert _last(sim)["since"] is None


async def test_away_blueprint_with_person_and_delay(
    hass: HomeAssistant,
    sim: Simulator,
    clock: ManualClock,
    loaded_entry: MockConfigEntry,
    blueprint_folder: Path,
) -> None:
    """A person away for the configured time -> idle; not before."""
    hass.states.async_set("person.alice", "home")
    await _automation(
        hass,
        "away_idle.yaml",
        {
            "discord_account": loaded_entry.entry_id,
            "presence_entity": "person.alice",
            "away_delay": {"minutes": 10},
        },
    )
    hass.states.async_set("person.alice", "not_home")
    await hass.async_block_till_done()
    await clock.advance(5)
    await hass.async_block_till_done()
    assert not any(d["status"] == "idle" for d in sim.presences)

    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(minutes=10, seconds=1))
    await advance_until(hass, clock, lambda: bool(sim.presences) and _last(sim)["status"] == "idle")
    assert hass.states.get("select.movie_night_status").state == "idle"

    hass.states.async_set("person.alice", "home")
    await advance_until(hass, clock, lambda: _last(sim)["status"] == "online")
    # Home for ten minutes as well: the delayed trigger fires but changes nothing.
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(minutes=21))
    await hass.async_block_till_done()
    assert _last(sim)["status"] == "online"


# ------------------------------------------------------- away -> idle: edge cases


async def _call(hass: HomeAssistant, service: str, data: dict[str, Any]) -> None:
    await hass.services.async_call(DOMAIN, service, data, blocking=True)


def _last_triggered(hass: HomeAssistant) -> Any:
    return hass.states.get("automation.under_test").attributes.get("last_triggered")


async def _away_for_person(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    await _automation(
        hass,
        "away_idle.yaml",
        {"discord_account": entry.entry_id, "presence_entity": "person.alice"},
    )


async def test_away_blueprint_ignores_position_updates(
    hass: HomeAssistant,
    sim: Simulator,
    clock: ManualClock,
    loaded_entry: MockConfigEntry,
    blueprint_folder: Path,
) -> None:
    """GPS updates (attributes only) don't re-run it, at home or away (§5)."""
    hass.states.async_set("person.alice", "home", {"latitude": 52.0, "longitude": 4.0})
    await _away_for_person(hass, loaded_entry)
    hass.states.async_set("person.alice", "home", {"latitude": 52.001, "longitude": 4.0})
    await hass.async_block_till_done()
    assert _last_triggered(hass) is None

    hass.states.async_set("person.alice", "not_home", {"latitude": 53.0, "longitude": 4.0})
    await advance_until(hass, clock, lambda: bool(sim.presences) and _last(sim)["status"] == "idle")
    triggered = _last_triggered(hass)
    assert triggered is not None
    hass.states.async_set("person.alice", "not_home", {"latitude": 53.5, "longitude": 4.0})
    await hass.async_block_till_done()
    assert _last_triggered(hass) == triggered


async def test_away_blueprint_ignores_unknown_and_unavailable(
    hass: HomeAssistant,
    sim: Simulator,
    clock: ManualClock,
    loaded_entry: MockConfigEntry,
    blueprint_folder: Path,
) -> None:
    """A tracker going unavailable (a restart, a dead phone) is neither away nor back."""
    hass.states.async_set("person.alice", "home")
    await _away_for_person(hass, loaded_entry)
    hass.states.async_set("person.alice", "unavailable")
    await hass.async_block_till_done()
    hass.states.async_set("person.alice", "home")
    await hass.async_block_till_done()
    hass.states.async_set("person.alice", "unknown")
    await hass.async_block_till_done()
    await clock.advance(30)
    await hass.async_block_till_done()
    assert _last_triggered(hass) is None
    assert sim.presences == []


@pytest.mark.parametrize("zone", ["Work", "school", "not_home"])
async def test_away_blueprint_any_other_zone_is_away(
    hass: HomeAssistant,
    sim: Simulator,
    clock: ManualClock,
    loaded_entry: MockConfigEntry,
    blueprint_folder: Path,
    *,
    zone: str,
) -> None:
    """A person in another zone is away, not just `not_home` (§5)."""
    hass.states.async_set("person.alice", "home")
    await _away_for_person(hass, loaded_entry)
    hass.states.async_set("person.alice", zone)
    await advance_until(hass, clock, lambda: bool(sim.presences) and _last(sim)["status"] == "idle")
    assert _last(sim)["afk"] is True


async def test_away_blueprint_restores_do_not_disturb(
    hass: HomeAssistant,
    sim: Simulator,
    clock: ManualClock,
    loaded_entry: MockConfigEntry,
    blueprint_folder: Path,
) -> None:
    """dnd set by hand, everyone leaves (idle), someone is back: dnd again, not online (§5, §3)."""
    hass.states.async_set("zone.home", "1", {"persons": ["person.a"]})
    await _automation(hass, "away_idle.yaml", {"discord_account": loaded_entry.entry_id})
    await _call(hass, "set_status", {"status": "dnd"})
    hass.states.async_set("zone.home", "0", {"persons": []})
    await advance_until(hass, clock, lambda: bool(sim.presences) and _last(sim)["status"] == "idle")
    hass.states.async_set("zone.home", "1", {"persons": ["person.a"]})
    await advance_until(hass, clock, lambda: _last(sim)["status"] == "dnd")
    assert _last(sim)["afk"] is False
    assert hass.states.get("select.movie_night_status").state == "dnd"


async def test_away_blueprint_leaves_a_status_set_at_home(
    hass: HomeAssistant,
    sim: Simulator,
    clock: ManualClock,
    loaded_entry: MockConfigEntry,
    blueprint_folder: Path,
) -> None:
    """Someone else arriving while the bot is dnd (not idle) changes nothing."""
    hass.states.async_set("zone.home", "1", {"persons": ["person.a"]})
    await _automation(hass, "away_idle.yaml", {"discord_account": loaded_entry.entry_id})
    await _call(hass, "set_status", {"status": "dnd"})
    await advance_until(hass, clock, lambda: bool(sim.presences))
    sent = len(sim.presences)
    hass.states.async_set("zone.home", "2", {"persons": ["person.a", "person.b"]})
    await hass.async_block_till_done()
    assert _last_triggered(hass) is not None  # it ran, and chose to do nothing
    await clock.advance(30)
    await hass.async_block_till_done()
    assert len(sim.presences) == sent
    assert hass.states.get("select.movie_night_status").state == "dnd"


# ------------------------------------------------------------ media: edge cases


async def _media(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    await _automation(
        hass,
        "media_now_playing.yaml",
        {"media_player": PLAYER, "discord_account": entry.entry_id},
    )


async def test_media_blueprint_keeps_an_activity_set_by_hand(
    hass: HomeAssistant,
    sim: Simulator,
    clock: ManualClock,
    loaded_entry: MockConfigEntry,
    blueprint_folder: Path,
) -> None:
    """The user replaced the song with their own activity: pausing doesn't wipe it (§5)."""
    hass.states.async_set(PLAYER, "idle", {})
    await _media(hass, loaded_entry)
    hass.states.async_set(PLAYER, "playing", {"media_content_type": "music", "media_title": "Song"})
    await advance_until(hass, clock, lambda: bool(sim.presences))
    await _call(hass, "set_game", {"name": "Homework"})
    await advance_until(hass, clock, lambda: _last(sim)["activities"][0]["name"] == "Homework")
    sent = len(sim.presences)
    hass.states.async_set(PLAYER, "paused", {"media_content_type": "music", "media_title": "Song"})
    await hass.async_block_till_done()
    await clock.advance(30)
    await hass.async_block_till_done()
    assert len(sim.presences) == sent
    assert hass.states.get("text.movie_night_activity").state == "Homework"


async def test_media_blueprint_idle_player_leaves_other_activities(
    hass: HomeAssistant,
    sim: Simulator,
    clock: ManualClock,
    loaded_entry: MockConfigEntry,
    blueprint_folder: Path,
) -> None:
    """A player that showed nothing going idle or off doesn't clear someone else's activity."""
    hass.states.async_set(PLAYER, "paused", {})
    await _media(hass, loaded_entry)
    await _call(hass, "set_game", {"name": "Chess"})
    await advance_until(hass, clock, lambda: bool(sim.presences))
    for state in ("idle", "off"):
        hass.states.async_set(PLAYER, state, {})
        await hass.async_block_till_done()
    await clock.advance(30)
    await hass.async_block_till_done()
    assert _last(sim)["activities"] == [{"name": "Chess", "type": 0}]


async def test_media_blueprint_clears_its_own_and_keeps_the_type(
    hass: HomeAssistant,
    sim: Simulator,
    clock: ManualClock,
    loaded_entry: MockConfigEntry,
    blueprint_folder: Path,
) -> None:
    """Its own title is cleared when the player stops; the type select stays (§3)."""
    hass.states.async_set(PLAYER, "idle", {})
    await _media(hass, loaded_entry)
    hass.states.async_set(
        PLAYER, "playing", {"media_content_type": "podcast", "media_title": "Ep 1"}
    )
    await advance_until(hass, clock, lambda: bool(sim.presences))
    hass.states.async_set(PLAYER, "off", {})
    await advance_until(hass, clock, lambda: _last(sim)["activities"] == [])
    assert hass.states.get("select.movie_night_activity_type").state == "listening"


# ---------------------------------------------------------------- calendar
#
# The calendar blueprint's run waits (wait_template) until the calendar is
# free, and Home Assistant counts that run as pending work: while an event
# runs, these tests wait on the simulator's records (event-driven) instead of
# hass.async_block_till_done(), which would wait for the event to end.


CALENDAR = "calendar.work"
CUSTOM_STANDUP = [{"name": "Custom Status", "type": 4, "state": "Standup"}]
FILMS = [{"name": "Films", "type": 3}]


async def _calendar(hass: HomeAssistant, entry: MockConfigEntry, *, dnd: bool = False) -> None:
    hass.states.async_set(CALENDAR, "off", {"message": "Standup"})
    await _automation(
        hass,
        "calendar_status.yaml",
        {"calendar": CALENDAR, "discord_account": entry.entry_id, "do_not_disturb": dnd},
    )


def _event_starts(hass: HomeAssistant, title: str = "Standup") -> None:
    hass.states.async_set(CALENDAR, "on", {"message": title})


async def _calendar_free(hass: HomeAssistant, next_title: str = "Tomorrow") -> None:
    """No event runs any more (the message then names the next one); the run finishes."""
    hass.states.async_set(CALENDAR, "off", {"message": next_title})
    await hass.async_block_till_done()
    assert hass.states.get("automation.under_test").attributes["current"] == 0


def _timed(sim: Simulator) -> list[tuple[float, dict[str, Any]]]:
    return [record for connection in sim.connections for record in connection.presences]


async def test_calendar_blueprint_shows_the_event_then_restores(
    hass: HomeAssistant,
    sim: Simulator,
    loaded_entry: MockConfigEntry,
    blueprint_folder: Path,
) -> None:
    """An event: custom status with its title and dnd; afterwards Watching Films, online (§5)."""
    await _call(hass, "set_game", {"name": "Films", "activity_type": "watching"})
    await _calendar(hass, loaded_entry, dnd=True)
    _event_starts(hass)
    await sim.wait_for(
        lambda: _last(sim)["activities"] == CUSTOM_STANDUP and _last(sim)["status"] == "dnd"
    )
    await _calendar_free(hass)
    await sim.wait_for(
        lambda: _last(sim)["activities"] == FILMS and _last(sim)["status"] == "online"
    )
    assert hass.states.get("select.movie_night_activity_type").state == "watching"


async def test_calendar_blueprint_without_dnd_keeps_the_status(
    hass: HomeAssistant,
    sim: Simulator,
    loaded_entry: MockConfigEntry,
    blueprint_folder: Path,
) -> None:
    """No dnd option: idle stays idle during the event; no activity before -> none after."""
    await _call(hass, "set_idle", {"idle": True})
    await _call(hass, "set_game", {"activity_type": "listening"})  # a type, no activity
    await _calendar(hass, loaded_entry)
    _event_starts(hass)
    await sim.wait_for(lambda: _last(sim)["activities"] == CUSTOM_STANDUP)
    assert _last(sim)["status"] == "idle"
    await _calendar_free(hass)
    await sim.wait_for(lambda: _last(sim)["activities"] == [])
    assert _last(sim)["status"] == "idle"
    assert hass.states.get("select.movie_night_activity_type").state == "listening"


async def test_calendar_blueprint_keeps_a_change_made_during_the_event(
    hass: HomeAssistant,
    sim: Simulator,
    loaded_entry: MockConfigEntry,
    blueprint_folder: Path,
) -> None:
    """Someone set another activity during the event: its end doesn't overwrite it."""
    await _call(hass, "set_game", {"name": "Films", "activity_type": "watching"})
    await _calendar(hass, loaded_entry, dnd=True)
    _event_starts(hass)
    await sim.wait_for(lambda: _last(sim)["activities"] == CUSTOM_STANDUP)
    await _call(hass, "set_game", {"name": "Chess"})
    await sim.wait_for(lambda: _last(sim)["activities"][0]["name"] == "Chess")
    sent = len(sim.presences)
    await _calendar_free(hass)  # the run has ended: whatever it did has been sent
    assert len(sim.presences) == sent
    assert hass.states.get("text.movie_night_activity").state == "Chess"


async def test_calendar_blueprint_overlapping_events(
    hass: HomeAssistant,
    sim: Simulator,
    clock: ManualClock,
    loaded_entry: MockConfigEntry,
    blueprint_folder: Path,
) -> None:
    """A second event starting as the first ends: no restore until the calendar is free."""
    await _call(hass, "set_game", {"name": "Films", "activity_type": "watching"})
    await _calendar(hass, loaded_entry)
    _event_starts(hass)
    await sim.wait_for(lambda: _last(sim)["activities"] == CUSTOM_STANDUP)
    _event_starts(hass, "Review")  # still "on": only the message changes
    await clock.advance(60)
    freed_at = clock.monotonic()
    await _calendar_free(hass)
    await sim.wait_for(lambda: _last(sim)["activities"] == FILMS)
    restores = [(t, d) for t, d in _timed(sim) if d["activities"] == FILMS]
    assert len(restores) == 2  # before the event, and once after it
    assert restores[-1][0] >= freed_at
