"""Fixtures for the Home Assistant integration tests: a real simulator on loopback."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any
from unittest.mock import patch

import pytest
from homeassistant.const import CONF_TOKEN
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.syrupy import HomeAssistantSnapshotExtension

from custom_components.discord_presence.const import (
    CONF_API_URL,
    CONF_PROTOCOL,
    CONF_REASSERT_INTERVAL,
    DOMAIN,
)
from simulator import Simulator

if TYPE_CHECKING:
    from collections.abc import AsyncGenerator, Generator

    from homeassistant.core import HomeAssistant
    from syrupy.assertion import SnapshotAssertion

    from tests.clock import ManualClock

TOKEN = "MTE5NjIzNDU2Nzg5MDEyMzQ1.GsimTk.integration-secret-token-0123456789"
OTHER_TOKEN = "MTE5NjIzOTk5OTk5OTk5OTk5.GsimTk.other-account-secret-token-99999"
USER_ID = "1196234567890123456"
USERNAME = "movie_night_bot"
GLOBAL_NAME = "Movie Night"
OTHER_USER_ID = "1196239999999999999"
OTHER_USERNAME = "other_bot"
ENTRY_ID = "01JDPRESENCE0000000000000001"
BAD_TOKEN = "rejected-token-Zx81Qm2Lp0"
NEW_TOKEN = "new-token-of-the-same-bot-Qw7Er5"
SECRETS = (TOKEN, OTHER_TOKEN, BAD_TOKEN, NEW_TOKEN)


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(enable_custom_integrations: None) -> None:
    """Let Home Assistant load custom_components/discord_presence."""


@pytest.fixture(autouse=True)
def token_never_logged(caplog: pytest.LogCaptureFixture) -> Generator[None]:
    """Fail any test whose captured log records (at DEBUG) contain a token.

    The simulator's own log lines are included: it logs what it receives and
    must not echo a token either.
    """
    caplog.set_level(logging.DEBUG)
    yield
    formatter = logging.Formatter()
    for when in ("setup", "call"):
        for record in caplog.get_records(when):
            text = formatter.format(record)
            for secret in SECRETS:
                if secret in text:
                    shown = text.replace(secret, "<TOKEN>")[:200]
                    pytest.fail(f"a token leaked into the log ({record.name}): {shown}")


@pytest.fixture(autouse=True)
def client_on_manual_clock(clock: ManualClock) -> Generator[ManualClock]:
    """The coordinator's clients run on the test's ManualClock."""
    with patch("custom_components.discord_presence.coordinator.client_clock", return_value=clock):
        yield clock


@pytest.fixture(autouse=True)
def short_setup_wait() -> Generator[None]:
    """Setup waits at most 2 s (real time) for READY before finishing as "connecting".

    A handshake with the simulator over loopback takes milliseconds; the
    bound only matters when the client is held on the virtual clock (the 5 s
    identify spacing after a reload, backoff), where a test advances the
    clock itself.
    """
    with patch("custom_components.discord_presence.const.SETUP_WAIT", 2.0):
        yield


@pytest.fixture
async def sim(clock: ManualClock) -> AsyncGenerator[Simulator]:
    """A v10 simulator with two bot accounts."""
    simulator = Simulator(clock=clock)
    simulator.add_account(TOKEN, user_id=USER_ID, username=USERNAME, global_name=GLOBAL_NAME)
    simulator.add_account(OTHER_TOKEN, user_id=OTHER_USER_ID, username=OTHER_USERNAME)
    async with simulator:
        yield simulator


@pytest.fixture
async def legacy_sim(clock: ManualClock) -> AsyncGenerator[Simulator]:
    """A simulator speaking the 2016 (legacy) dialect."""
    simulator = Simulator(clock=clock, legacy=True)
    simulator.add_account(TOKEN, user_id=USER_ID, username=USERNAME)
    async with simulator:
        yield simulator


def entry_data(sim: Simulator, *, token: str = TOKEN, protocol: str = "v10") -> dict[str, Any]:
    """Config entry data pointing at the simulator."""
    return {CONF_TOKEN: token, CONF_API_URL: sim.api_url, CONF_PROTOCOL: protocol}


@pytest.fixture
def config_entry(sim: Simulator) -> MockConfigEntry:
    """An entry for the first account on the v10 simulator."""
    return MockConfigEntry(
        domain=DOMAIN,
        title=GLOBAL_NAME,
        unique_id=USER_ID,
        entry_id=ENTRY_ID,
        data=entry_data(sim),
        options={CONF_REASSERT_INTERVAL: 0},
        minor_version=2,
    )


@pytest.fixture
def platforms() -> list[str] | None:
    """Override to load only some platforms (snapshot tests)."""
    return None


@pytest.fixture
async def loaded_entry(
    hass: HomeAssistant, config_entry: MockConfigEntry, platforms: list[str] | None
) -> AsyncGenerator[MockConfigEntry]:
    """The entry set up against the simulator; unloaded at the end."""
    config_entry.add_to_hass(hass)
    if platforms is None:
        assert await hass.config_entries.async_setup(config_entry.entry_id)
    else:
        with patch("custom_components.discord_presence.PLATFORMS", platforms):
            assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    yield config_entry
    await unload_all(hass)


@pytest.fixture
async def other_loaded_entry(
    hass: HomeAssistant, sim: Simulator, loaded_entry: MockConfigEntry
) -> MockConfigEntry:
    """A second account's entry, set up beside `loaded_entry` (unloaded with it)."""
    other = MockConfigEntry(
        domain=DOMAIN,
        title="other_bot",
        unique_id=OTHER_USER_ID,
        data=entry_data(sim, token=OTHER_TOKEN),
        options={CONF_REASSERT_INTERVAL: 0},
        minor_version=2,
    )
    other.add_to_hass(hass)
    assert await hass.config_entries.async_setup(other.entry_id)
    await hass.async_block_till_done()
    return other


async def unload_all(hass: HomeAssistant) -> None:
    """Unload every loaded entry of the domain so nothing lingers."""
    for entry in hass.config_entries.async_entries(DOMAIN):
        if entry.state.recoverable:
            await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()


@pytest.fixture
def entity_registry_enabled_by_default() -> Generator[None]:
    """Create entities that are disabled by default as enabled."""
    with patch(
        "homeassistant.helpers.entity.Entity.entity_registry_enabled_default",
        new=property(lambda _self: True),
    ):
        yield


@pytest.fixture
def snapshot(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    """Syrupy with Home Assistant's extension (snapshots in tests/integration/snapshots/)."""
    return snapshot.use_extension(HomeAssistantSnapshotExtension)
