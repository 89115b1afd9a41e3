"""Memory over the run: tracemalloc growth and live objects, checked against bounds.

Two measures, because tracemalloc alone misleads here: it attributes a block
to the line that first allocated it, and CPython reuses freed blocks through
its free lists, so client lines get charged for memory the simulator's
records later hold. So:

- the whole process's traced memory may grow at most TOTAL_GROWTH_PER_FAULT
  per fault (plus a fixed slack) after the warm-up checkpoint: the simulator keeps one connection
  record per connection by design (a few hundred bytes); a leaked websocket,
  reader and buffers per reconnection would be several KiB;
- live objects of the client's own types, open client websockets and client
  tasks are counted at every checkpoint and must stay under fixed bounds.
"""

from __future__ import annotations

import gc
import tracemalloc
from dataclasses import dataclass
from typing import Final

import aiohttp

TOTAL_GROWTH_PER_FAULT: Final = 4096
#: Plus this much once: caches that fill on first use, a test's captured log.
TOTAL_GROWTH_SLACK: Final = 4 * 1024 * 1024
#: Live objects whose class is defined in custom_components, per account.
CLIENT_OBJECTS_PER_ACCOUNT: Final = 200
#: Live client websockets per account (the current one, one being replaced).
WEBSOCKETS_PER_ACCOUNT: Final = 2
_CLIENT_FILES: Final = "*/custom_components/*"


def _is_client_object(o: object) -> bool:
    module = type(o).__dict__.get("__module__", type(o).__module__)
    return isinstance(module, str) and module.startswith("custom_components")


@dataclass(frozen=True, slots=True)
class Reading:
    """One checkpoint."""

    faults: int
    #: Bytes tracemalloc charges to the client's files (see the module doc).
    client: int
    total: int
    client_objects: int
    websockets: int


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

    def read(self, faults: int) -> Reading:
        gc.collect()
        snapshot = tracemalloc.take_snapshot()
        client = snapshot.filter_traces([tracemalloc.Filter(True, _CLIENT_FILES)])
        objects = gc.get_objects()
        reading = Reading(
            faults=faults,
            client=sum(stat.size for stat in client.statistics("filename")),
            total=sum(stat.size for stat in snapshot.statistics("filename")),
            client_objects=sum(1 for o in objects if _is_client_object(o)),
            websockets=sum(
                1
                for o in objects
                if isinstance(o, aiohttp.ClientWebSocketResponse) and not o.closed
            ),
        )
        self.last = reading
        return reading

    def mark_baseline(self, faults: int) -> Reading:
        self.baseline = self.read(faults)
        return self.baseline

    def total_growth(self) -> int:
        if self.baseline is None or self.last is None:
            return 0
        return self.last.total - self.baseline.total

    def total_bound(self) -> int:
        if self.baseline is None or self.last is None:
            return 0
        faults = self.last.faults - self.baseline.faults
        return TOTAL_GROWTH_SLACK + faults * TOTAL_GROWTH_PER_FAULT

    def client_growth(self) -> int:
        if self.baseline is None or self.last is None:
            return 0
        return self.last.client - self.baseline.client
