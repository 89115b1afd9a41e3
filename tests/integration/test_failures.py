"""What users read about a permanent failure: a translated reason per kind, no class names.

Also where the device links to (the bot's page in the developer portal).
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any
from unittest.mock import patch

import pytest
from homeassistant.config_entries import ConfigEntryState
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.translation import async_get_translations
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.discord_presence.const import DOMAIN, ISSUE_TRACKER_URL
from custom_components.discord_presence.gateway import (
    ClientCrashed,
    GatewayClient,
    InvalidApiVersion,
    fetch_current_user,
)
from custom_components.discord_presence.helpers import application_portal_url

from .conftest import ENTRY_ID, GLOBAL_NAME, USER_ID, entry_data, unload_all
from .helpers import wait_for_state

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant
    from homeassistant.helpers import issue_registry as ir

    from simulator import Simulator

CONNECTION = "sensor.movie_night_connection"
# CamelCase words: what a Python class name looks like in a sentence.
CLASS_NAME = re.compile(r"\b[A-Z][a-z]+(?:[A-Z][a-z]+)+\b")


def _entry(sim: Simulator) -> MockConfigEntry:
    return MockConfigEntry(
        domain=DOMAIN,
        title=GLOBAL_NAME,
        unique_id=USER_ID,
        entry_id=ENTRY_ID,
        data=entry_data(sim),
        minor_version=2,
    )


async def _issue_text(hass: HomeAssistant, issue: ir.IssueEntry) -> str:
    """The issue's title and description as a user reads them (placeholders filled in)."""
    strings = await async_get_translations(hass, "en", "issues", {DOMAIN})
    prefix = f"component.{DOMAIN}.issues.{issue.translation_key}"
    text = f"{strings[f'{prefix}.title']}\n{strings[f'{prefix}.description']}"
    return text.format(**(issue.translation_placeholders or {}))


@pytest.mark.parametrize(
    ("code", "key", "words"),
    [
        (4012, "fatal_api_version", "gateway version"),
        (4011, "fatal_sharding", "sharding"),
        (4010, "fatal_sharding", "sharding"),
    ],
)
async def test_fatal_issue_says_why_in_words(
    hass: HomeAssistant,
    sim: Simulator,
    loaded_entry: MockConfigEntry,
    issue_registry: ir.IssueRegistry,
    *,
    code: int,
    key: str,
    words: str,
) -> None:
    """Each kind of refusal has its own wording; no class name reaches the user (§7)."""
    await sim.close(code)
    await wait_for_state(hass, CONNECTION, "error")
    issue = issue_registry.async_get_issue(DOMAIN, f"fatal_error_{ENTRY_ID}")
    assert issue is not None
    assert issue.translation_key == key
    assert issue.translation_placeholders == {"name": GLOBAL_NAME, "code": str(code)}
    text = await _issue_text(hass, issue)
    assert words in text
    assert str(code) in text
    assert not CLASS_NAME.search(text), text


async def test_setup_refusal_is_worded_not_named(hass: HomeAssistant, sim: Simulator) -> None:
    """A refusal during setup: the entry's error is a translated reason, not `InvalidApiVersion`."""
    entry = _entry(sim)
    entry.add_to_hass(hass)
    with patch.object(GatewayClient, "run", side_effect=InvalidApiVersion()):
        assert not await hass.config_entries.async_setup(entry.entry_id)
    assert entry.state is ConfigEntryState.SETUP_ERROR
    assert entry.error_reason_translation_key == "fatal_api_version"
    assert entry.error_reason_translation_placeholders == {"code": "4012"}
    assert entry.reason is not None
    assert "gateway version" in entry.reason
    assert not CLASS_NAME.search(entry.reason), entry.reason


async def test_client_crash_is_not_called_a_refusal(
    hass: HomeAssistant,
    sim: Simulator,
    loaded_entry: MockConfigEntry,
    issue_registry: ir.IssueRegistry,
    *,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The client's own bug (ClientCrashed) gets its own words and points at the issue tracker.

    The bug is planted in the runner's backoff, which runs when the
    simulator drops the connection.
    """
    client = loaded_entry.runtime_data.coordinator.client

    def broken() -> float:
        raise RuntimeError("backoff broke")

    monkeypatch.setattr(client._backoff, "next_delay", broken)
    caplog.clear()
    await sim.drop()
    await wait_for_state(hass, CONNECTION, "error")
    assert isinstance(loaded_entry.runtime_data.coordinator.failure, ClientCrashed)
    issue = issue_registry.async_get_issue(DOMAIN, f"fatal_error_{ENTRY_ID}")
    assert issue is not None
    assert issue.translation_key == "client_crashed"
    assert issue.learn_more_url == ISSUE_TRACKER_URL
    text = await _issue_text(hass, issue)
    assert "not a refusal by Discord" in text
    assert "for good" not in text
    assert not CLASS_NAME.search(text), text
    ours = [
        r
        for r in caplog.records
        if r.name == "custom_components.discord_presence" and r.levelno >= logging.ERROR
    ]
    assert len(ours) == 1
    assert "internal error" in ours[0].getMessage()
    with pytest.raises(HomeAssistantError) as err:
        await hass.services.async_call(DOMAIN, "set_status", {"status": "dnd"}, blocking=True)
    assert err.value.translation_key == "failed_crashed"
    assert "not a refusal by Discord" in str(err.value)
    assert not CLASS_NAME.search(str(err.value)), str(err.value)


async def test_api_unreachable_names_the_host_not_an_exception(
    hass: HomeAssistant, sim: Simulator
) -> None:
    """Setup without the API: the message names the host; HTTP details stay in the log."""
    sim.fail_rest("/users/@me", 503)
    entry = _entry(sim)
    entry.add_to_hass(hass)
    assert not await hass.config_entries.async_setup(entry.entry_id)
    assert entry.state is ConfigEntryState.SETUP_RETRY
    assert entry.error_reason_translation_key == "api_unreachable"
    assert entry.error_reason_translation_placeholders == {"host": "127.0.0.1"}
    await unload_all(hass)


async def test_device_links_nowhere_for_another_server(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, device_registry: dr.DeviceRegistry
) -> None:
    """The simulator (any server but Discord) has no developer portal page for the bot."""
    [device] = dr.async_entries_for_config_entry(device_registry, loaded_entry.entry_id)
    assert device.identifiers == {(DOMAIN, USER_ID)}
    assert device.configuration_url is None


async def test_device_links_to_the_bots_application(
    hass: HomeAssistant, sim: Simulator, device_registry: dr.DeviceRegistry
) -> None:
    """Against Discord the device opens the bot's application (bot user id = application id).

    The entry must point at discord.com, which the tests cannot reach: the
    REST check and the gateway are the simulator's (the session is patched
    to route there), so the device is created as it would be for a user.
    """
    entry = MockConfigEntry(
        domain=DOMAIN,
        title=GLOBAL_NAME,
        unique_id=USER_ID,
        entry_id=ENTRY_ID,
        data={**entry_data(sim), "api_url": "https://discord.com/api/v10"},
        minor_version=2,
    )
    entry.add_to_hass(hass)
    real_init = GatewayClient.__init__

    def to_simulator(self: GatewayClient, *args: Any, **kwargs: Any) -> None:
        kwargs["api_url"] = sim.api_url
        real_init(self, *args, **kwargs)

    async def user_from_simulator(*args: Any, **kwargs: Any) -> Any:
        return await fetch_current_user(*args, **{**kwargs, "api_url": sim.api_url})

    with (
        patch.object(GatewayClient, "__init__", to_simulator),
        patch(
            "custom_components.discord_presence.coordinator.fetch_current_user",
            user_from_simulator,
        ),
    ):
        assert await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()
        [device] = dr.async_entries_for_config_entry(device_registry, entry.entry_id)
        assert device.configuration_url == (
            f"https://discord.com/developers/applications/{USER_ID}"
        )
        await unload_all(hass)


@pytest.mark.parametrize(
    ("api_url", "expected"),
    [
        ("https://discord.com/api/v10", f"https://discord.com/developers/applications/{USER_ID}"),
        (
            "https://canary.discord.com/api/v10",
            f"https://discord.com/developers/applications/{USER_ID}",
        ),
        ("https://spacebar.example/api", None),
        ("https://discord.com.evil.example/api", None),
    ],
)
def test_application_portal_url(api_url: str, expected: str | None) -> None:
    """Only Discord's own API has a developer portal page for the bot."""
    assert application_portal_url(api_url, USER_ID) == expected
