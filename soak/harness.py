"""The client-mode soak: clients and the simulator on one virtual clock.

Each step: maybe a presence change or burst, a quiet pause, then a fault (and
sometimes a second fault or a presence change while the client recovers).
After each fault the harness moves virtual time from wake-up to wake-up until
every account shows its wanted presence on a live session again, then checks
the invariants. The first breach ends the run with the seed, the step, the
fault and the state.

This module runs the campaign and books each fault; the parts it stands on:
scene.py (the run's state), checks.py (the invariants, the breach report),
recovery.py (moving virtual time until the accounts recover).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from functools import partial
from typing import TYPE_CHECKING, TextIO

import aiohttp

from soak.bots import Bot, ClientFleet, Fleet, tasks_of
from soak.campaign import Campaign, Step
from soak.clock import settle, step
from soak.faults import Fault, Hit, available, catalogue
from soak.invariants import Breach
from soak.presences import random_presence
from soak.recovery import During, SoakRecovery
from soak.stats import KindStats, RunStats

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Awaitable, Callable

    from simulator.records import ConnectionRecord
    from soak.config import SoakConfig

GC_EVERY = 50


class ClientSoak(SoakRecovery):
    """One run of the campaign against GatewayClients."""

    def __init__(
        self,
        config: SoakConfig,
        *,
        sabotage: Callable[[int, ClientSoak], Awaitable[None] | None] | None = None,
        out: TextIO | None = None,
    ) -> None:
        super().__init__(config, out=out)
        self._sabotage = sabotage

    # ------------------------------------------------------------------- run

    async def run(self) -> RunStats:
        """The whole campaign; the stats carry the breach, if any."""
        loop = asyncio.get_running_loop()
        previous_handler = loop.get_exception_handler()
        loop.set_exception_handler(self._on_loop_exception)
        before = asyncio.all_tasks()
        started = time.perf_counter()
        if self.config.memory:
            self.memory.start()
        try:
            with self.logs:
                async with self.environment() as fleet:
                    self._fleet = fleet
                    try:
                        await self._campaign()
                    except Breach as breach:
                        self._report_breach(breach)
                    finally:
                        await self._shutdown()
                await settle()
                if self.breach is None:
                    await self._collect()
                if self.breach is None and self._require_fleet().owns_loop:
                    self._check_nothing_left(before)
        except Breach as breach:
            self._report_breach(breach)
        finally:
            loop.set_exception_handler(previous_handler)
            self.memory.stop()
            self.stats.real_seconds = time.perf_counter() - started
            self.stats.virtual_seconds = self.clock.monotonic()
            self.stats.log_lines = self.logs.lines
            self._totals()
        self.stats.breach = self.breach
        return self.stats

    @contextlib.asynccontextmanager
    async def environment(self) -> AsyncIterator[Fleet]:
        """The simulator and the clients' fleet for the run (client mode)."""
        async with aiohttp.ClientSession() as http:
            await self.sim.start()
            try:
                yield ClientFleet(
                    http,
                    self.sim.api_url,
                    self.clock,
                    self.rng,
                    legacy=self.config.legacy,
                    compression=self.config.compression,
                    on_change=self.changed,
                )
            finally:
                await self.sim.stop()

    async def _campaign(self) -> None:
        fleet = self._require_fleet()
        faults, self.stats.skipped = available(
            catalogue(fatal=self.config.fatal),
            self.sim,
            legacy=self.config.legacy,
            only=self.config.only,
        )
        for bot in self.bots:
            await fleet.start(bot)
        self.logs.take_client_levels()
        recovery = await self._recover()
        self.stats.presence_kind("first connection").add(
            recovery, identifies=len(self.bots), needed=len(self.bots), warnings=0
        )
        self._soft(self._check_records)
        campaign = Campaign(self.rng, faults, len(self.bots))
        warmup = max(1, self.config.faults // 10)
        index = 0
        while self.stats.faults_applied < self.config.faults:
            index += 1
            current = campaign.step(index)
            self._step = current
            self.stats.steps = index
            await self._presence_action(current, campaign)
            await self.run_for(current.pause)
            await self._settle_quiet()
            await self._fault_step(current)
            if self._sabotage is not None:
                result = self._sabotage(index, self)
                if result is not None:
                    await result
                await self._recover()
                self._check_records()
                self._check_identifies()
            await self._memory_checkpoint(warmup)
            if index % GC_EVERY == 0:
                await self._collect()
        await self._memory_checkpoint(warmup, final=True)

    # -------------------------------------------------------------- presence

    async def _presence_action(self, current: Step, campaign: Campaign) -> None:
        if current.presence == "none":
            return
        bot = self.bots[current.presence_target]
        updates = 1 if current.presence == "change" else current.burst
        for n in range(updates):
            await self._want(bot)
            if n < updates - 1:
                await self.run_for(campaign.burst_gap())
        self.logs.take_client_levels()
        recovery = await self._recover()
        kind = "presence change" if updates == 1 else "presence burst"
        self.stats.presence_kind(kind).add(
            recovery, identifies=0, needed=0, warnings=self._warnings()
        )
        self._soft(self._check_records)

    async def _want(self, bot: Bot) -> None:
        await self._require_fleet().want(bot, random_presence(self.rng, legacy=self.config.legacy))

    async def _settle_quiet(self) -> None:
        """After a quiet pause every account must still be converged; if a
        latent fault (a delay) left one recovering, wait for it and count it."""
        if all(self._converged(bot) for bot in self.bots):
            return
        recovery = await self._recover()
        self.stats.presence_kind("not converged after a pause").add(
            recovery, identifies=0, needed=0, warnings=self._warnings()
        )

    # ----------------------------------------------------------------- fault

    async def _fault_step(self, current: Step) -> None:
        fault = current.fault
        bot = self.bots[current.target]
        affected = self.bots if fault.scope == "server" else [bot]
        before = {b.index: self._tally(b) for b in self.bots}
        needed_before = {b.index: b.needed for b in self.bots}
        live_before = {b.index: self.session_live(b.token) for b in self.bots}
        self.logs.take_client_levels()
        if fault.fatal is not None:
            self._expect_end = bot
        hit = await fault.apply(self, bot.token, self.rng)
        if hit is None:
            self.stats.faults_not_applicable += 1
            return
        self.stats.faults_applied += 1
        self._account(fault, hit, bot, affected, live_before)
        self.clock.monotonic()
        second_at: list[float] = []
        during: During | None = None
        if current.during == "presence":
            during = During(current.during_after, partial(self._want, bot))
        elif current.second is not None:
            second = current.second

            async def second_fault() -> None:
                if self._expect_end is not None:
                    return
                before_second = {b.index: self.session_live(b.token) for b in self.bots}
                hit2 = await second.apply(self, bot.token, self.rng)
                if hit2 is not None:
                    self.stats.faults_applied += 1
                    self._account(second, hit2, bot, [bot], before_second)
                    second_at.append(self.clock.monotonic())

            during = During(current.during_after, second_fault)
        if fault.fatal is not None:
            await self._fatal_end(bot, fault)
        recovery = await self._recover(during)
        for used in (fault, current.second if second_at else None):
            if used is not None and used.cleanup is not None:
                await used.cleanup(self.sim)
        self._soft(self._check_records)
        self._soft(self._check_identifies)
        untouched = [b for b in self.bots if b not in affected]
        self._check_untouched(untouched, before, live_before, fault)
        warnings = self._warnings()
        identifies = sum(self._tally(b)[0] - before[b.index][0] for b in affected)
        needed = sum(b.needed - needed_before[b.index] for b in affected)
        if second_at and current.second is not None:
            self.stats.fault(current.second.kind).add(
                self.clock.monotonic() - second_at[0] if recovery is not None else None,
                identifies=0,
                needed=0,
                warnings=0,
            )
        self.stats.fault(fault.kind).add(
            recovery if recovery <= self.config.recovery_bound else None,
            identifies=identifies,
            needed=needed,
            warnings=warnings,
        )

    def _account(
        self,
        fault: Fault,
        hit: Hit,
        target: Bot,
        affected: list[Bot],
        live_before: dict[int, ConnectionRecord | None],
    ) -> None:
        """Book what the fault demands: new sessions, replaced connections, its own 4008.

        A fault that hit one connection breaks only the target's; one that hit
        the whole server (an outage) breaks every affected account's.
        """
        legacy = self.config.legacy
        if fault.close_code == 4008 and hit.connection is not None:
            self.watch.injected_4008.add(hit.connection)
        for bot in affected:
            if fault.needs_new_session(legacy=legacy):
                bot.needed += 1
            if fault.must_replace(legacy=legacy):
                if hit.connection is not None:
                    if bot is target:
                        bot.must_replace.add(hit.connection)
                elif (record := live_before[bot.index]) is not None:
                    bot.must_replace.add(record.id)

    async def _fatal_end(self, bot: Bot, fault: Fault) -> None:
        """A fatal close: run() must end FAILED with the right error, then a fresh client."""
        fleet = self._require_fleet()
        start = self.clock.monotonic()
        while bot.ended() is None:
            if self.clock.monotonic() - start > self.config.recovery_bound:
                raise Breach("fatal close ends the client", f"{fault.kind}: run() still running")
            if not await step(self.clock):
                await self._idle()
        error = bot.ended()
        snapshot = bot.c.snapshot()
        expected = fault.fatal
        assert expected is not None
        if not isinstance(error, expected):
            raise Breach(
                "fatal close ends the client",
                f"{fault.kind}: run() raised {type(error).__name__}, wanted {expected.__name__}",
            )
        if snapshot.state.value != "failed" or not isinstance(snapshot.failure, expected):
            raise Breach(
                "fatal close ends the client",
                f"{fault.kind}: state {snapshot.state.value}, failure {snapshot.failure!r}",
            )
        left = tasks_of(bot.c)
        if left:
            raise Breach(
                "nothing left running after close",
                f"{fault.kind}: the failed client still runs {[t.get_name() for t in left]}",
            )
        self._expect_end = None
        bot.must_replace.clear()
        self.watch.reset_window(bot.token)
        await fleet.start(bot)

    # --------------------------------------------------------------- the end

    async def _shutdown(self) -> None:
        self._closed = True
        fleet = self._require_fleet()
        for bot in self.bots:
            await fleet.stop(bot)
        await settle()
        for bot in self.bots:
            if bot.client is not None and (left := tasks_of(bot.client)):
                raise Breach(
                    "nothing left running after close",
                    f"bot {bot.index}: {[t.get_name() for t in left]}",
                )

    def _totals(self) -> None:
        stats = self.stats
        stats.identifies = stats.resumes = stats.presence_updates = stats.identifies_needed = 0
        for bot in self.bots:
            tally = self.watch.tallies[bot.token]
            stats.identifies += tally.identifies
            stats.resumes += tally.resumes
            stats.presence_updates += tally.presence_updates
            stats.identifies_needed += bot.needed
            if tally.tightest_six is not None and (
                stats.tightest_six is None or tally.tightest_six < stats.tightest_six
            ):
                stats.tightest_six = tally.tightest_six
        stats.connections = len(self.sim.connections)
        stats.client_log_levels = dict(self.logs.client_levels_total)


async def run_soak(config: SoakConfig, *, out: TextIO | None = None) -> RunStats:
    """Run one client-mode campaign."""
    return await ClientSoak(config, out=out).run()


__all__ = ["ClientSoak", "KindStats", "run_soak"]
