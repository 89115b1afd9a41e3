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
    return sim.presences[-1]


def test_blueprints_exist() -> None:
    assert {"media_now_playing.yaml", "away_idle.yaml"} <= set(BLUEPRINTS)


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
