"""The accounts of a run and their clients (client mode): start, watch, stop."""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from custom_components.discord_presence.gateway import (
    Compression,
    ConnectionState,
    Dialect,
    GatewayClient,
    Presence,
)

if TYPE_CHECKING:
    import aiohttp

    from soak.clock import SoakClock


def token_for(seed: int, index: int) -> str:
    """A distinctive secret per account, easy to spot in any log line."""
    return f"SoakTok{index}.s{seed}.Zm9yYmlkZGVu-never-log-me"


@dataclass(eq=False)
class Bot:
    """One account: its token, the wanted presence, its client and run() task."""

    index: int
    token: str
    wanted: Presence
    client: GatewayClient | None = None
    task: asyncio.Task[None] | None = None
    clients_started: int = 0
    #: IDENTIFYs Discord's rules demand so far (one per client start, plus per fault).
    needed: int = 0
    #: IDENTIFYs beyond that, already reported (--keep-going).
    excess: int = 0
    #: Connections a fault hit that must be gone before this bot has recovered.
    must_replace: set[int] = field(default_factory=set)

    @property
    def c(self) -> GatewayClient:
        assert self.client is not None
        return self.client

    def connected(self) -> bool:
        return self.client is not None and self.c.snapshot().state is ConnectionState.CONNECTED

    def ended(self) -> BaseException | None:
        """The exception run() ended with; None while it runs."""
        task = self.task
        if task is None or not task.done():
            return None
        if task.cancelled():
            return asyncio.CancelledError()
        return task.exception() or RuntimeError("run() returned without close()")


class Fleet(Protocol):
    """How a run starts, steers and stops its accounts' clients.

    Client mode holds GatewayClients itself; the Home Assistant mode sets up
    config entries and steers them through the integration's actions.
    """

    #: Whether the end-of-run check may demand that no task at all is left
    #: (Home Assistant keeps its own tasks; it checks them itself).
    owns_loop: bool

    async def start(self, bot: Bot) -> None:
        """A fresh client for ``bot``; sets ``bot.client`` (and ``bot.task``)."""
        ...

    async def want(self, bot: Bot, presence: Presence) -> None:
        """Ask for ``presence``; sets ``bot.wanted`` to what the client now wants."""
        ...

    async def stop(self, bot: Bot) -> None:
        """Close ``bot``'s client for good."""
        ...

    def check(self) -> None:
        """Extra invariants of this mode, after every settle (raise Breach)."""
        ...


class ClientFleet:
    """Creates the clients against the simulator on the shared clock."""

    owns_loop = True

    def __init__(
        self,
        http: aiohttp.ClientSession,
        api_url: str,
        clock: SoakClock,
        rng: random.Random,
        *,
        legacy: bool,
        compression: str,
        on_change: asyncio.Event,
    ) -> None:
        self._http = http
        self._api_url = api_url
        self._clock = clock
        self._rng = rng
        self._legacy = legacy
        self._compression = Compression(compression)
        self._on_change = on_change

    async def start(self, bot: Bot) -> None:
        """A fresh client for ``bot`` (its own rng, seeded from the run's)."""
        client = GatewayClient(
            self._http,
            bot.token,
            api_url=self._api_url,
            dialect=Dialect.LEGACY if self._legacy else Dialect.V10,
            compression=self._compression,
            presence=bot.wanted,
            clock=self._clock,
            rng=random.Random(self._rng.getrandbits(64)),
        )
        client.add_listener(self._on_change.set)
        bot.client = client
        bot.task = asyncio.create_task(client.run(), name=f"soak-bot-{bot.index}")
        bot.clients_started += 1
        bot.needed += 1

    async def want(self, bot: Bot, presence: Presence) -> None:
        bot.c.update_presence(presence)
        bot.wanted = presence

    def check(self) -> None:
        """Client mode has no extra invariants."""

    async def stop(self, bot: Bot) -> None:
        if bot.client is not None:
            await bot.client.close()
        if bot.task is not None:
            await asyncio.wait([bot.task])


def tasks_of(client: GatewayClient) -> list[asyncio.Task[object]]:
    """Tasks still running one of ``client``'s coroutines (its runner and timers)."""
    found: list[asyncio.Task[object]] = []
    for task in asyncio.all_tasks():
        if task.done():
            continue
        coro = task.get_coro()
        frame = getattr(coro, "cr_frame", None)
        if frame is not None and frame.f_locals.get("self") is client:
            found.append(task)
    return found
