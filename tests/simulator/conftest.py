"""Fixtures: a started simulator on virtual time, and an HTTP client session."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import aiohttp
import pytest

from simulator import Simulator
from tests.simulator.helpers import OTHER_TOKEN, TOKEN

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Awaitable, Callable

    from tests.clock import ManualClock


@pytest.fixture
async def sim(clock: ManualClock) -> AsyncIterator[Simulator]:
    async with Simulator(clock=clock, heartbeat_interval_ms=1000) as simulator:
        simulator.add_account(TOKEN, user_id="111", username="bot-a", global_name="Bot A")
        simulator.add_account(OTHER_TOKEN, user_id="222", username="bot-b")
        yield simulator


@pytest.fixture
async def legacy_sim(clock: ManualClock) -> AsyncIterator[Simulator]:
    async with Simulator(clock=clock, legacy=True, heartbeat_interval_ms=1000) as simulator:
        simulator.add_account(TOKEN, user_id="111", username="bot-a")
        yield simulator


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
async def make_sim(clock: ManualClock) -> AsyncIterator[Callable[..., Awaitable[Simulator]]]:
    """Start a simulator with custom settings (stopped at teardown)."""
    started: list[Simulator] = []

    async def make(**kwargs: Any) -> Simulator:
        simulator = Simulator(clock=clock, **kwargs)
        simulator.add_account(TOKEN, user_id="111", username="bot-a")
        await simulator.start()
        started.append(simulator)
        return simulator

    yield make
    for simulator in started:
        await simulator.stop()
