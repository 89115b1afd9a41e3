"""Serve the presence card and load it in every dashboard, so nobody has to add a resource."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Final

from homeassistant.components.frontend import add_extra_js_url
from homeassistant.loader import async_get_integration
from homeassistant.setup import async_when_setup

from .compat import HomeAssistantHTTP, StaticPathConfig
from .const import DOMAIN, LOGGER

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant

# Not "frontend/": a folder beside frontend.py of the same name shadows it for
# tools that resolve imports by path (mypy on a single file).
FRONTEND_DIR: Final = Path(__file__).parent / "www"
CARD_FILE: Final = "discord-presence-card.js"
STATIC_URL: Final = f"/{DOMAIN}"


async def async_register_card(hass: HomeAssistant) -> None:
    """Serve www/ under /discord_presence and add the card as an extra frontend module.

    The module URL carries the integration's version: the files are served with
    long cache headers, and a new version must reach browsers that cached the old.
    """
    # Typed as always there, but None until the http integration is set up.
    server: HomeAssistantHTTP | None = hass.http
    if server is None:
        # Only without the HTTP server (tests that do not set it up): nothing could load the card.
        LOGGER.debug("No HTTP server: the presence card is not served")
        return
    version = (await async_get_integration(hass, DOMAIN)).version
    await server.async_register_static_paths(
        [StaticPathConfig(STATIC_URL, str(FRONTEND_DIR), cache_headers=True)]
    )
    url = f"{STATIC_URL}/{CARD_FILE}?v={version}"

    async def add_module(hass: HomeAssistant, _component: str) -> None:
        add_extra_js_url(hass, url)

    # The frontend is normally set up before any custom integration, but
    # nothing guarantees it; its URL list only exists once it is.
    async_when_setup(hass, "frontend", add_module)
