"""The config flow recovers from every error it can show (quality scale: test-before-configure).

Each test submits bad input (or meets a failing API), gets the error, then
succeeds in the same flow. The flow checks the token over REST only, so it
never meets a gateway refusal such as disallowed intents (that is a setup
error, tested in test_init.py); a timeout shows as cannot_connect.
Also: the options and reconfigure forms suggest the current values.
"""

from __future__ import annotations

import asyncio
import socket
from typing import TYPE_CHECKING, Any
from unittest.mock import patch

import pytest
from homeassistant.config_entries import SOURCE_USER, ConfigEntryState
from homeassistant.const import CONF_TOKEN
from homeassistant.data_entry_flow import FlowResultType

from custom_components.discord_presence.const import (
    CONF_API_URL,
    CONF_PROTOCOL,
    CONF_REASSERT_INTERVAL,
    DOMAIN,
    SECTION_ADVANCED,
)

from .conftest import BAD_TOKEN, TOKEN, USER_ID, unload_all

if TYPE_CHECKING:
    from collections.abc import AsyncGenerator

    from homeassistant.core import HomeAssistant
    from pytest_homeassistant_custom_component.common import MockConfigEntry

    from simulator import Simulator
    from tests.clock import ManualClock

# The 5 s between IDENTIFYs (the reload after a flow identifies again).
IDENTIFY_SPACING = 5.0


def _input(token: str, api_url: str, protocol: str = "v10") -> dict[str, Any]:
    return {CONF_TOKEN: token, SECTION_ADVANCED: {CONF_API_URL: api_url, CONF_PROTOCOL: protocol}}


def _closed_port_url() -> str:
    """An API URL on a loopback port nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    return f"http://127.0.0.1:{port}/api/v10"


@pytest.fixture
async def silent_api() -> AsyncGenerator[str]:
    """An API URL whose server accepts connections and never answers."""
    held: list[asyncio.StreamWriter] = []

    async def _hold(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)

    server = await asyncio.start_server(_hold, "127.0.0.1", 0)
    yield f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}/api/v10"
    for writer in held:
        writer.close()
    server.close()
    await server.wait_closed()


async def _user_flow_error(hass: HomeAssistant, user_input: dict[str, Any]) -> dict[str, Any]:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    return dict(await hass.config_entries.flow.async_configure(result["flow_id"], user_input))


async def _then_succeeds(hass: HomeAssistant, flow_id: str, sim: Simulator) -> None:
    result = await hass.config_entries.flow.async_configure(flow_id, _input(TOKEN, sim.api_url))
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["result"].unique_id == USER_ID
    assert result["result"].state is ConfigEntryState.LOADED
    await unload_all(hass)


@pytest.mark.parametrize(
    ("bad", "error"),
    [
        (lambda sim: _input(BAD_TOKEN, sim.api_url), "invalid_auth"),
        (lambda sim: _input("not a token!", sim.api_url), "invalid_auth"),
        (lambda sim: _input(TOKEN, "http://discord.example/api/v10"), "invalid_url"),
        (lambda sim: _input(TOKEN, _closed_port_url()), "cannot_connect"),
    ],
    ids=["rejected_token", "not_a_token", "invalid_url", "cannot_connect"],
)
async def test_user_flow_recovers_from_bad_input(
    hass: HomeAssistant, sim: Simulator, bad: Any, error: str
) -> None:
    """Bad input shows its error; the same flow then adds the bot."""
    result = await _user_flow_error(hass, bad(sim))
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": error}
    await _then_succeeds(hass, result["flow_id"], sim)


@pytest.mark.parametrize("status", [503, 429])
async def test_user_flow_recovers_when_the_api_comes_back(
    hass: HomeAssistant, sim: Simulator, status: int
) -> None:
    """The API failing (5xx, rate limit): cannot_connect; once it answers, the bot is added."""
    sim.fail_rest("/users/@me", status)
    result = await _user_flow_error(hass, _input(TOKEN, sim.api_url))
    assert result["errors"] == {"base": "cannot_connect"}
    sim.clear_rest_failures()
    await _then_succeeds(hass, result["flow_id"], sim)


async def test_user_flow_recovers_from_a_timeout(
    hass: HomeAssistant, sim: Simulator, silent_api: str
) -> None:
    """An API that never answers: cannot_connect after the (shortened) timeout; then success."""
    with patch("custom_components.discord_presence.const.VALIDATE_TIMEOUT", 0.2):
        result = await _user_flow_error(hass, _input(TOKEN, silent_api))
    assert result["errors"] == {"base": "cannot_connect"}
    await _then_succeeds(hass, result["flow_id"], sim)


async def test_user_flow_recovers_from_an_unexpected_error(
    hass: HomeAssistant, sim: Simulator
) -> None:
    """A bug while checking (mocked): unknown; the next attempt works."""
    with patch(
        "custom_components.discord_presence.config_flow.fetch_current_user",
        side_effect=RuntimeError("boom"),
    ):
        result = await _user_flow_error(hass, _input(TOKEN, sim.api_url))
    assert result["errors"] == {"base": "unknown"}
    await _then_succeeds(hass, result["flow_id"], sim)


async def test_reconfigure_recovers_and_suggests_what_was_typed(
    hass: HomeAssistant, sim: Simulator, clock: ManualClock, loaded_entry: MockConfigEntry
) -> None:
    """Reconfigure: the form suggests the entry's values; after an error, what was typed."""
    result = await loaded_entry.start_reconfigure_flow(hass)
    assert _suggested(result["data_schema"]) == {
        SECTION_ADVANCED: {CONF_API_URL: sim.api_url, CONF_PROTOCOL: "v10"}
    }
    closed = _closed_port_url()
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {SECTION_ADVANCED: {CONF_API_URL: closed, CONF_PROTOCOL: "v10"}}
    )
    assert result["errors"] == {"base": "cannot_connect"}
    assert _suggested(result["data_schema"]) == {
        SECTION_ADVANCED: {CONF_API_URL: closed, CONF_PROTOCOL: "v10"}
    }
    await clock.advance(IDENTIFY_SPACING)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {SECTION_ADVANCED: {CONF_API_URL: sim.api_url, CONF_PROTOCOL: "v10"}}
    )
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert loaded_entry.state is ConfigEntryState.LOADED


async def test_options_form_suggests_the_current_interval(
    hass: HomeAssistant, sim: Simulator, clock: ManualClock, loaded_entry: MockConfigEntry
) -> None:
    """The options form suggests the current value; saving it unchanged reloads nothing."""
    coordinator = loaded_entry.runtime_data.coordinator
    result = await hass.config_entries.options.async_init(loaded_entry.entry_id)
    assert _suggested(result["data_schema"]) == {CONF_REASSERT_INTERVAL: 0}
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_REASSERT_INTERVAL: 0}
    )
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.CREATE_ENTRY
    # OptionsFlowWithReload reloads only when something changed.
    assert loaded_entry.runtime_data.coordinator is coordinator
    assert len(sim.connections) == 1
    assert sim.connections[0].open


def _suggested(schema: Any) -> dict[str, Any]:
    """The suggested values a form schema carries (sections nested)."""
    values: dict[str, Any] = {}
    for key, value in schema.schema.items():
        if hasattr(value, "schema") and hasattr(value, "options"):  # a section
            values[str(key)] = _suggested(value.schema)
        elif (description := getattr(key, "description", None)) and (
            "suggested_value" in description
        ):
            values[str(key)] = description["suggested_value"]
    return values
