"""Memory over the run: tracemalloc growth by source file, checked against a bound.

The simulator records every frame and keeps every connection record, so its
memory grows with the run by design (and the harness trims what it can).
The bound applies to allocations made in the client's own code; the total
is reported beside it.
"""

from __future__ import annotations

import gc
import tracemalloc
from dataclasses import dataclass
from typing import Final

#: Growth allowed in allocations made by the client's own files between the
#: warm-up checkpoint and the end of the run.
CLIENT_GROWTH_BOUND: Final = 256 * 1024
_CLIENT_FILES: Final = "*/custom_components/*"


@dataclass(frozen=True, slots=True)
class Reading:
    """One checkpoint: bytes allocated by client code, and in total."""

    client: int
    total: int


class MemoryProbe:
    """Starts tracemalloc (if nobody else has) and reads checkpoints."""

    def __init__(self) -> None:
        self._started = False
        self.baseline: Reading | None = None
        self.last: Reading | None = None

    def start(self) -> None:
        if not tracemalloc.is_tracing():
            tracemalloc.start(1)
            self._started = True

    def stop(self) -> None:
        if self._started:
            tracemalloc.stop()
            self._started = False

    def read(self) -> Reading:
        gc.collect()
        snapshot = tracemalloc.take_snapshot()
        client = snapshot.filter_traces([tracemalloc.Filter(True, _CLIENT_FILES)])
        reading = Reading(
            client=sum(stat.size for stat in client.statistics("filename")),
            total=sum(stat.size for stat in snapshot.statistics("filename")),
        )
        self.last = reading
        return reading

    def mark_baseline(self) -> Reading:
        self.baseline = self.read()
        return self.baseline

    def client_growth(self) -> int:
        if self.baseline is None or self.last is None:
            return 0
        return self.last.client - self.baseline.client

    def total_growth(self) -> int:
        if self.baseline is None or self.last is None:
            return 0
        return self.last.total - self.baseline.total
