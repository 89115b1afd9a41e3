"""The config flow: user step, reauth, reconfigure and options, against the simulator."""

from __future__ import annotations

import asyncio
import socket
from typing import TYPE_CHECKING
from unittest.mock import patch

import pytest
from homeassistant.config_entries import SOURCE_USER, ConfigEntryState
from homeassistant.const import CONF_TOKEN
from homeassistant.data_entry_flow import FlowResultType

from custom_components.discord_presence.const import (
    CONF_API_URL,
    CONF_PROTOCOL,
    CONF_REASSERT_INTERVAL,
    DEFAULT_API_URL,
    DOMAIN,
    SECTION_ADVANCED,
)
from custom_components.discord_presence.gateway import IDENTIFY_SPACING, is_safe_api_url
from simulator import Simulator

from .conftest import (
    BAD_TOKEN,
    GLOBAL_NAME,
    NEW_TOKEN,
    OTHER_TOKEN,
    OTHER_USER_ID,
    TOKEN,
    USER_ID,
    USERNAME,
    entry_data,
    unload_all,
)
from .helpers import advance_until

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant
    from pytest_homeassistant_custom_component.common import MockConfigEntry

    from tests.clock import ManualClock


def _input(token: str, api_url: str, protocol: str = "v10") -> dict[str, object]:
    return {CONF_TOKEN: token, SECTION_ADVANCED: {CONF_API_URL: api_url, CONF_PROTOCOL: protocol}}


def _closed_port() -> int:
    """A loopback port nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_user_flow_creates_entry(hass: HomeAssistant, sim: Simulator) -> None:
    """A working token creates an entry named after the account; the probe closes cleanly."""
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "user"
    assert result["errors"] == {}

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], _input(f"  Bot {TOKEN} ", sim.api_url)
    )
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == GLOBAL_NAME
    assert result["data"] == entry_data(sim)
    assert result["options"] == {CONF_REASSERT_INTERVAL: 30}
    entry = result["result"]
    assert entry.unique_id == USER_ID
    assert entry.minor_version == 2
    # No test connection: the only gateway session is the entry's own, still open.
    assert entry.state is ConfigEntryState.LOADED
    assert len(sim.connections) == 1
    assert sim.connections[0].open
    assert len(sim.connections[0].identifies) == 1
    await unload_all(hass)


async def test_user_flow_opens_no_gateway_session(hass: HomeAssistant, sim: Simulator) -> None:
    """The flow itself judges the token over REST only: no websocket, no /gateway/bot.

    Setup is stubbed out so that whatever the simulator records comes from the flow.
    """
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    with patch("custom_components.discord_presence.async_setup_entry", return_value=True):
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], _input(TOKEN, sim.api_url)
        )
        await hass.async_block_till_done()
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["result"].unique_id == USER_ID
    assert sim.connections == []
    assert sim.gateway_bot_requests == 0


async def test_user_flow_username_title(hass: HomeAssistant, sim: Simulator) -> None:
    """Without a display name the username is the title."""
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], _input(OTHER_TOKEN, sim.api_url)
    )
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "other_bot"
    assert result["result"].unique_id == OTHER_USER_ID
    await unload_all(hass)


async def test_user_flow_invalid_auth_then_recover(hass: HomeAssistant, sim: Simulator) -> None:
    """A rejected token shows invalid_auth; the form keeps the advanced values; retry works."""
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], _input(BAD_TOKEN, sim.api_url)
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "invalid_auth"}
    # The form remembers the non-default API URL and shows the section expanded.
    schema = result["data_schema"].schema
    advanced = next(v for k, v in schema.items() if k == SECTION_ADVANCED)
    assert advanced.options == {"collapsed": False}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], _input(TOKEN, sim.api_url)
    )
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await unload_all(hass)


@pytest.mark.parametrize(
    "api_url",
    [
        "http://discord.example/api/v10",
        "ftp://127.0.0.1/api",
        "not a url",
        "/api/v10",
        "http://10.0.0.1/api/v10",
        "http://127.example.com/api",
    ],
)
async def test_user_flow_invalid_url(hass: HomeAssistant, api_url: str) -> None:
    """Plain http to a non-loopback host (or no URL at all) is refused before connecting."""
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], _input(TOKEN, api_url)
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "invalid_url"}


@pytest.mark.parametrize(
    ("api_url", "allowed"),
    [
        (DEFAULT_API_URL, True),
        ("https://gateway.example:8443/api", True),
        ("http://127.0.0.1:8765/api/v10", True),
        ("http://127.1.2.3/api", True),
        ("http://localhost:8765/api", True),
        ("http://LOCALHOST/api", True),
        ("http://[::1]:8765/api", True),
        ("http://192.168.1.2/api", False),
        ("http://[::2]/api", False),
        ("ws://127.0.0.1/api", False),
        ("https://", False),
        ("http://[::1", False),
    ],
)
def test_allowed_api_url(api_url: str, allowed: bool) -> None:
    """The loopback rule: https anywhere, http only on this machine."""
    assert is_safe_api_url(api_url) is allowed


async def test_user_flow_cannot_connect(hass: HomeAssistant) -> None:
    """Nothing listening: the first attempt fails and the flow says so at once."""
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], _input(TOKEN, f"http://127.0.0.1:{_closed_port()}/api/v10")
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "cannot_connect"}


async def test_user_flow_timeout(hass: HomeAssistant) -> None:
    """An API that accepts but never answers: cannot_connect once the REST timeout passes.

    A bare loopback TCP server holds the connection silently; the flow's timeout
    is shortened (a real, bounded wait: what is under test is the timeout).
    """
    held: list[asyncio.StreamWriter] = []

    async def _hold(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)

    server = await asyncio.start_server(_hold, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
        with patch("custom_components.discord_presence.const.VALIDATE_TIMEOUT", 0.2):
            result = await hass.config_entries.flow.async_configure(
                result["flow_id"], _input(TOKEN, f"http://127.0.0.1:{port}/api/v10")
            )
        assert result["type"] is FlowResultType.FORM
        assert result["errors"] == {"base": "cannot_connect"}
        assert held, "the client did connect"
    finally:
        for writer in held:
            writer.close()
        server.close()
        await server.wait_closed()


@pytest.mark.parametrize("status", [503, 429, 500])
async def test_user_flow_api_errors_cannot_connect(
    hass: HomeAssistant, sim: Simulator, status: int
) -> None:
    """GET /users/@me answering 5xx or 429: cannot_connect, and no gateway session."""
    sim.fail_rest("/users/@me", status)
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], _input(TOKEN, sim.api_url)
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "cannot_connect"}
    assert sim.connections == []


async def test_user_flow_ignores_identify_budget(hass: HomeAssistant, clock: ManualClock) -> None:
    """No session starts left today: the flow still adds the bot (it spends none).

    Setup then waits for the budget instead of failing: ConfigEntryNotReady,
    with a message that says until when, and no IDENTIFY was sent.
    """
    async with Simulator(clock=clock) as exhausted:
        exhausted.add_account(TOKEN, user_id=USER_ID, username=USERNAME, session_start_remaining=0)
        result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], _input(TOKEN, exhausted.api_url)
        )
        await hass.async_block_till_done()
        assert result["type"] is FlowResultType.CREATE_ENTRY
        entry = result["result"]
        assert entry.state is ConfigEntryState.SETUP_RETRY
        assert entry.error_reason_translation_key == "identify_budget"
        assert not any(c.identifies for c in exhausted.connections)
        await unload_all(hass)


async def test_user_flow_unexpected_error(hass: HomeAssistant, sim: Simulator) -> None:
    """A bug (mocked: an unexpected exception) shows unknown and is logged."""
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    with patch(
        "custom_components.discord_presence.config_flow.fetch_current_user",
        side_effect=RuntimeError("boom"),
    ):
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], _input(TOKEN, sim.api_url)
        )
    assert result["errors"] == {"base": "unknown"}


async def test_user_flow_already_configured(
    hass: HomeAssistant, sim: Simulator, loaded_entry: MockConfigEntry
) -> None:
    """The same account cannot be added twice."""
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], _input(TOKEN, sim.api_url)
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    # Judged over REST: the live session is the only one, and nothing identified again.
    assert len(sim.connections) == 1
    assert sim.connections[0].open
    assert len(sim.connections[0].identifies) == 1


async def test_user_flow_legacy(hass: HomeAssistant, legacy_sim: Simulator) -> None:
    """A legacy server: the token is checked over its REST API; the entry speaks legacy."""
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], _input(TOKEN, legacy_sim.api_url, "legacy")
    )
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"][CONF_PROTOCOL] == "legacy"
    assert result["title"] == USERNAME
    assert [c.dialect for c in legacy_sim.connections] == ["legacy"]
    await unload_all(hass)


async def test_reauth(
    hass: HomeAssistant, sim: Simulator, clock: ManualClock, loaded_entry: MockConfigEntry
) -> None:
    """Reauth: a bad token is an error; the account's token updates the entry.

    The flow opens no session beside the live one; the reload replaces it.
    """
    live = sim.connections[0]
    result = await loaded_entry.start_reauth_flow(hass)
    assert result["step_id"] == "reauth_confirm"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_TOKEN: BAD_TOKEN}
    )
    assert result["errors"] == {"base": "invalid_auth"}
    assert sim.connections == [live]
    sim.add_account(NEW_TOKEN, user_id=USER_ID, username=USERNAME)
    await clock.advance(IDENTIFY_SPACING)  # the reload identifies again: 5 s apart
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_TOKEN: NEW_TOKEN}
    )
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    assert loaded_entry.data[CONF_TOKEN] == NEW_TOKEN
    assert loaded_entry.state is ConfigEntryState.LOADED
    # Exactly the old session (closed by the reload) and the reloaded entry's.
    assert len(sim.connections) == 2
    assert live.close_code == 1000
    assert sim.connections[-1].identifies[-1]["token"] == NEW_TOKEN


async def test_reauth_wrong_account(
    hass: HomeAssistant, sim: Simulator, loaded_entry: MockConfigEntry
) -> None:
    """Another bot's token aborts the reauth and leaves the entry alone."""
    result = await loaded_entry.start_reauth_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_TOKEN: OTHER_TOKEN}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "wrong_account"
    assert loaded_entry.data[CONF_TOKEN] == TOKEN


async def test_reconfigure_keeps_token(
    hass: HomeAssistant,
    sim: Simulator,
    legacy_sim: Simulator,
    clock: ManualClock,
    loaded_entry: MockConfigEntry,
) -> None:
    """Reconfigure with an empty token keeps it; URL and protocol changes are probed and saved."""
    result = await loaded_entry.start_reconfigure_flow(hass)
    assert result["step_id"] == "reconfigure"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {SECTION_ADVANCED: {CONF_API_URL: "http://example.com/api", CONF_PROTOCOL: "v10"}},
    )
    assert result["errors"] == {"base": "invalid_url"}
    await clock.advance(IDENTIFY_SPACING)  # the reload identifies again: 5 s apart
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {
            CONF_TOKEN: "",
            SECTION_ADVANCED: {CONF_API_URL: legacy_sim.api_url, CONF_PROTOCOL: "legacy"},
        },
    )
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert loaded_entry.data == {
        CONF_TOKEN: TOKEN,
        CONF_API_URL: legacy_sim.api_url,
        CONF_PROTOCOL: "legacy",
    }
    assert loaded_entry.state is ConfigEntryState.LOADED
    # Only the reloaded entry's session on the legacy server; the v10 session was closed.
    assert len(legacy_sim.connections) == 1
    assert legacy_sim.connections[-1].open
    assert not sim.connections[0].open


async def test_reconfigure_wrong_account(
    hass: HomeAssistant, sim: Simulator, loaded_entry: MockConfigEntry
) -> None:
    """Reconfigure refuses another account's token."""
    result = await loaded_entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {
            CONF_TOKEN: OTHER_TOKEN,
            SECTION_ADVANCED: {CONF_API_URL: sim.api_url, CONF_PROTOCOL: "v10"},
        },
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "wrong_account"
    assert loaded_entry.data[CONF_TOKEN] == TOKEN


async def test_options_flow_reloads(
    hass: HomeAssistant, sim: Simulator, clock: ManualClock, loaded_entry: MockConfigEntry
) -> None:
    """The re-assert interval is saved as minutes and the client re-sends every 5 min."""
    coordinator = loaded_entry.runtime_data.coordinator
    await clock.advance(IDENTIFY_SPACING)  # the reload identifies again: 5 s apart
    result = await hass.config_entries.options.async_init(loaded_entry.entry_id)
    assert result["type"] is FlowResultType.FORM
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_REASSERT_INTERVAL: 5}
    )
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert loaded_entry.options == {CONF_REASSERT_INTERVAL: 5}
    assert loaded_entry.state is ConfigEntryState.LOADED
    assert loaded_entry.runtime_data.coordinator is not coordinator
    assert len(sim.connections) == 2
    live = sim.connections[-1]
    start = clock.monotonic()
    # Virtual time: the presence is re-asserted after 5 minutes, not before.
    await advance_until(hass, clock, lambda: bool(live.presences), step=5)
    elapsed = (
        live.presences[0][0] - start if live.presences[0][0] > 1e6 else clock.monotonic() - start
    )
    assert 295 <= clock.monotonic() - start <= 310
    assert elapsed >= 0
