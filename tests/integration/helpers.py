"""Test helpers: drive virtual time until something happens (no real sleeps)."""

from __future__ import annotations

import asyncio
import json
from typing import TYPE_CHECKING, Any

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


# The parts of an entity registry entry this integration decides. Whole
# entries and State objects (as snapshot_platform snapshots them) change shape
# between Home Assistant releases (new fields such as `object_id_base`, enum
# keys such as EntityStateAttribute), which would make one snapshot file wrong
# on either the oldest (2026.2) or the newest supported version. So these
# snapshots hold plain JSON values of what the integration decides.
REGISTRY_FIELDS = (
    "entity_id",
    "unique_id",
    "platform",
    "has_entity_name",
    "translation_key",
    "original_name",
    "original_device_class",
    "original_icon",
    "entity_category",
    "capabilities",
    "unit_of_measurement",
    "supported_features",
    "disabled_by",
    "options",
)


async def snapshot_entities(
    hass: HomeAssistant, snapshot: Any, config_entry_id: str, *, domain: str
) -> None:
    """Snapshot each entity of `domain` of the entry: stable registry fields and its state."""
    from homeassistant.helpers import entity_registry as er

    registry = er.async_get(hass)
    entries = [
        e
        for e in er.async_entries_for_config_entry(registry, config_entry_id)
        if e.domain == domain
    ]
    assert entries
    for entry in entries:
        assert entry.disabled_by is None, "enable all entities for the snapshot"
        # A JSON round trip: plain keys and values whatever enum/dict types a release uses.
        fields = json.loads(
            json.dumps({name: getattr(entry, name) for name in REGISTRY_FIELDS}, default=str)
        )
        assert fields == snapshot(name=f"{entry.entity_id}-entry")
        state = hass.states.get(entry.entity_id)
        assert state is not None
        shown = json.loads(
            json.dumps({"state": state.state, "attributes": dict(state.attributes)}, default=str)
        )
        assert shown == snapshot(name=f"{entry.entity_id}-state")
