"""Setup, unload, runtime faults, logging and persistence of an entry."""

from __future__ import annotations

import asyncio
import logging
import re
import time
from datetime import timedelta
from typing import TYPE_CHECKING, Any
from unittest.mock import patch

import pytest
from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntryState
from homeassistant.helpers import issue_registry as ir
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.discord_presence import const
from custom_components.discord_presence.const import (
    CONF_API_URL,
    CONF_REASSERT_INTERVAL,
    DOMAIN,
    STORAGE_SAVE_DELAY,
)
from custom_components.discord_presence.coordinator import client_clock as DEFAULT_CLIENT_CLOCK
from custom_components.discord_presence.gateway import (
    BLIND_IDENTIFY_CEILING,
    IDENTIFY_SPACING,
    DisallowedIntents,
    GatewayClient,
)
from simulator import Simulator

from .conftest import BAD_TOKEN, ENTRY_ID, GLOBAL_NAME, TOKEN, USER_ID, entry_data, unload_all
from .helpers import advance_until, wait_for_state

if TYPE_CHECKING:
    from freezegun.api import FrozenDateTimeFactory
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


def _stored(**data: Any) -> dict[str, Any]:
    """The entry's store as an earlier run left it."""
    return {"version": 1, "minor_version": 1, "key": STORE_KEY, "data": data}


def _ours(caplog: pytest.LogCaptureFixture, level: int) -> list[logging.LogRecord]:
    """This integration's records (gateway client included) at `level` or above."""
    return [
        r
        for r in caplog.records
        if r.name.startswith("custom_components.discord_presence") and r.levelno >= level
    ]


def _iso_in(text: str) -> float:
    """The epoch seconds of the ISO datetime a message names."""
    match = re.search(r"\d{4}-\d\d-\d\dT[0-9:.]+\+00:00", text)
    assert match is not None, text
    parsed = dt_util.parse_datetime(match.group())
    assert parsed is not None
    return parsed.timestamp()


async def _flush_store(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> None:
    """Let the store's delayed save run (HA time moves; the client's clock does not)."""
    freezer.tick(STORAGE_SAVE_DELAY + 1)
    async_fire_time_changed(hass)
    await hass.async_block_till_done()


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
    """A token the REST API rejects at setup: reauth, and no gateway session at all (§5)."""
    entry = _entry(sim, token=BAD_TOKEN)
    entry.add_to_hass(hass)
    assert not await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.SETUP_ERROR
    assert entry.error_reason_translation_key == "invalid_auth"
    flows = hass.config_entries.flow.async_progress()
    assert [f["context"]["source"] for f in flows] == [SOURCE_REAUTH]
    assert sim.connections == []


async def test_setup_offline_fails_fast_then_retry_connects(
    hass: HomeAssistant, sim: Simulator, clock: ManualClock
) -> None:
    """No network at boot (§7): ConfigEntryNotReady at once, nothing left running.

    The simulator is stopped (its port refuses connections, as with no route);
    once it is back, Home Assistant's own retry brings the entry up.
    """
    await sim.stop()
    entry = _entry(sim)
    entry.add_to_hass(hass)
    started = time.monotonic()
    assert not await hass.config_entries.async_setup(entry.entry_id)
    took = time.monotonic() - started
    print(f"setup while offline took {took * 1000:.0f} ms")
    assert entry.state is ConfigEntryState.SETUP_RETRY
    assert entry.error_reason_translation_key == "api_unreachable"
    assert took < const.SETUP_REST_TIMEOUT
    # Nothing left running: no client sleeping on the clock, no entry task.
    assert clock.sleepers == 0
    assert not entry._background_tasks
    await sim.start()
    # Home Assistant's retry (a background task, so waited for through its result).
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=10))
    await wait_for_state(hass, CONNECTION, "connected")
    async with entry.setup_lock:  # held by the retry until its setup returns
        assert entry.state is ConfigEntryState.LOADED
    assert hass.states.get(CONNECTION).state == "connected"
    assert len(sim.connections) == 1
    await unload_all(hass)


async def test_setup_api_timeout_not_ready(hass: HomeAssistant, clock: ManualClock) -> None:
    """An API that accepts and never answers: ConfigEntryNotReady after the REST timeout.

    The timeout runs on the client's clock, so the test advances it.
    """
    held: list[asyncio.StreamWriter] = []
    accepted = asyncio.Event()

    async def _hold(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)
        accepted.set()

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
        setup = asyncio.ensure_future(hass.config_entries.async_setup(entry.entry_id))
        async with asyncio.timeout(5):
            await accepted.wait()
        await clock.advance(const.SETUP_REST_TIMEOUT - 0.5)
        assert not setup.done()
        await clock.advance(1.0)
        assert not await setup
        assert entry.state is ConfigEntryState.SETUP_RETRY
        assert entry.error_reason_translation_key == "api_unreachable"
    finally:
        await unload_all(hass)
        for writer in held:
            writer.close()
        server.close()
        await server.wait_closed()


async def test_setup_api_error_not_ready(hass: HomeAssistant, sim: Simulator) -> None:
    """GET /users/@me answering 503 at setup: ConfigEntryNotReady, no gateway session."""
    sim.fail_rest("/users/@me", 503)
    entry = _entry(sim)
    entry.add_to_hass(hass)
    assert not await hass.config_entries.async_setup(entry.entry_id)
    assert entry.state is ConfigEntryState.SETUP_RETRY
    assert entry.error_reason_translation_key == "api_unreachable"
    assert sim.connections == []


async def test_setup_does_not_wait_for_a_held_client(
    hass: HomeAssistant, sim: Simulator, clock: ManualClock, hass_storage: dict[str, Any]
) -> None:
    """Setup finishes while the client is still held back (§7), and the stored ledger counts (§1).

    The store says the account identified just now (an earlier run): the
    client keeps the 5 s identify spacing, so setup stops waiting after
    SETUP_WAIT and the entity shows "connecting"; the connection follows.
    """
    hass_storage[STORE_KEY] = _stored(identifies=[clock.time()])
    entry = _entry(sim)
    entry.add_to_hass(hass)
    with patch("custom_components.discord_presence.const.SETUP_WAIT", 0.05):
        assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    assert hass.states.get(CONNECTION).state == "connecting"
    assert sim.connections == []
    await clock.advance(IDENTIFY_SPACING - 0.5)
    assert sim.connections == []
    await advance_until(hass, clock, lambda: hass.states.get(CONNECTION).state == "connected")
    assert len(sim.connections[0].identifies) == 1
    await unload_all(hass)


async def test_setup_intents_refused_creates_issue(
    hass: HomeAssistant, sim: Simulator, issue_registry: ir.IssueRegistry
) -> None:
    """Intents refused at setup: setup error and a repair issue naming the portal.

    Mocked (run() raises): the integration asks for no intents, so neither
    Discord nor the simulator refuses them during a handshake.
    """
    entry = _entry(sim)
    entry.add_to_hass(hass)
    with patch.object(GatewayClient, "run", side_effect=DisallowedIntents()):
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
    """No session starts left at setup (§1): ConfigEntryNotReady saying until when, no identify."""
    async with Simulator(clock=clock) as exhausted:
        exhausted.add_account(TOKEN, user_id=USER_ID, username="x", session_start_remaining=0)
        entry = _entry(exhausted)
        entry.add_to_hass(hass)
        now = clock.time()
        assert not await hass.config_entries.async_setup(entry.entry_id)
        assert entry.state is ConfigEntryState.SETUP_RETRY
        assert entry.error_reason_translation_key == "identify_budget"
        until = _iso_in(str(entry.reason))
        # Discord's reset_after (24 h for a fresh account) plus the client's jitter.
        assert now + 86_400 < until <= now + 86_400 + 60
        assert not any(c.identifies for c in exhausted.connections)
        assert clock.sleepers == 0
        await unload_all(hass)


async def test_identify_budget_at_runtime_waits_visibly(
    hass: HomeAssistant,
    sim: Simulator,
    clock: ManualClock,
    loaded_entry: MockConfigEntry,
    issue_registry: ir.IssueRegistry,
) -> None:
    """The budget runs out while running (§1): "waiting" with until when, an issue, then back.

    A change made while waiting is accepted and sent once connected (§8).
    """
    now = clock.time()
    sim.set_session_start_limit(TOKEN, remaining=0, reset_after=600)
    await sim.invalid_session(resumable=False)
    await advance_until(hass, clock, lambda: hass.states.get(CONNECTION).state == "waiting")
    state = hass.states.get(CONNECTION)
    until = dt_util.parse_datetime(state.attributes["waiting_until"])
    assert until is not None
    assert now + 600 < until.timestamp() <= now + 600 + 60
    issue = issue_registry.async_get_issue(DOMAIN, f"identify_budget_{ENTRY_ID}")
    assert issue is not None
    assert issue.severity is ir.IssueSeverity.WARNING
    assert issue.translation_placeholders["until"] == state.attributes["waiting_until"]
    await hass.services.async_call(DOMAIN, "set_game", {"name": "Later"}, blocking=True)
    await advance_until(
        hass, clock, lambda: hass.states.get(CONNECTION).state == "connected", step=10, limit=900
    )
    assert hass.states.get(CONNECTION).attributes["waiting_until"] is None
    assert issue_registry.async_get_issue(DOMAIN, f"identify_budget_{ENTRY_ID}") is None
    identify = sim.connections[-1].identifies[-1]
    assert identify["presence"]["activities"] == [{"name": "Later", "type": 0}]


async def test_identify_ledger_persisted(
    hass: HomeAssistant,
    clock: ManualClock,
    loaded_entry: MockConfigEntry,
    hass_storage: dict[str, Any],
    freezer: FrozenDateTimeFactory,
) -> None:
    """Every IDENTIFY reaches the entry's store (with the presence), while loaded (§1)."""
    await _flush_store(hass, freezer)
    stored = hass_storage[STORE_KEY]["data"]
    assert stored["identifies"] == [clock.time()]
    assert stored["presence"]["status"] == "online"


async def test_stored_ledger_at_ceiling_waits(
    hass: HomeAssistant, sim: Simulator, clock: ManualClock, hass_storage: dict[str, Any]
) -> None:
    """/gateway/bot unreadable and the stored ledger at its ceiling: waiting, not identifying (§1).

    The ledger comes back from the store after a restart, so a crash loop
    cannot reset the count.
    """
    oldest = clock.time() - 3600
    hass_storage[STORE_KEY] = _stored(
        identifies=[oldest + i for i in range(BLIND_IDENTIFY_CEILING)]
    )
    sim.fail_rest("/gateway/bot", 503)
    entry = _entry(sim)
    entry.add_to_hass(hass)
    assert not await hass.config_entries.async_setup(entry.entry_id)
    assert entry.state is ConfigEntryState.SETUP_RETRY
    assert entry.error_reason_translation_key == "identify_budget"
    until = _iso_in(str(entry.reason))
    assert oldest + 86_400 <= until <= oldest + 86_400 + 5
    assert sim.connections == []
    await unload_all(hass)


async def test_routine_reconnects_log_no_warning(
    hass: HomeAssistant,
    sim: Simulator,
    clock: ManualClock,
    loaded_entry: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A drop, op 7 and a resumable op 9 (§9): back each time, presence intact, no WARNING."""
    await hass.services.async_call(DOMAIN, "set_game", {"name": "Movie night"}, blocking=True)
    await sim.wait_for(lambda: bool(sim.presences))
    for fault in (sim.drop, sim.reconnect, lambda: sim.invalid_session(resumable=True)):
        before = len(sim.connections)
        await fault()
        await advance_until(
            hass,
            clock,
            lambda n=before: (
                len(sim.connections) > n and hass.states.get(CONNECTION).state == "connected"
            ),
        )
    new = sim.connections[-1]
    await advance_until(hass, clock, lambda: bool(new.presences) or bool(new.identifies))
    shown = new.presences[-1][1] if new.presences else new.identifies[-1]["presence"]
    assert shown["activities"][0]["name"] == "Movie night"
    assert _ours(caplog, logging.WARNING) == []


async def test_long_outage_logs_one_warning_and_one_info(
    hass: HomeAssistant,
    sim: Simulator,
    clock: ManualClock,
    loaded_entry: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A 1-hour outage on virtual time (§9): exactly one WARNING, and one INFO when back."""
    await sim.stop()
    await wait_for_state(hass, CONNECTION, "reconnecting")
    caplog.clear()
    await clock.advance(const.OFFLINE_WARNING_AFTER - 1)
    await hass.async_block_till_done()
    assert _ours(caplog, logging.WARNING) == []
    for _ in range(3600 // 30):
        await clock.advance(30)
        await hass.async_block_till_done()
    await sim.start()
    await advance_until(
        hass, clock, lambda: hass.states.get(CONNECTION).state == "connected", step=5
    )
    warnings = _ours(caplog, logging.WARNING)
    attempts = loaded_entry.runtime_data.coordinator.data.stats.reconnects
    print(f"WARNING+ records in a 1-hour outage: {len(warnings)} ({attempts} reconnect attempts)")
    assert [r.levelno for r in warnings] == [logging.WARNING]
    assert "offline for 5 minutes" in warnings[0].getMessage()
    back = [r for r in _ours(caplog, logging.INFO) if "again" in r.getMessage()]
    assert [r.levelno for r in back] == [logging.INFO]


async def test_auth_failure_while_running_starts_reauth(
    hass: HomeAssistant,
    sim: Simulator,
    loaded_entry: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Close 4004 during operation: error state, a reauth flow, exactly one ERROR (§9)."""
    caplog.clear()
    await sim.close(4004)
    await wait_for_state(hass, CONNECTION, "error")
    flows = hass.config_entries.flow.async_progress()
    assert [f["context"]["source"] for f in flows] == [SOURCE_REAUTH]
    assert flows[0]["context"]["entry_id"] == ENTRY_ID
    logged = _ours(caplog, logging.WARNING)
    assert [r.levelno for r in logged] == [logging.ERROR]
    assert "rejected the token" in logged[0].getMessage()


async def test_token_revoked_on_spacebar_like_server_leads_to_reauth(
    hass: HomeAssistant, clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    """A server that closes a bad token with 4000 (Spacebar) still ends in reauth (§5).

    The client judges the token by GET /users/@me after repeated handshakes
    that end before READY; the integration turns that into one ERROR and a
    reauth flow instead of reconnecting forever.
    """
    async with Simulator(
        clock=clock, bad_token_close_code=4000, gateway_bot_any_token=True
    ) as spacebar:
        spacebar.add_account(TOKEN, user_id=USER_ID, username="x")
        entry = _entry(spacebar)
        entry.add_to_hass(hass)
        assert await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()
        assert hass.states.get(CONNECTION).state == "connected"
        caplog.clear()
        spacebar.revoke_token(TOKEN)
        await spacebar.invalid_session(resumable=False)
        await advance_until(
            hass, clock, lambda: hass.states.get(CONNECTION).state == "error", limit=900
        )
        assert any(c.close_code == 4000 for c in spacebar.connections)
        flows = hass.config_entries.flow.async_progress()
        assert [f["context"]["source"] for f in flows] == [SOURCE_REAUTH]
        assert [r.levelno for r in _ours(caplog, logging.WARNING)] == [logging.ERROR]
        await unload_all(hass)


@pytest.mark.parametrize(("code", "issue_kind"), [(4014, "intents"), (4012, "fatal_error")])
async def test_fatal_close_while_running_creates_issue(
    hass: HomeAssistant,
    sim: Simulator,
    clock: ManualClock,
    loaded_entry: MockConfigEntry,
    issue_registry: ir.IssueRegistry,
    *,
    caplog: pytest.LogCaptureFixture,
    code: int,
    issue_kind: str,
) -> None:
    """A fatal close code during operation: error, a repair issue, one ERROR; cleared on reload."""
    caplog.clear()
    await sim.close(code)
    await wait_for_state(hass, CONNECTION, "error")
    assert issue_registry.async_get_issue(DOMAIN, f"{issue_kind}_{ENTRY_ID}") is not None
    assert [r.levelno for r in _ours(caplog, logging.WARNING)] == [logging.ERROR]
    # A reload that connects again clears the issue.
    await clock.advance(IDENTIFY_SPACING)
    assert await hass.config_entries.async_reload(loaded_entry.entry_id)
    await hass.async_block_till_done()
    assert hass.states.get(CONNECTION).state == "connected"
    assert issue_registry.async_get_issue(DOMAIN, f"{issue_kind}_{ENTRY_ID}") is None


async def test_presence_reaches_disk_while_loaded(
    hass: HomeAssistant,
    sim: Simulator,
    loaded_entry: MockConfigEntry,
    hass_storage: dict[str, Any],
    freezer: FrozenDateTimeFactory,
) -> None:
    """A change is on disk within a few seconds, with the entry still loaded (§14)."""
    await _flush_store(hass, freezer)  # the identify at setup
    await hass.services.async_call(
        DOMAIN, "set_game", {"name": "Power cut", "activity_type": "listening"}, blocking=True
    )
    assert hass_storage[STORE_KEY]["data"]["presence"]["activity"] is None
    freezer.tick(5)  # "within a few seconds"
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert loaded_entry.state is ConfigEntryState.LOADED
    stored = hass_storage[STORE_KEY]["data"]
    assert stored["presence"]["activity"]["name"] == "Power cut"
    assert stored["activity_type"] == 2


async def test_reassert_default_and_migration(
    hass: HomeAssistant, sim: Simulator, clock: ManualClock
) -> None:
    """Entries from 1.1 move from never (0) to the 30 min default; the client re-sends (§12)."""
    entry = _entry(sim)
    entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(entry, options={CONF_REASSERT_INTERVAL: 0})
    assert entry.minor_version == 1
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.minor_version == 2
    assert entry.options == {CONF_REASSERT_INTERVAL: 30}
    live = sim.connections[0]
    await clock.advance(29 * 60)
    await hass.async_block_till_done()
    assert live.presences == []
    await advance_until(hass, clock, lambda: bool(live.presences), step=10, limit=120)
    await unload_all(hass)


async def test_migration_keeps_a_chosen_interval(hass: HomeAssistant, sim: Simulator) -> None:
    """A non-default interval survives the 1.2 migration."""
    entry = _entry(sim)
    entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(entry, options={CONF_REASSERT_INTERVAL: 15})
    assert await hass.config_entries.async_setup(entry.entry_id)
    assert entry.options == {CONF_REASSERT_INTERVAL: 15}
    assert entry.minor_version == 2
    await unload_all(hass)


async def test_presence_survives_restart(
    hass: HomeAssistant,
    sim: Simulator,
    clock: ManualClock,
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
    await clock.advance(IDENTIFY_SPACING)  # the next identify keeps the 5 s spacing
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
