"""Config flow for Discord Presence: user, reauth, reconfigure and options."""

from __future__ import annotations

import re
import unicodedata
from typing import TYPE_CHECKING, Any

from homeassistant.config_entries import (
    ConfigFlow,
    ConfigFlowResult,
    OptionsFlow,
    OptionsFlowWithReload,
)
from homeassistant.const import CONF_TOKEN
from homeassistant.core import callback
from homeassistant.data_entry_flow import section
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.selector import (
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)

from .compat import vol
from .const import (
    CONF_API_URL,
    CONF_PROTOCOL,
    CONF_REASSERT_INTERVAL,
    DEFAULT_API_URL,
    DEFAULT_PROTOCOL,
    DEFAULT_REASSERT_INTERVAL,
    DEVELOPER_PORTAL_URL,
    DOMAIN,
    LOGGER,
    MAX_REASSERT_INTERVAL,
    PROTOCOLS,
    SECTION_ADVANCED,
    validate_timeout,
)
from .gateway import (
    AuthenticationFailed,
    GatewayUnavailable,
    GatewayUser,
    fetch_current_user,
    is_safe_api_url,
)
from .helpers import account_name

if TYPE_CHECKING:
    from collections.abc import Mapping

    from .coordinator import DiscordPresenceConfigEntry

_TOKEN_SELECTOR = TextSelector(
    TextSelectorConfig(type=TextSelectorType.PASSWORD, autocomplete="off")
)
_URL_SELECTOR = TextSelector(TextSelectorConfig(type=TextSelectorType.URL))
_PROTOCOL_SELECTOR = SelectSelector(
    SelectSelectorConfig(
        options=PROTOCOLS, mode=SelectSelectorMode.DROPDOWN, translation_key=CONF_PROTOCOL
    )
)


def _advanced_section(api_url: str, protocol: str, *, collapsed: bool) -> section:
    return section(
        vol.Schema(
            {
                vol.Required(CONF_API_URL, default=api_url): _URL_SELECTOR,
                vol.Required(CONF_PROTOCOL, default=protocol): _PROTOCOL_SELECTOR,
            }
        ),
        {"collapsed": collapsed},
    )


def _user_schema(api_url: str, protocol: str) -> vol.Schema:
    return vol.Schema(
        {
            vol.Required(CONF_TOKEN): _TOKEN_SELECTOR,
            vol.Required(SECTION_ADVANCED): _advanced_section(
                api_url,
                protocol,
                collapsed=(api_url, protocol) == (DEFAULT_API_URL, DEFAULT_PROTOCOL),
            ),
        }
    )


REAUTH_SCHEMA = vol.Schema({vol.Required(CONF_TOKEN): _TOKEN_SELECTOR})
# The current values come in as suggestions (add_suggested_values_to_schema),
# not defaults: a default would be submitted again for a field the user cleared.
# The token is never suggested: it would travel back to the browser.
RECONFIGURE_SCHEMA = vol.Schema(
    {
        vol.Optional(CONF_TOKEN): _TOKEN_SELECTOR,
        vol.Required(SECTION_ADVANCED): section(
            vol.Schema(
                {
                    vol.Required(CONF_API_URL): _URL_SELECTOR,
                    vol.Required(CONF_PROTOCOL): _PROTOCOL_SELECTOR,
                }
            ),
            {"collapsed": False},
        ),
    }
)
OPTIONS_SCHEMA = vol.Schema(
    {
        vol.Required(CONF_REASSERT_INTERVAL): NumberSelector(
            NumberSelectorConfig(
                min=0,
                max=MAX_REASSERT_INTERVAL,
                step=1,
                mode=NumberSelectorMode.BOX,
                unit_of_measurement="min",
            )
        )
    }
)


def _strip_invisible(text: str) -> str:
    """Strip whitespace and invisible format characters (zero-width space, BOM) at both ends.

    Tokens copied from a web page or a password manager sometimes carry them,
    and str.strip() keeps them.
    """
    start, end = 0, len(text)
    while start < end and (text[start].isspace() or unicodedata.category(text[start]) == "Cf"):
        start += 1
    while end > start and (text[end - 1].isspace() or unicodedata.category(text[end - 1]) == "Cf"):
        end -= 1
    return text[start:end]


def _clean_token(token: str) -> str:
    """Accept a token pasted with its "Bot " prefix or surrounding whitespace."""
    token = _strip_invisible(token)
    if token.lower().startswith("bot "):
        token = _strip_invisible(token[4:])
    return token


# Discord tokens are dot-separated base64url segments. Anything else is not a
# token, and must not reach an HTTP header (a newline there would be refused
# by aiohttp, or worse, split the header).
_TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_\-.]+")


class DiscordPresenceConfigFlow(ConfigFlow, domain=DOMAIN):
    """Add a Discord bot account."""

    VERSION = 1
    MINOR_VERSION = 2

    @staticmethod
    @callback
    def async_get_options_flow(config_entry: DiscordPresenceConfigEntry) -> OptionsFlow:
        """Return the options flow."""
        return DiscordPresenceOptionsFlow()

    async def _async_check_token(
        self, token: str, api_url: str, errors: dict[str, str]
    ) -> GatewayUser | None:
        """Who the token belongs to, asked over REST (GET /users/@me); fill errors on failure.

        No gateway session is opened here: that would spend one of the day's
        identifies and, in reauth or reconfigure, run a second session beside
        the live one. The reload that follows the flow does the connecting.
        """
        if not is_safe_api_url(api_url):
            errors["base"] = "invalid_url"
            return None
        if not _TOKEN_SHAPE.fullmatch(token):
            errors["base"] = "invalid_auth"
            return None
        try:
            return await fetch_current_user(
                async_get_clientsession(self.hass),
                token,
                api_url=api_url.strip(),
                timeout=validate_timeout(),
            )
        except AuthenticationFailed:
            errors["base"] = "invalid_auth"
        except GatewayUnavailable:
            errors["base"] = "cannot_connect"
        except Exception:
            LOGGER.exception("Unexpected error while checking the Discord token")
            errors["base"] = "unknown"
        return None

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Ask for the bot token (and, under Advanced, the API URL and protocol)."""
        errors: dict[str, str] = {}
        api_url: str = DEFAULT_API_URL
        protocol: str = DEFAULT_PROTOCOL
        if user_input is not None:
            token = _clean_token(user_input[CONF_TOKEN])
            api_url = user_input[SECTION_ADVANCED][CONF_API_URL].strip()
            protocol = user_input[SECTION_ADVANCED][CONF_PROTOCOL]
            user = await self._async_check_token(token, api_url, errors)
            if user is not None:
                await self.async_set_unique_id(user.id)
                self._abort_if_unique_id_configured()
                return self.async_create_entry(
                    title=account_name(user),
                    data={CONF_TOKEN: token, CONF_API_URL: api_url, CONF_PROTOCOL: protocol},
                    options={CONF_REASSERT_INTERVAL: DEFAULT_REASSERT_INTERVAL},
                )
        return self.async_show_form(
            step_id="user",
            data_schema=_user_schema(api_url, protocol),
            errors=errors,
            description_placeholders={"portal_url": DEVELOPER_PORTAL_URL},
        )

    async def async_step_reauth(self, entry_data: Mapping[str, Any]) -> ConfigFlowResult:
        """Discord rejected the token: ask for a new one."""
        return await self.async_step_reauth_confirm()

    async def async_step_reauth_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for the new token of the same account."""
        entry = self._get_reauth_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            token = _clean_token(user_input[CONF_TOKEN])
            user = await self._async_check_token(token, entry.data[CONF_API_URL], errors)
            if user is not None:
                await self.async_set_unique_id(user.id)
                self._abort_if_unique_id_mismatch(reason="wrong_account")
                return self.async_update_reload_and_abort(entry, data_updates={CONF_TOKEN: token})
        return self.async_show_form(
            step_id="reauth_confirm",
            data_schema=REAUTH_SCHEMA,
            errors=errors,
            description_placeholders={"name": entry.title, "portal_url": DEVELOPER_PORTAL_URL},
        )

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change the token, API URL or protocol of the same account."""
        entry = self._get_reconfigure_entry()
        errors: dict[str, str] = {}
        api_url: str = entry.data[CONF_API_URL]
        protocol: str = entry.data[CONF_PROTOCOL]
        if user_input is not None:
            token = _clean_token(user_input.get(CONF_TOKEN) or "") or entry.data[CONF_TOKEN]
            api_url = user_input[SECTION_ADVANCED][CONF_API_URL].strip()
            protocol = user_input[SECTION_ADVANCED][CONF_PROTOCOL]
            user = await self._async_check_token(token, api_url, errors)
            if user is not None:
                await self.async_set_unique_id(user.id)
                self._abort_if_unique_id_mismatch(reason="wrong_account")
                return self.async_update_reload_and_abort(
                    entry,
                    data_updates={
                        CONF_TOKEN: token,
                        CONF_API_URL: api_url,
                        CONF_PROTOCOL: protocol,
                    },
                )
        return self.async_show_form(
            step_id="reconfigure",
            data_schema=self.add_suggested_values_to_schema(
                RECONFIGURE_SCHEMA,
                {SECTION_ADVANCED: {CONF_API_URL: api_url, CONF_PROTOCOL: protocol}},
            ),
            errors=errors,
            description_placeholders={"name": entry.title},
        )


class DiscordPresenceOptionsFlow(OptionsFlowWithReload):
    """Options: how often the presence is re-asserted.

    Home Assistant reloads the entry when the options changed (and only then).
    """

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Edit the options."""
        if user_input is not None:
            return self.async_create_entry(
                data={CONF_REASSERT_INTERVAL: int(user_input[CONF_REASSERT_INTERVAL])}
            )
        current = self.config_entry.options.get(CONF_REASSERT_INTERVAL, DEFAULT_REASSERT_INTERVAL)
        return self.async_show_form(
            step_id="init",
            data_schema=self.add_suggested_values_to_schema(
                OPTIONS_SCHEMA, {CONF_REASSERT_INTERVAL: current}
            ),
        )
