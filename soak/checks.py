"""The invariants a soak run checks as it goes, and how a breach is told.

Fast checks (no unhandled exception, no token in a log line, no client
ended by surprise) run at every move of virtual time; counting checks (the
simulator's records, IDENTIFYs against the faults that need them, untouched
bystanders, flat memory) after each step. With --keep-going a counting
breach is noted and the run goes on; otherwise a breach ends the run with
the seed, the step, the fault and the state of every account.
"""

from __future__ import annotations

import asyncio
import gc
from functools import partial
from typing import TYPE_CHECKING, Any

from soak.clock import settle
from soak.invariants import Breach
from soak.memory import (
    CLIENT_OBJECTS_PER_ACCOUNT,
    TOTAL_GROWTH_PER_FAULT,
    WEBSOCKETS_PER_ACCOUNT,
    Reading,
)
from soak.presences import shown_shape, wanted_shape
from soak.scene import SoakScene, blackholed
from soak.stats import NotedBreach

if TYPE_CHECKING:
    from collections.abc import Callable

    from simulator.records import ConnectionRecord
    from soak.bots import Bot
    from soak.faults import Fault

MEMORY_CHECK_EVERY = 1000


class SoakChecks(SoakScene):
    """The run's invariant checks and its breach report."""

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

    def _warnings(self) -> int:
        levels = self.logs.take_client_levels()
        return levels["WARNING"] + levels["ERROR"] + levels["CRITICAL"]

    def _on_loop_exception(self, loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        self._loop_errors.append(context)

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
                f"resumes={len(record.resumes)} blackholed={blackholed(record)}"
            )
        return [self._redact(line) for line in lines]


def _memory_breach(detail: str) -> None:
    raise Breach("memory flat", detail)
