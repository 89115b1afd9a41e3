"""Setup, unload, runtime faults, logging and persistence of an entry."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any
from unittest.mock import patch

import pytest
from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntryState
from homeassistant.helpers import issue_registry as ir
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.discord_presence.const import CONF_API_URL, DOMAIN
from custom_components.discord_presence.coordinator import client_clock as DEFAULT_CLIENT_CLOCK
from custom_components.discord_presence.gateway import DisallowedIntents, GatewayClient
from simulator import Simulator

from .conftest import BAD_TOKEN, ENTRY_ID, GLOBAL_NAME, TOKEN, USER_ID, entry_data, unload_all
from .helpers import advance_until, wait_for_state

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant

    from tests.clock import ManualClock

CONNECTION = "sensor.movie_night_connection"
STORE_KEY = f"{DOMAIN}.{ENTRY_ID}"


def _entry(sim: Simulator, **data: Any) -> MockConfigEntry:
    return MockConfigEntry(
        domain=DOMAIN,
        title=GLOBAL_NAME,
        unique_id=USER_ID,
        entry_id=ENTRY_ID,
        data={**entry_data(sim), **data},
    )


async def test_setup_and_unload(
    hass: HomeAssistant, sim: Simulator, loaded_entry: MockConfigEntry
) -> None:
    """The entry connects (identify with the token) and closes with 1000 on unload."""
    assert loaded_entry.state is ConfigEntryState.LOADED
    assert len(sim.connections) == 1
    conn = sim.connections[0]
    assert conn.open
    assert conn.identifies[0]["token"] == TOKEN
    assert conn.identifies[0]["intents"] == 0
    assert hass.states.get(CONNECTION).state == "connected"
    assert await hass.config_entries.async_unload(loaded_entry.entry_id)
    await hass.async_block_till_done()
    assert loaded_entry.state is ConfigEntryState.NOT_LOADED
    await sim.wait_for(lambda: not conn.open)
    assert conn.closed_by == "client"
    assert conn.close_code == 1000


async def test_two_accounts_side_by_side(
    hass: HomeAssistant,
    sim: Simulator,
    loaded_entry: MockConfigEntry,
    other_loaded_entry: MockConfigEntry,
) -> None:
    """A second account is its own entry, device and connection."""
    from homeassistant.helpers import device_registry as dr

    from .conftest import OTHER_USER_ID

    other = other_loaded_entry
    devices = dr.async_get(hass)
    for entry, user_id, name in (
        (loaded_entry, USER_ID, GLOBAL_NAME),
        (other, OTHER_USER_ID, "other_bot"),
    ):
        [device] = dr.async_entries_for_config_entry(devices, entry.entry_id)
        assert device.identifiers == {(DOMAIN, user_id)}
        assert device.name == name
        assert device.entry_type is dr.DeviceEntryType.SERVICE
        assert (device.manufacturer, device.model) == ("Discord", "Bot")
    assert hass.states.get("sensor.other_bot_connection").state == "connected"
    assert sum(1 for c in sim.connections if c.open) == 2


async def test_setup_auth_failed_starts_reauth(hass: HomeAssistant, sim: Simulator) -> None:
    """A rejected token at setup: setup error and a reauth flow."""
    entry = _entry(sim, token=BAD_TOKEN)
    entry.add_to_hass(hass)
    assert not await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.SETUP_ERROR
    assert entry.error_reason_translation_key == "invalid_auth"
    flows = hass.config_entries.flow.async_progress()
    assert [f["context"]["source"] for f in flows] == [SOURCE_REAUTH]


async def test_setup_timeout_not_ready(hass: HomeAssistant) -> None:
    """No READY in time: ConfigEntryNotReady (retried later); the client is closed.

    A silent loopback server holds the connection; the setup timeout is
    shortened (a bounded real wait: the timeout itself is under test).
    """
    held: list[asyncio.StreamWriter] = []

    async def _hold(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)

    server = await asyncio.start_server(_hold, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    entry = MockConfigEntry(
        domain=DOMAIN,
        title=GLOBAL_NAME,
        unique_id=USER_ID,
        data={"token": TOKEN, CONF_API_URL: f"http://127.0.0.1:{port}/api/v10", "protocol": "v10"},
    )
    entry.add_to_hass(hass)
    try:
        with patch("custom_components.discord_presence.const.SETUP_TIMEOUT", 0.2):
            assert not await hass.config_entries.async_setup(entry.entry_id)
        assert entry.state is ConfigEntryState.SETUP_RETRY
        assert entry.error_reason_translation_key == "setup_timeout"
    finally:
        await unload_all(hass)
        for writer in held:
            writer.close()
        server.close()
        await server.wait_closed()


async def test_setup_intents_refused_creates_issue(
    hass: HomeAssistant, sim: Simulator, issue_registry: ir.IssueRegistry
) -> None:
    """Intents refused at setup: setup error and a repair issue naming the portal.

    Mocked (wait_until_ready raises): the integration asks for no intents, so
    neither Discord nor the simulator refuses them during a handshake.
    """
    entry = _entry(sim)
    entry.add_to_hass(hass)
    with patch.object(GatewayClient, "wait_until_ready", side_effect=DisallowedIntents()):
        assert not await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.SETUP_ERROR
    assert entry.error_reason_translation_key == "disallowed_intents"
    issue = issue_registry.async_get_issue(DOMAIN, f"intents_{ENTRY_ID}")
    assert issue is not None
    assert issue.translation_key == "intents"
    assert issue.severity is ir.IssueSeverity.ERROR
    # Removing the entry removes its issue.
    await hass.config_entries.async_remove(entry.entry_id)
    assert issue_registry.async_get_issue(DOMAIN, f"intents_{ENTRY_ID}") is None


async def test_setup_identify_budget_exhausted(hass: HomeAssistant, clock: ManualClock) -> None:
    """Another fatal refusal at setup (no session starts left): setup error, no identify."""
    async with Simulator(clock=clock) as exhausted:
        exhausted.add_account(TOKEN, user_id=USER_ID, username="x", session_start_remaining=0)
        entry = _entry(exhausted)
        entry.add_to_hass(hass)
        assert not await hass.config_entries.async_setup(entry.entry_id)
        assert entry.state is ConfigEntryState.SETUP_ERROR
        assert entry.error_reason_translation_key == "fatal_error"
        assert "IdentifyBudgetExhausted" in str(entry.reason)
        assert not any(c.identifies for c in exhausted.connections)


async def test_drop_reconnects_and_logs_once(
    hass: HomeAssistant,
    sim: Simulator,
    clock: ManualClock,
    loaded_entry: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A dropped socket: sensor reconnecting -> connected; presence intact; logged once each."""
    await hass.services.async_call(DOMAIN, "set_game", {"name": "Movie night"}, blocking=True)
    await sim.wait_for(lambda: bool(sim.presences))
    await sim.drop()
    await wait_for_state(hass, CONNECTION, "reconnecting")
    await advance_until(hass, clock, lambda: hass.states.get(CONNECTION).state == "connected")
    assert len(sim.connections) >= 2
    new = sim.connections[-1]
    assert new.open
    # Resumed (the session survived) and the presence was re-sent after RESUMED.
    assert new.resumes
    await sim.wait_for(lambda: bool(new.presences))
    assert new.presences[-1][1]["activities"][0]["name"] == "Movie night"
    lost = [r for r in caplog.records if "Lost the connection" in r.getMessage()]
    back = [r for r in caplog.records if "is back" in r.getMessage()]
    assert len(lost) == 1
    assert lost[0].levelno == logging.WARNING
    assert len(back) == 1
    assert back[0].levelno == logging.INFO


async def test_auth_failure_while_running_starts_reauth(
    hass: HomeAssistant, sim: Simulator, loaded_entry: MockConfigEntry
) -> None:
    """Close 4004 during operation: the sensor shows error and a reauth flow starts."""
    await sim.close(4004)
    await wait_for_state(hass, CONNECTION, "error")
    flows = hass.config_entries.flow.async_progress()
    assert [f["context"]["source"] for f in flows] == [SOURCE_REAUTH]
    assert flows[0]["context"]["entry_id"] == ENTRY_ID


@pytest.mark.parametrize(("code", "issue_kind"), [(4014, "intents"), (4012, "fatal_error")])
async def test_fatal_close_while_running_creates_issue(
    hass: HomeAssistant,
    sim: Simulator,
    loaded_entry: MockConfigEntry,
    issue_registry: ir.IssueRegistry,
    *,
    code: int,
    issue_kind: str,
) -> None:
    """A fatal close code during operation: error state and a repair issue; cleared on reload."""
    await sim.close(code)
    await wait_for_state(hass, CONNECTION, "error")
    assert issue_registry.async_get_issue(DOMAIN, f"{issue_kind}_{ENTRY_ID}") is not None
    # The controls stay usable; a reload that connects again clears the issue.
    assert await hass.config_entries.async_reload(loaded_entry.entry_id)
    await hass.async_block_till_done()
    assert hass.states.get(CONNECTION).state == "connected"
    assert issue_registry.async_get_issue(DOMAIN, f"{issue_kind}_{ENTRY_ID}") is None


async def test_presence_survives_restart(
    hass: HomeAssistant,
    sim: Simulator,
    loaded_entry: MockConfigEntry,
    hass_storage: dict[str, Any],
) -> None:
    """The wanted presence is stored and sent in the first IDENTIFY after a reload."""
    await hass.services.async_call(
        DOMAIN, "set_game", {"name": "Films", "activity_type": "watching"}, blocking=True
    )
    await hass.services.async_call(DOMAIN, "set_status", {"status": "dnd"}, blocking=True)
    assert await hass.config_entries.async_unload(loaded_entry.entry_id)
    await hass.async_block_till_done()
    stored = hass_storage[STORE_KEY]["data"]
    assert stored["presence"]["status"] == "dnd"
    assert stored["presence"]["activity"]["name"] == "Films"
    assert stored["activity_type"] == 3
    assert await hass.config_entries.async_setup(loaded_entry.entry_id)
    await hass.async_block_till_done()
    identify = sim.connections[-1].identifies[0]
    assert identify["presence"]["status"] == "dnd"
    assert identify["presence"]["activities"][0] == {"name": "Films", "type": 3}
    assert hass.states.get("text.movie_night_activity").state == "Films"
    assert hass.states.get("select.movie_night_activity_type").state == "watching"


async def test_stored_presence_loaded_before_connecting(
    hass: HomeAssistant, sim: Simulator, hass_storage: dict[str, Any]
) -> None:
    """Storage written by an earlier run is in the very first IDENTIFY."""
    hass_storage[STORE_KEY] = {
        "version": 1,
        "minor_version": 1,
        "key": STORE_KEY,
        "data": {
            "presence": {
                "status": "idle",
                "activity": {"name": "Lo-fi", "type": 2, "url": None, "state": None},
                "afk": True,
                "since": 1700000000000,
            },
            "activity_type": 2,
        },
    }
    entry = _entry(sim)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    presence = sim.connections[0].identifies[0]["presence"]
    assert presence["status"] == "idle"
    assert presence["since"] == 1700000000000
    assert presence["afk"] is True
    assert presence["activities"][0]["name"] == "Lo-fi"
    await unload_all(hass)


@pytest.mark.parametrize(
    "data",
    [
        {"presence": {"status": "sleeping"}},
        {"presence": {"activity": {"name": "x" * 200}}},
        {"nothing": True},
    ],
)
async def test_unreadable_store_starts_online(
    hass: HomeAssistant,
    sim: Simulator,
    hass_storage: dict[str, Any],
    data: dict[str, Any],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A corrupt store is not fatal: the account starts online without an activity."""
    hass_storage[STORE_KEY] = {"version": 1, "minor_version": 1, "key": STORE_KEY, "data": data}
    entry = _entry(sim)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    presence = sim.connections[0].identifies[0]["presence"]
    assert presence["status"] == "online"
    assert presence["activities"] == []
    assert "stored presence could not be read" in caplog.text
    await unload_all(hass)


async def test_stored_presence_not_expressible_by_legacy(
    hass: HomeAssistant, legacy_sim: Simulator, hass_storage: dict[str, Any]
) -> None:
    """Stored dnd, then switched to legacy: start online instead of failing."""
    hass_storage[STORE_KEY] = {
        "version": 1,
        "minor_version": 1,
        "key": STORE_KEY,
        "data": {"presence": {"status": "dnd"}, "activity_type": 0},
    }
    entry = _entry(legacy_sim, protocol="legacy")
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert hass.states.get("select.movie_night_status").state == "online"
    await unload_all(hass)


async def test_remove_entry_forgets_presence(
    hass: HomeAssistant,
    sim: Simulator,
    loaded_entry: MockConfigEntry,
    hass_storage: dict[str, Any],
) -> None:
    """Removing the entry deletes its stored presence."""
    await hass.services.async_call(DOMAIN, "set_status", {"status": "idle"}, blocking=True)
    await hass.config_entries.async_remove(loaded_entry.entry_id)
    await hass.async_block_till_done()
    assert STORE_KEY not in hass_storage


def test_client_clock_default_is_system() -> None:
    """Outside tests the client gets no clock (its system clock)."""
    assert DEFAULT_CLIENT_CLOCK() is None
