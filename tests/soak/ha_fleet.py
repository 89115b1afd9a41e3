"""The soak's Home Assistant mode: the same campaign, through the integration.

Each account is a config entry set up in a real Home Assistant (the test's
``hass``); presence changes go through the integration's actions; the clients
are the coordinators' own, on the soak's virtual clock. An extra invariant is
checked after every settle: the connection sensor never says connected while
the simulator has no live session for that account.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING
from unittest.mock import patch

from homeassistant.const import CONF_TOKEN
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.discord_presence.const import (
    CONF_API_URL,
    CONF_PROTOCOL,
    CONF_REASSERT_INTERVAL,
    DOMAIN,
    STATE_CONNECTED,
)
from custom_components.discord_presence.gateway import ActivityType, Presence
from soak.harness import ClientSoak
from soak.invariants import Breach

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from homeassistant.core import HomeAssistant

    from soak.bots import Bot, Fleet
    from soak.config import SoakConfig

_TYPE_OPTION = {
    ActivityType.PLAYING: "playing",
    ActivityType.LISTENING: "listening",
    ActivityType.WATCHING: "watching",
    ActivityType.COMPETING: "competing",
    ActivityType.CUSTOM: "custom",
    ActivityType.STREAMING: "streaming",
}


class HomeAssistantFleet:
    """Accounts as config entries; presence through the integration's actions."""

    owns_loop = False

    def __init__(self, hass: HomeAssistant, soak: HomeAssistantSoak) -> None:
        self._hass = hass
        self._soak = soak
        self._entries: dict[int, MockConfigEntry] = {}
        self.sensor_checks = 0

    async def start(self, bot: Bot) -> None:
        sim = self._soak.sim
        entry = MockConfigEntry(
            domain=DOMAIN,
            title=f"soak-bot-{bot.index}",
            unique_id=str(1000 + bot.index),
            data={
                CONF_TOKEN: bot.token,
                CONF_API_URL: sim.api_url,
                CONF_PROTOCOL: "legacy" if self._soak.config.legacy else "v10",
            },
            options={CONF_REASSERT_INTERVAL: 0},
            minor_version=2,
        )
        entry.add_to_hass(self._hass)
        assert await self._hass.config_entries.async_setup(entry.entry_id)
        self._entries[bot.index] = entry
        client = entry.runtime_data.coordinator.client
        client.add_listener(self._soak.changed.set)
        bot.client = client
        bot.wanted = client.presence
        bot.clients_started += 1
        bot.needed += 1

    async def want(self, bot: Bot, presence: Presence) -> None:
        """Two actions, as an automation would call them: the status, then the activity."""
        entry_id = self._entries[bot.index].entry_id
        await self._hass.services.async_call(
            DOMAIN,
            "set_status",
            {"config_entry_id": entry_id, "status": str(presence.status)},
            blocking=True,
        )
        activity = presence.activity
        data: dict[str, str] = {"config_entry_id": entry_id, "name": ""}
        if activity is not None:
            data["activity_type"] = _TYPE_OPTION[activity.type]
            if activity.type is ActivityType.CUSTOM:
                data["state"] = activity.state or activity.name
            else:
                data["name"] = activity.name
        await self._hass.services.async_call(DOMAIN, "set_game", data, blocking=True)
        bot.wanted = bot.c.presence

    async def stop(self, bot: Bot) -> None:
        entry = self._entries.pop(bot.index, None)
        if entry is not None:
            await self._hass.config_entries.async_unload(entry.entry_id)
            await self._hass.async_block_till_done()

    def check(self) -> None:
        """The connection sensor never says connected while the simulator has no
        live session, except while nothing could know yet: a half-open link
        before the client's liveness check, or frames the simulator is holding
        back (a delay fault) that would tell it."""
        registry = er.async_get(self._hass)
        for bot in self._soak.bots:
            if bot.index not in self._entries:
                continue
            entity_id = registry.async_get_entity_id(
                "sensor", DOMAIN, f"{1000 + bot.index}_connection"
            )
            state = self._hass.states.get(entity_id) if entity_id else None
            if state is None:
                raise Breach("the connection sensor tells the truth", f"bot {bot.index}: no sensor")
            self.sensor_checks += 1
            if state.state != STATE_CONNECTED or self._soak.session_live(bot.token) is not None:
                continue
            if self._soak.unknowable(bot.token):
                continue
            raise Breach(
                "the connection sensor tells the truth",
                f"bot {bot.index}: the sensor says connected, the simulator has no live session",
            )


class HomeAssistantSoak(ClientSoak):
    """The client-mode campaign, with the accounts living in Home Assistant."""

    def __init__(self, hass: HomeAssistant, config: SoakConfig) -> None:
        super().__init__(config)
        self._hass = hass
        self.ha_fleet = HomeAssistantFleet(hass, self)

    def unknowable(self, token: str) -> bool:
        """The account's connection is half-open or held back by a delay: the
        client cannot have learnt yet that its session is gone."""
        for connection in self.sim.hub.live.values():
            record = connection.record
            if record.token != token:
                continue
            if getattr(record, "blackholed_at", None) is not None or connection.delay > 0:
                return True
        return False

    @contextlib.asynccontextmanager
    async def environment(self) -> AsyncIterator[Fleet]:
        await self.sim.start()
        try:
            with (
                patch(
                    "custom_components.discord_presence.coordinator.client_clock",
                    return_value=self.clock,
                ),
                patch("custom_components.discord_presence.const.SETUP_WAIT", 2.0),
            ):
                yield self.ha_fleet
        finally:
            await self.sim.stop()
