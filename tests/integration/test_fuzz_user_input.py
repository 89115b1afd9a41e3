"""What users type, fuzzed: actions and the config flow answer with a clear error or work.

Action data of any text (odd Unicode, control characters, overlong names,
URLs) either sets the presence or raises a translated ServiceValidationError
(or the schema's vol.Invalid) and leaves the wanted presence as it was.
Tokens pasted with odd whitespace or Unicode get a form error, never an
exception, and never travel anywhere but in the Authorization header.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import voluptuous as vol
from homeassistant.config_entries import SOURCE_USER
from homeassistant.const import CONF_TOKEN
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.exceptions import ServiceValidationError
from hypothesis import given
from hypothesis import strategies as st

from custom_components.discord_presence.const import (
    CONF_API_URL,
    CONF_PROTOCOL,
    DOMAIN,
    SECTION_ADVANCED,
)

from .conftest import TOKEN

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant
    from pytest_homeassistant_custom_component.common import MockConfigEntry

    from simulator import Simulator

_text = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=140
) | st.sampled_from(["", " ", "\n", "a" * 129, "https://twitch.tv/x", "x\u202ey", "\x00"])
_activity_types = st.sampled_from(
    ["playing", "streaming", "listening", "watching", "custom", "competing"]
) | st.text(max_size=10)


@given(
    name=_text | st.none(),
    state=_text | st.none(),
    url=_text | st.none(),
    activity_type=_activity_types,
)
async def test_set_game_any_input(
    *,
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    name: str | None,
    state: str | None,
    url: str | None,
    activity_type: str,
) -> None:
    coordinator = loaded_entry.runtime_data.coordinator
    before = coordinator.presence
    data: dict[str, Any] = {"name": name, "activity_type": activity_type}
    if state is not None:
        data["state"] = state
    if url is not None:
        data["url"] = url
    refusal: Exception | None = None
    try:
        await hass.services.async_call(DOMAIN, "set_game", data, blocking=True)
    except (ServiceValidationError, vol.Invalid) as err:
        refusal = err
    if refusal is not None:
        if isinstance(refusal, ServiceValidationError):
            assert refusal.translation_key, "every refusal is translated"
        assert coordinator.presence == before, "a refused call changes nothing"
        return
    activity = coordinator.presence.activity
    assert activity is None or len(activity.name) <= 128


@given(status=_text, idle=st.sampled_from([True, False, "yes", "off", "maybe", 2]))
async def test_status_and_idle_any_input(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, status: str, idle: object
) -> None:
    coordinator = loaded_entry.runtime_data.coordinator
    for service, data in (("set_status", {"status": status}), ("set_idle", {"idle": idle})):
        before = coordinator.presence
        try:
            await hass.services.async_call(DOMAIN, service, data, blocking=True)
        except (ServiceValidationError, vol.Invalid):
            assert coordinator.presence == before


# What copying from a web page or a password manager can add around a token.
_whitespace = st.text(alphabet=" \t\n\r\u00a0\u2003\u200b\ufeff", max_size=3)


@given(
    lead=_whitespace,
    trail=_whitespace,
    prefix=st.sampled_from(["", "Bot ", "bot ", "BOT  "]),
    noise=st.none() | _text,
)
async def test_config_flow_any_token(
    *,
    hass: HomeAssistant,
    sim: Simulator,
    lead: str,
    trail: str,
    prefix: str,
    noise: str | None,
) -> None:
    """The real token with pasted whitespace and prefixes works; anything else is a form error."""
    token = noise if noise is not None else TOKEN
    pasted = f"{lead}{prefix}{token}{trail}"
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {
            CONF_TOKEN: pasted,
            SECTION_ADVANCED: {CONF_API_URL: sim.api_url, CONF_PROTOCOL: "v10"},
        },
    )
    if result["type"] is FlowResultType.CREATE_ENTRY:
        assert result["data"][CONF_TOKEN] == TOKEN
        entry = result["result"]
        await hass.config_entries.async_remove(entry.entry_id)
        await hass.async_block_till_done()
        return
    assert result["type"] is FlowResultType.FORM
    assert result["errors"]["base"] in {"invalid_auth", "cannot_connect"}
    # Only a token that is not the real one may be refused.
    assert noise is not None, f"the real token pasted as {pasted!r} was refused"
    hass.config_entries.flow.async_abort(result["flow_id"])
