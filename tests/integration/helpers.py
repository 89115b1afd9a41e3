"""Test helpers: drive virtual time until something happens (no real sleeps)."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable

    from homeassistant.core import HomeAssistant

    from tests.clock import ManualClock


async def advance_until(
    hass: HomeAssistant,
    clock: ManualClock,
    predicate: Callable[[], bool],
    *,
    step: float = 0.5,
    limit: float = 300.0,
) -> None:
    """Advance the virtual clock in steps until `predicate()` holds."""
    waited = 0.0
    while not predicate():
        assert waited < limit, "condition not reached within the virtual time limit"
        await clock.advance(step)
        await hass.async_block_till_done()
        waited += step


async def wait_for_state(
    hass: HomeAssistant, entity_id: str, state: str, *, within: float = 5.0
) -> None:
    """Wait (event-driven, on state_changed) until `entity_id` has `state`."""
    from homeassistant.core import Event, EventStateChangedData, callback
    from homeassistant.helpers.event import async_track_state_change_event

    reached = asyncio.Event()

    @callback
    def _changed(event: Event[EventStateChangedData]) -> None:
        new = event.data["new_state"]
        if new is not None and new.state == state:
            reached.set()

    unsubscribe = async_track_state_change_event(hass, entity_id, _changed)
    try:
        current = hass.states.get(entity_id)
        if current is None or current.state != state:
            async with asyncio.timeout(within):
                await reached.wait()
    finally:
        unsubscribe()
    await hass.async_block_till_done()
