"""The client-mode soak: clients and the simulator on one virtual clock.

Each step: maybe a presence change or burst, a quiet pause, then a fault (and
sometimes a second fault or a presence change while the client recovers).
After each fault the harness moves virtual time from wake-up to wake-up until
every account shows its wanted presence on a live session again, then checks
the invariants. The first breach ends the run with the seed, the step, the
fault and the state.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import random
import sys
import time
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any, TextIO

import aiohttp

from simulator import Simulator
from soak.bots import Bot, ClientFleet, Fleet, tasks_of, token_for
from soak.campaign import Campaign, Step
from soak.clock import SoakClock, run_for, settle, step
from soak.config import HEARTBEAT_INTERVAL_MS, IDLE_PATIENCE, SoakConfig
from soak.faults import Fault, Hit, available, catalogue
from soak.invariants import Breach, RecordWatch
from soak.logs import SecretWatch
from soak.memory import (
    CLIENT_OBJECTS_PER_ACCOUNT,
    TOTAL_GROWTH_PER_FAULT,
    WEBSOCKETS_PER_ACCOUNT,
    MemoryProbe,
    Reading,
)
from soak.presences import random_presence, shown_shape, wanted_shape
from soak.stats import KindStats, NotedBreach, RunStats

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Awaitable, Callable

    from simulator.records import ConnectionRecord

#: Enough budget that the soak never meets Discord's 1000 identifies a day:
#: the budget has its own tests; here it would only mask other behaviour.
SESSION_BUDGET = 10**7
MEMORY_CHECK_EVERY = 1000
GC_EVERY = 50
#: With --keep-going, a late recovery is recorded and waited for this long
#: (virtual time, so it costs nothing): a day-long identify-budget wait fits.
#: Beyond it the client counts as stuck and the run stops.
KEEP_GOING_BOUND = 26 * 3600.0


@dataclass
class _During:
    """Something done once, a little after the fault, while the client recovers."""

    after: float
    act: Callable[[], Awaitable[None]]
    done: bool = False


class ClientSoak:
    """One run of the campaign against GatewayClients."""

    def __init__(
        self,
        config: SoakConfig,
        *,
        sabotage: Callable[[int, ClientSoak], Awaitable[None] | None] | None = None,
        out: TextIO | None = None,
    ) -> None:
        self.config = config
        self.stats = RunStats()
        self.rng = random.Random(config.seed)
        self.changed = asyncio.Event()
        self.clock = SoakClock(self.changed)
        self.bots = [
            Bot(i, token_for(config.seed, i), random_presence(self.rng, legacy=config.legacy))
            for i in range(config.accounts)
        ]
        self.sim = Simulator(
            legacy=config.legacy, heartbeat_interval_ms=HEARTBEAT_INTERVAL_MS, clock=self.clock
        )
        for bot in self.bots:
            self.sim.add_account(
                bot.token,
                user_id=str(1000 + bot.index),
                username=f"soak-bot-{bot.index}",
                session_start_total=SESSION_BUDGET,
                session_start_remaining=SESSION_BUDGET,
            )
        self.watch = RecordWatch(self.sim, [bot.token for bot in self.bots])
        self.memory = MemoryProbe()
        self.logs = SecretWatch([bot.token for bot in self.bots])
        self._sabotage = sabotage
        self._out = out if out is not None else sys.stderr
        self._loop_errors: list[dict[str, Any]] = []
        self._fleet: Fleet | None = None
        self._step: Step | None = None
        self._expect_end: Bot | None = None
        self.breach: str | None = None
        self._closed = False

    # ------------------------------------------------------------- the Scene

    def live(self, token: str) -> ConnectionRecord | None:
        """The newest open connection of ``token``; with one account, also one
        still in its handshake (its record has no token yet)."""
        for connection in sorted(self.sim.hub.live.values(), key=lambda c: -c.record.id):
            record = connection.record
            if _blackholed(record):
                continue
            if record.token == token or (record.token is None and len(self.bots) == 1):
                return record
        return None

    def session_live(self, token: str) -> ConnectionRecord | None:
        """The newest open, authenticated, working connection of ``token``."""
        best: ConnectionRecord | None = None
        for connection in self.sim.hub.live.values():
            record = connection.record
            if (
                connection.authenticated
                and record.token == token
                and not _blackholed(record)
                and (best is None or record.id > best.id)
            ):
                best = record
        return best

    async def run_for(self, seconds: float) -> None:
        await run_for(self.clock, seconds)
        self._check_fast()

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
        during: _During | None = None
        if current.during == "presence":
            during = _During(current.during_after, partial(self._want, bot))
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

            during = _During(current.during_after, second_fault)
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

    # -------------------------------------------------------------- recovery

    async def _recover(self, during: _During | None = None) -> float:
        """Move virtual time until every account has converged; the time it took."""
        start = self.clock.monotonic()
        late = False
        while True:
            await settle()
            self._check_fast()
            now = self.clock.monotonic()
            if during is not None and not during.done and now >= start + during.after:
                during.done = True
                await during.act()
                continue
            pending = during is not None and not during.done
            if not pending and all(self._converged(bot) for bot in self.bots):
                # Virtual time moves in jumps: convergence seen at the first
                # wake-up past the bound is late too.
                if now - start > self.config.recovery_bound and not late:
                    self._soft(partial(self._late, now - start))
                return now - start
            if now - start > self.config.recovery_bound and not late:
                late = True
                self._soft(partial(self._late, now - start))
            hard = KEEP_GOING_BOUND if self.config.keep_going else self.config.recovery_bound
            if now - start > hard:
                self._late(now - start)
            deadline = self.clock.next_deadline()
            if pending and during is not None:
                wake = start + during.after
                if deadline is None or deadline > wake:
                    await self.clock.advance(wake - now)
                    continue
            if not await step(self.clock):
                await self._idle()

    def _late(self, elapsed: float) -> None:
        raise Breach(
            "presence converges",
            f"not converged {elapsed:.1f} s after the fault "
            f"(bound {self.config.recovery_bound:.0f} s)",
        )

    def _converged(self, bot: Bot) -> bool:
        if not bot.connected():
            return False
        record = self.session_live(bot.token)
        if record is None:
            return False
        legacy = self.config.legacy
        shown = shown_shape(self.sim.current_presence(bot.token), legacy=legacy)
        if shown != wanted_shape(bot.wanted, legacy=legacy):
            return False
        connections = self.sim.connections
        bot.must_replace = {
            i for i in bot.must_replace if connections[i - 1].open and record.id <= i
        }
        return not bot.must_replace

    async def _idle(self) -> None:
        """Nothing sleeps on the virtual clock: something waits on real time
        (aiohttp's close handshake) or on I/O. Wait for it, within patience."""
        give_up = time.perf_counter() + IDLE_PATIENCE
        while time.perf_counter() < give_up:
            self.changed.clear()
            await settle()
            if self.clock.next_deadline() is not None:
                return
            if self._expect_end is not None and self._expect_end.ended() is not None:
                return
            if all(self._converged(bot) for bot in self.bots):
                return
            try:
                async with asyncio.timeout(0.05):
                    await self.changed.wait()
            except TimeoutError:
                continue
        raise Breach(
            "no hang",
            f"nothing scheduled on the virtual clock and no progress for {IDLE_PATIENCE:.0f} s "
            "of real time",
        )

    # ------------------------------------------------------------ invariants

    def _check_fast(self) -> None:
        if self._loop_errors:
            context = self._loop_errors[0]
            raise Breach(
                "no unhandled exception",
                f"{context.get('message')}: {context.get('exception')!r}",
            )
        if self.logs.leak is not None:
            raise Breach("the token appears in no log line", self._redact(self.logs.leak))
        if self._fleet is not None:
            self._fleet.check()
        for bot in self.bots:
            ended = bot.ended()
            if ended is not None and bot is not self._expect_end and not self._closed:
                raise Breach(
                    "no unhandled exception",
                    f"bot {bot.index}: run() ended: {type(ended).__name__}: "
                    f"{self._redact(str(ended))}",
                )

    def _soft(self, check: Callable[[], None]) -> None:
        """Run a counting check; with --keep-going, record its breach and go on."""
        try:
            check()
        except Breach as breach:
            if not self.config.keep_going:
                raise
            self._note(breach)

    def _note(self, breach: Breach) -> None:
        current = self._step
        self.stats.breaches.append(
            NotedBreach(
                invariant=breach.invariant,
                step=current.index if current else 0,
                faults_applied=self.stats.faults_applied,
                fault=self._fault_text(),
                detail=self._redact(breach.detail),
            )
        )
        print(
            f"soak: breach at step {current.index if current else 0}, {self._fault_text()} "
            f"({self.config.replay(self.stats.faults_applied)}): {self._redact(str(breach))}",
            *self._state_lines(),
            sep="\n",
            file=self._out,
        )

    async def _collect(self) -> None:
        """A failed task nobody awaited reports only when it is collected:
        collect now, so "Task exception was never retrieved" reaches the
        loop's exception handler while the step that caused it is known."""
        gc.collect()
        await settle()
        self._check_fast()

    def _check_records(self) -> None:
        self.watch.scan()
        # Read by nobody here: a long run must not keep them.
        self.sim.presences.clear()
        for name in ("rest_requests", "rejected_upgrades"):
            kept = getattr(self.sim, name, None)
            if isinstance(kept, list):
                kept.clear()

    def _check_identifies(self) -> None:
        for bot in self.bots:
            identifies = self.watch.tallies[bot.token].identifies
            if identifies > bot.needed + bot.excess:
                extra = identifies - bot.needed - bot.excess
                bot.excess += extra
                self.stats.excess_identifies += extra
                raise Breach(
                    "IDENTIFYs <= faults that need a new session + 1",
                    f"bot {bot.index}: {identifies} IDENTIFYs, at most "
                    f"{bot.needed + bot.excess - extra} needed",
                )

    def _check_untouched(
        self,
        untouched: list[Bot],
        before: dict[int, tuple[int, int]],
        live_before: dict[int, ConnectionRecord | None],
        fault: Fault,
    ) -> None:
        for bot in untouched:
            record = self.session_live(bot.token)
            was = live_before[bot.index]
            if self._tally(bot) != before[bot.index] or record is None or record is not was:
                raise Breach(
                    "faults on one bot leave the others untouched",
                    f"{fault.kind} on bot {self.bots.index(bot)} disturbed bot {bot.index}",
                )

    def _check_nothing_left(self, before: set[asyncio.Task[Any]]) -> None:
        current = asyncio.current_task()
        left = [t for t in asyncio.all_tasks() - before if t is not current and not t.done()]
        if left:
            raise Breach(
                "nothing left running after close",
                ", ".join(f"{t.get_name()} ({t.get_coro()!r})" for t in left),
            )

    def _tally(self, bot: Bot) -> tuple[int, int]:
        tally = self.watch.tallies[bot.token]
        return tally.identifies, tally.resumes

    def _warnings(self) -> int:
        levels = self.logs.take_client_levels()
        return levels["WARNING"] + levels["ERROR"] + levels["CRITICAL"]

    def _on_loop_exception(self, loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        self._loop_errors.append(context)

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

    async def _memory_checkpoint(self, warmup: int, *, final: bool = False) -> None:
        if not self.config.memory:
            return
        applied = self.stats.faults_applied
        points = self.stats.memory_checkpoints
        if self.memory.baseline is None:
            if applied >= warmup:
                self._record_reading(self.memory.mark_baseline(applied))
            return
        if not final and applied < points[-1][0] + MEMORY_CHECK_EVERY:
            return
        if final and applied == points[-1][0]:
            return
        reading = self.memory.read(applied)
        self._record_reading(reading)
        self.stats.memory_client_growth = self.memory.client_growth()
        self.stats.memory_total_growth = self.memory.total_growth()
        self.stats.memory_total_bound = self.memory.total_bound()
        accounts = len(self.bots)
        if reading.client_objects > CLIENT_OBJECTS_PER_ACCOUNT * accounts:
            self._soft(
                partial(
                    _memory_breach,
                    f"{reading.client_objects} live objects of the client's types "
                    f"(bound {CLIENT_OBJECTS_PER_ACCOUNT * accounts})",
                )
            )
        if reading.websockets > WEBSOCKETS_PER_ACCOUNT * accounts:
            self._soft(
                partial(
                    _memory_breach,
                    f"{reading.websockets} open client websockets "
                    f"(bound {WEBSOCKETS_PER_ACCOUNT * accounts})",
                )
            )
        if final and self.memory.total_growth() > self.memory.total_bound():
            self._soft(
                partial(
                    _memory_breach,
                    f"traced memory grew {self.memory.total_growth()} bytes over "
                    f"{applied - points[0][0]} faults after warm-up "
                    f"(bound {self.memory.total_bound()}: {TOTAL_GROWTH_PER_FAULT} per fault "
                    "and a fixed slack)",
                )
            )

    def _record_reading(self, reading: Reading) -> None:
        self.stats.memory_checkpoints.append(
            (
                reading.faults,
                reading.client,
                reading.total,
                reading.client_objects,
                reading.websockets,
            )
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

    # ---------------------------------------------------------------- breach

    def _report_breach(self, breach: Breach) -> None:
        current = self._step
        lines = [
            f"SOAK BREACH: {breach.invariant}",
            f"  detail:   {self._redact(breach.detail)}",
            f"  seed:     {self.config.seed}",
            f"  step:     {current.index if current else 0} "
            f"(fault {self.stats.faults_applied} of {self.config.faults})",
            f"  fault:    {self._fault_text()}",
            f"  virtual:  {self.clock.monotonic():.3f} s",
            f"  replay:   {self.config.replay(self.stats.faults_applied)}",
            "  state:",
            *self._state_lines(),
        ]
        self.breach = "\n".join(lines)
        print(self.breach, file=self._out)

    def _fault_text(self) -> str:
        current = self._step
        if current is None:
            return "none (first connection)"
        text = f"{current.fault.kind} on bot {current.target}"
        if current.during != "none":
            text += f"; during recovery: {current.during}"
            if current.second is not None:
                text += f" ({current.second.kind})"
        return text

    def _state_lines(self) -> list[str]:
        legacy = self.config.legacy
        lines: list[str] = []
        for bot in self.bots:
            if bot.client is None:
                lines.append(f"    bot {bot.index}: no client")
                continue
            snap = bot.c.snapshot()
            record = self.session_live(bot.token)
            lines += [
                f"    bot {bot.index}: client {snap.state.value}, {snap.stats}",
                f"      wanted {wanted_shape(bot.wanted, legacy=legacy)}",
                f"      shown  {shown_shape(self.sim.current_presence(bot.token), legacy=legacy)}",
                f"      live session connection {record.id if record else None}; "
                f"must be replaced {sorted(bot.must_replace)}; IDENTIFYs "
                f"{self.watch.tallies[bot.token].identifies} of {bot.needed} needed",
            ]
        lines.append("    last connections:")
        for record in self.sim.connections[-6:]:
            who = next((b.index for b in self.bots if b.token == record.token), None)
            lines.append(
                f"      #{record.id} bot {who} open={record.open} closed_by={record.closed_by} "
                f"code={record.close_code} identifies={len(record.identifies)} "
                f"resumes={len(record.resumes)} blackholed={_blackholed(record)}"
            )
        return [self._redact(line) for line in lines]

    def _redact(self, text: str) -> str:
        for bot in self.bots:
            text = text.replace(bot.token, "<token>")
        return text

    def _require_fleet(self) -> Fleet:
        assert self._fleet is not None
        return self._fleet


def _memory_breach(detail: str) -> None:
    raise Breach("memory flat", detail)


def _blackholed(record: ConnectionRecord) -> bool:
    return getattr(record, "blackholed_at", None) is not None


async def run_soak(config: SoakConfig, *, out: TextIO | None = None) -> RunStats:
    """Run one client-mode campaign."""
    return await ClientSoak(config, out=out).run()


__all__ = ["ClientSoak", "KindStats", "run_soak"]
