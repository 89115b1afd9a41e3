"""What one soak run is: its seed, size, dialect, and the bounds it is held to."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from pathlib import Path

#: After a fault (after an outage ends), every account must show the wanted
#: presence on a live session within this much virtual time. It covers a
#: half-open link noticed within two heartbeat intervals (2 x 41.25 s), the
#: backoff cap (60 s) and a handshake, with room to spare.
RECOVERY_BOUND: Final = 240.0
#: Discord's heartbeat interval, as the real gateway sends it.
HEARTBEAT_INTERVAL_MS: Final = 41_250
#: Real seconds the harness waits when nothing is scheduled on the virtual
#: clock (aiohttp's own close timeout is 10 s of real time).
IDLE_PATIENCE: Final = 15.0


@dataclass(frozen=True, slots=True)
class SoakConfig:
    seed: int
    faults: int
    legacy: bool = False
    compression: str = "zstd-stream"
    accounts: int = 1
    fatal: bool = False
    report: Path | None = None
    memory: bool = True
    recovery_bound: float = RECOVERY_BOUND
    #: Draw only these fault kinds (to minimise a breach, or to test one kind).
    only: tuple[str, ...] = ()
    #: Record breaches of the counting invariants and go on (for the figures
    #: of a long run); a crash, a leak or a client that never recovers still stops it.
    keep_going: bool = False

    def replay(self, faults: int) -> str:
        """The command that replays this run up to its ``faults``-th fault."""
        return replace(self, faults=faults, keep_going=False).command()

    def command(self) -> str:
        """The command line that replays this run."""
        parts = [f"script/soak --seed {self.seed} --faults {self.faults}"]
        if self.legacy:
            parts.append("--legacy")
        elif self.compression != "zstd-stream":
            parts.append(f"--compression {self.compression}")
        if self.accounts != 1:
            parts.append(f"--accounts {self.accounts}")
        if self.fatal:
            parts.append("--fatal")
        parts += [f"--only '{kind}'" for kind in self.only]
        if self.keep_going:
            parts.append("--keep-going")
        if not self.memory:
            parts.append("--no-memory")
        return " ".join(parts)
