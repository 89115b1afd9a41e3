"""Fifty bots in one Home Assistant (pytest-homeassistant-custom-component's hass).

Run by ``script/bench`` (benchmarks/home_assistant.py), not by the test
suite: it measures, it asserts only that every bot really connected. Figures
go to the JSON file named by BENCH_HA_OUT:

- real time (1 s heartbeat interval): setup time of all entries, event-loop
  lag p99 while the bots heartbeat, RSS per entry;
- virtual time (Discord's 41.25 s heartbeat): state_changed events and
  entity writes in one idle hour, with the coordinator as shipped and with
  the coordinator pushing every client change (how it was before issue 9).
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import os
import time
from typing import TYPE_CHECKING, Any
from unittest.mock import patch

import pytest
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import CONF_TOKEN, EVENT_STATE_CHANGED
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.helpers.entity import Entity
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import (  # type: ignore[import-untyped]
    MockConfigEntry,
)

from benchmarks.clients import new_tokens
from benchmarks.worker import rss_bytes
from custom_components.discord_presence.const import (
    CONF_API_URL,
    CONF_PROTOCOL,
    CONF_REASSERT_INTERVAL,
    DOMAIN,
)
from custom_components.discord_presence.coordinator import DiscordPresenceCoordinator
from simulator import Simulator
from tests.clock import ManualClock

if TYPE_CHECKING:
    from collections.abc import Iterator

BOTS = int(os.environ.get("BENCH_BOTS", "50"))
LAG_SECONDS = float(os.environ.get("BENCH_LAG_SECONDS", "10"))
OUT = os.environ.get("BENCH_HA_OUT", "")


@pytest.fixture(autouse=True)
def _custom(enable_custom_integrations: None, socket_enabled: None) -> None:
    """Load custom_components/discord_presence; talk to the simulator over loopback."""


def _record(key: str, value: Any) -> None:
    if not OUT:
        return
    data = json.loads(open(OUT).read()) if os.path.exists(OUT) else {}  # noqa: SIM115
    data[key] = value
    with open(OUT, "w") as f:
        json.dump(data, f, indent=1)


async def _add_bots(hass: HomeAssistant, sim: Simulator) -> tuple[list[MockConfigEntry], float]:
    entries = []
    for i, token in enumerate(new_tokens(sim, BOTS)):
        account = sim.account(token)
        assert account is not None
        entry = MockConfigEntry(
            domain=DOMAIN,
            title=f"bench bot {i}",
            unique_id=account.user_id,
            data={CONF_TOKEN: token, CONF_API_URL: sim.api_url, CONF_PROTOCOL: "v10"},
            options={CONF_REASSERT_INTERVAL: 0},
            minor_version=2,
        )
        entry.add_to_hass(hass)
        entries.append(entry)
    start = time.perf_counter()
    # As at Home Assistant's start: the integration sets up all its entries side by side.
    assert await async_setup_component(hass, DOMAIN, {})
    await hass.async_block_till_done()
    elapsed = time.perf_counter() - start
    assert all(e.state is ConfigEntryState.LOADED for e in entries)
    connected = {c.token for c in sim.connections if any(f.get("t") == "READY" for f in c.sent)}
    assert len(connected) == BOTS, f"{len(connected)} of {BOTS} bots reached READY"
    return entries, elapsed


async def _unload(hass: HomeAssistant, entries: list[MockConfigEntry]) -> None:
    for entry in entries:
        await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()


async def test_fifty_bots_real_time(hass: HomeAssistant) -> None:
    async with Simulator(heartbeat_interval_ms=1000) as sim:
        gc.collect()
        rss_before = rss_bytes()
        entries, setup_seconds = await _add_bots(hass, sim)
        gc.collect()
        rss_after = rss_bytes()
        lags = []
        end = time.monotonic() + LAG_SECONDS
        while (now := time.monotonic()) < end:
            await asyncio.sleep(0.01)
            lags.append(max(0.0, time.monotonic() - now - 0.01))
        beats = sum(len(c.heartbeats) for c in sim.connections)
        await _unload(hass, entries)
    lags.sort()
    _record(
        "real_time",
        {
            "bots": BOTS,
            "setup_seconds": setup_seconds,
            "rss_per_entry": (rss_after - rss_before) / BOTS,
            "lag_p99": lags[round(0.99 * (len(lags) - 1))],
            "lag_samples": len(lags),
            "heartbeats": beats,
        },
    )


@pytest.fixture
def writes() -> Iterator[dict[str, int]]:
    counted = {"calls": 0}
    original = Entity.async_write_ha_state

    def counting(entity: Entity) -> None:
        counted["calls"] += 1
        original(entity)

    with patch.object(Entity, "async_write_ha_state", counting):
        yield counted


@pytest.mark.parametrize("coordinator", ["shipped", "push_every_change"])
async def test_fifty_bots_idle_hour(
    hass: HomeAssistant, writes: dict[str, int], coordinator: str
) -> None:
    clock = ManualClock()
    events = []

    @callback
    def on_event(event: Event[Any]) -> None:
        events.append(event)

    with contextlib.ExitStack() as stack:
        stack.enter_context(
            patch("custom_components.discord_presence.coordinator.client_clock", return_value=clock)
        )
        stack.enter_context(patch("custom_components.discord_presence.const.SETUP_WAIT", 5.0))
        if coordinator == "push_every_change":
            stack.enter_context(
                patch.object(DiscordPresenceCoordinator, "_visible_change", lambda *_: True)
            )
        async with Simulator(clock=clock) as sim:
            entries, _ = await _add_bots(hass, sim)
            hass.bus.async_listen(EVENT_STATE_CHANGED, on_event)
            writes["calls"] = 0
            beats = sum(len(c.heartbeats) for c in sim.connections)
            for _ in range(720):  # one virtual hour in 5 s steps
                await clock.advance(5.0)
                await hass.async_block_till_done()
            beats = sum(len(c.heartbeats) for c in sim.connections) - beats
            changes, calls = len(events), writes["calls"]
            assert all(c.open for c in sim.connections), "a bot lost its connection while idle"
            await _unload(hass, entries)
    _record(
        f"idle_hour_{coordinator}",
        {"bots": BOTS, "heartbeats": beats, "state_changed": changes, "write_calls": calls},
    )
