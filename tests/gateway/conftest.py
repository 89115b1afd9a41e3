"""Fixtures for the gateway client tests: a simulator, an HTTP session, a harness."""

from __future__ import annotations

import asyncio
import random
from typing import TYPE_CHECKING, Any

import aiohttp
import pytest

from custom_components.discord_presence.gateway import (
    ConnectionState,
    GatewayClient,
)
from simulator import Simulator

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Callable

    from tests.clock import ManualClock

TOKEN = "Sekr1t.T0ken.never-log-me"
INTERVAL_MS = 10_000
SEED = 1234
RUNNER_TASK = "discord-gateway"


class SpyClock:
    """The shared ManualClock, seen through the client's eyes.

    Same time as the simulator's clock; additionally records which task asked
    for which sleep, so tests can wait (event-driven) until the client's runner
    is blocked on a backoff and then advance exactly that far.
    """

    def __init__(self, inner: ManualClock) -> None:
        self.inner = inner
        self.sleeps: list[tuple[str, float]] = []
        self.pending: dict[int, tuple[str, float]] = {}
        self._changed = asyncio.Event()

    def monotonic(self) -> float:
        return self.inner.monotonic()

    def time(self) -> float:
        return self.inner.time()

    async def sleep(self, seconds: float) -> None:
        task = asyncio.current_task()
        name = task.get_name() if task is not None else ""
        key = object()
        self.sleeps.append((name, seconds))
        self.pending[id(key)] = (name, self.inner.monotonic() + seconds)
        self._changed.set()
        try:
            await self.inner.sleep(seconds)
        finally:
            del self.pending[id(key)]

    def runner_sleeps(self) -> list[float]:
        return [s for name, s in self.sleeps if name == RUNNER_TASK]

    def runner_deadline(self) -> float | None:
        deadlines = [d for name, d in self.pending.values() if name == RUNNER_TASK]
        return min(deadlines) if deadlines else None

    async def wait_runner_sleeping(self, timeout: float = 5) -> float:  # noqa: ASYNC109
        """Wait until the runner sleeps; return the seconds left on that sleep."""
        async with asyncio.timeout(timeout):
            while (deadline := self.runner_deadline()) is None:
                self._changed.clear()
                await self._changed.wait()
        return deadline - self.inner.monotonic()


class Harness:
    """One client against the simulator, with event-driven waits."""

    def __init__(self, sim: Simulator, clock: ManualClock, http: aiohttp.ClientSession) -> None:
        self.sim = sim
        self.clock = clock
        self.spy = SpyClock(clock)
        self.http = http
        self.client: GatewayClient | None = None
        self.task: asyncio.Task[None] | None = None
        self.states: list[ConnectionState] = []
        self._changed = asyncio.Event()

    def make(self, **kwargs: Any) -> GatewayClient:
        kwargs.setdefault("api_url", self.sim.api_url)
        kwargs.setdefault("clock", self.spy)
        kwargs.setdefault("rng", random.Random(SEED))
        token = kwargs.pop("token", TOKEN)
        client = GatewayClient(self.http, token, **kwargs)
        self.client = client
        client.add_listener(self._on_change)
        return client

    def _on_change(self) -> None:
        assert self.client is not None
        state = self.client.snapshot().state
        if not self.states or self.states[-1] is not state:
            self.states.append(state)
        self._changed.set()
        self.spy._changed.set()

    async def until_connected_advancing(self) -> None:
        """Advance through every backoff until the client is connected."""
        async with asyncio.timeout(10):
            while not self._is_connected():
                async with asyncio.timeout(5):
                    while not (self._is_connected() or self.spy.runner_deadline() is not None):
                        self.spy._changed.clear()
                        await self.spy._changed.wait()
                if not self._is_connected():
                    await self.advance_runner()

    def _is_connected(self) -> bool:
        return self.c.snapshot().state is ConnectionState.CONNECTED

    def start(self, **kwargs: Any) -> GatewayClient:
        client = self.client if self.client is not None and not kwargs else self.make(**kwargs)
        self.task = asyncio.create_task(client.run())
        return client

    @property
    def c(self) -> GatewayClient:
        assert self.client is not None
        return self.client

    async def until(self, predicate: Callable[[], bool], timeout: float = 5) -> None:  # noqa: ASYNC109
        """Wait until ``predicate()`` holds, re-checking after every client change."""
        async with asyncio.timeout(timeout):
            while not predicate():
                self._changed.clear()
                await self._changed.wait()

    async def ready(self) -> None:
        async with asyncio.timeout(5):
            await self.c.wait_until_ready()

    async def connected(self) -> None:
        await self.until(lambda: self.c.snapshot().state is ConnectionState.CONNECTED)

    async def advance_runner(self) -> float:
        """Let the runner's current sleep (backoff / identify spacing) run out."""
        left = await self.spy.wait_runner_sleeping()
        await self.clock.advance(left)
        return left

    async def reconnected(self, connections: int) -> None:
        """Advance through backoff until the simulator saw ``connections`` and we're live."""
        async with asyncio.timeout(10):
            while len(self.sim.connections) < connections:
                await self.advance_runner()
                await self.sim.wait_for(
                    lambda: (
                        len(self.sim.connections) >= connections
                        or self.spy.runner_deadline() is not None
                    )
                )
        await self.connected()

    async def stop(self) -> None:
        if self.client is not None:
            await self.client.close()
        if self.task is not None:
            await asyncio.wait([self.task])


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


def _sim(clock: ManualClock, *, legacy: bool = False) -> Simulator:
    sim = Simulator(legacy=legacy, heartbeat_interval_ms=INTERVAL_MS, clock=clock)
    sim.add_account(TOKEN, user_id="42", username="presence-bot")
    return sim


@pytest.fixture
async def sim(clock: ManualClock) -> AsyncIterator[Simulator]:
    async with _sim(clock) as simulator:
        yield simulator


@pytest.fixture
async def legacy_sim(clock: ManualClock) -> AsyncIterator[Simulator]:
    async with _sim(clock, legacy=True) as simulator:
        yield simulator


@pytest.fixture
async def h(
    sim: Simulator, clock: ManualClock, http: aiohttp.ClientSession
) -> AsyncIterator[Harness]:
    harness = Harness(sim, clock, http)
    yield harness
    await harness.stop()


@pytest.fixture
async def lh(
    legacy_sim: Simulator, clock: ManualClock, http: aiohttp.ClientSession
) -> AsyncIterator[Harness]:
    harness = Harness(legacy_sim, clock, http)
    yield harness
    await harness.stop()


# -- helpers for the issue 7 connection tests (liveness, hostile servers) -----


async def advance_until(
    clock: ManualClock, predicate: Callable[[], bool], *, step: float, limit: float
) -> float:
    """Advance virtual time in ``step``s until ``predicate()`` holds; return the seconds taken.

    For things that must happen by a virtual deadline: fails once ``limit``
    virtual seconds passed without it.
    """
    start = clock.monotonic()
    while not predicate():
        assert clock.monotonic() - start < limit, f"not within {limit} virtual seconds"
        await clock.advance(step)
    return clock.monotonic() - start


def gateway_tasks() -> list[asyncio.Task[Any]]:
    """The client's tasks still running (runner, reader, timers; all named discord-gateway*)."""
    return [
        task
        for task in asyncio.all_tasks()
        if task.get_name().startswith(RUNNER_TASK) and not task.done()
    ]


def loud_records(caplog: pytest.LogCaptureFixture) -> list[str]:
    """The client's log records at WARNING or above (routine events must stay below)."""
    import logging

    return [
        f"{r.levelname}: {r.getMessage()}"
        for r in caplog.records
        if r.name.startswith("custom_components.discord_presence") and r.levelno >= logging.WARNING
    ]
