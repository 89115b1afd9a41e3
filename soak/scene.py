"""What every part of a soak run shares and reads: the accounts, the simulator, the clock.

The run's state lives here (built once from the config and its seed), with
the questions asked of the simulator: which connection of an account is live,
whether an account shows its wanted presence on a live session.
"""

from __future__ import annotations

import asyncio
import random
import sys
from typing import TYPE_CHECKING, Any, TextIO

from simulator import Simulator
from soak.bots import Bot, Fleet, token_for
from soak.clock import SoakClock
from soak.config import HEARTBEAT_INTERVAL_MS, SoakConfig
from soak.invariants import RecordWatch
from soak.logs import SecretWatch
from soak.memory import MemoryProbe
from soak.presences import random_presence, shown_shape, wanted_shape
from soak.stats import RunStats

if TYPE_CHECKING:
    from simulator.records import ConnectionRecord
    from soak.campaign import Step

#: Enough budget that the soak never meets Discord's 1000 identifies a day:
#: the budget has its own tests; here it would only mask other behaviour.
SESSION_BUDGET = 10**7


class SoakScene:
    """The state of one run and what it reads of the simulator."""

    def __init__(
        self,
        config: SoakConfig,
        *,
        out: TextIO | None = None,
    ) -> None:
        """The accounts and the simulator; the seed's first draws are the first presences."""
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
        self._out = out if out is not None else sys.stderr
        self._loop_errors: list[dict[str, Any]] = []
        self._fleet: Fleet | None = None
        self._step: Step | None = None
        self._expect_end: Bot | None = None
        self.breach: str | None = None
        self._closed = False

    def live(self, token: str) -> ConnectionRecord | None:
        """The newest open connection of ``token``; with one account, also one
        still in its handshake (its record has no token yet)."""
        for connection in sorted(self.sim.hub.live.values(), key=lambda c: -c.record.id):
            record = connection.record
            if blackholed(record):
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
                and not blackholed(record)
                and (best is None or record.id > best.id)
            ):
                best = record
        return best

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

    def _tally(self, bot: Bot) -> tuple[int, int]:
        tally = self.watch.tallies[bot.token]
        return tally.identifies, tally.resumes

    def _redact(self, text: str) -> str:
        for bot in self.bots:
            text = text.replace(bot.token, "<token>")
        return text

    def _require_fleet(self) -> Fleet:
        assert self._fleet is not None
        return self._fleet


def blackholed(record: ConnectionRecord) -> bool:
    """Whether the simulator stopped answering on ``record`` (a half-open connection)."""
    return getattr(record, "blackholed_at", None) is not None
