"""The presence card is served by the integration and loaded by the frontend without a resource."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING
from unittest.mock import patch

import pytest
from homeassistant.setup import async_setup_component

import custom_components.discord_presence as integration
from custom_components.discord_presence.const import DOMAIN
from custom_components.discord_presence.frontend import async_register_card

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant
    from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

PACKAGE = Path(integration.__file__).parent
VERSION = json.loads((PACKAGE / "manifest.json").read_text(encoding="utf-8"))["version"]
CARD_PATH = f"/{DOMAIN}/discord-presence-card.js"
CARD_URL = f"{CARD_PATH}?v={VERSION}"


async def test_card_is_served_without_login(
    hass: HomeAssistant, hass_client_no_auth: ClientSessionGenerator
) -> None:
    """A <script type=module> sends no token: the file must be public, with its editor beside it."""
    assert await async_setup_component(hass, DOMAIN, {})
    client = await hass_client_no_auth()

    card = await client.get(CARD_URL)
    assert card.status == 200
    assert card.content_type == "text/javascript"
    body = await card.text()
    assert 'customElements.define("discord-presence-card"' in body
    assert "window.customCards" in body
    # Long-lived cache headers: the ?v= query is what makes browsers fetch a new version.
    assert "max-age" in card.headers.get("Cache-Control", "")

    editor = await client.get(f"/{DOMAIN}/discord-presence-card-editor.js")
    assert editor.status == 200
    assert 'customElements.define("discord-presence-card-editor"' in await editor.text()

    # Only the card's folder is served, nothing else of the integration.
    assert (await client.get(f"/{DOMAIN}/../manifest.json")).status == 404
    assert (await client.get(f"/{DOMAIN}/frontend.py")).status == 404


async def test_card_is_an_extra_frontend_module(
    hass: HomeAssistant, hass_client_no_auth: ClientSessionGenerator
) -> None:
    """With the frontend set up, every page load imports the card (versioned URL)."""
    pytest.importorskip("hass_frontend", reason="home-assistant-frontend (requirements_demo.txt)")
    from homeassistant.components.frontend import DATA_EXTRA_MODULE_URL

    assert await async_setup_component(hass, "frontend", {})
    assert await async_setup_component(hass, DOMAIN, {})
    await hass.async_block_till_done()
    assert CARD_URL in hass.data[DATA_EXTRA_MODULE_URL].urls

    # The page the browser loads names the module.
    client = await hass_client_no_auth()
    with patch("homeassistant.components.onboarding.async_is_onboarded", return_value=True):
        page = await client.get("/", allow_redirects=False)
    assert page.status == 200
    assert CARD_URL in await page.text()


async def test_frontend_set_up_later_still_gets_the_card(hass: HomeAssistant) -> None:
    """The frontend's URL list exists only once it is set up: the card waits for it."""
    pytest.importorskip("hass_frontend", reason="home-assistant-frontend (requirements_demo.txt)")
    from homeassistant.components.frontend import DATA_EXTRA_MODULE_URL

    assert await async_setup_component(hass, DOMAIN, {})
    assert "frontend" not in hass.config.components
    assert await async_setup_component(hass, "frontend", {})
    await hass.async_block_till_done()
    assert CARD_URL in hass.data[DATA_EXTRA_MODULE_URL].urls


async def test_no_http_server_skips_the_card(
    hass: HomeAssistant, caplog: pytest.LogCaptureFixture
) -> None:
    """Without the HTTP server there is nothing to serve: no error, one debug line."""
    assert "http" not in hass.config.components
    await async_register_card(hass)
    assert "the presence card is not served" in caplog.text
    assert "frontend" not in hass.config.components
