"""What must hold after every fault, read from the simulator's records.

The watch reads each connection record once (open ones again until they
close), so a check costs the same at step 10 and at step 10,000. Records
already judged and closed are emptied to keep a long run's memory flat.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from simulator import Simulator
    from simulator.records import ConnectionRecord

#: Discord allows 5 presence updates per 20 s. A sixth at exactly first + 20 s
#: counts as a breach: with network jitter Discord may see it inside the window.
PRESENCE_LIMIT: Final = 5
PRESENCE_WINDOW: Final = 20.0
RATE_LIMITED: Final = 4008


class Breach(Exception):
    """An invariant did not hold."""

    def __init__(self, invariant: str, detail: str) -> None:
        super().__init__(f"{invariant}: {detail}")
        self.invariant = invariant
        self.detail = detail


@dataclass
class _Seen:
    identifies: int = 0
    resumes: int = 0
    presences: int = 0


@dataclass
class TokenTally:
    """What one token did, across every connection so far."""

    identifies: int = 0
    resumes: int = 0
    presence_updates: int = 0
    recent: deque[float] = field(default_factory=lambda: deque(maxlen=PRESENCE_LIMIT))
    #: Closest approach to the limit: the shortest span of 6 consecutive updates.
    tightest_six: float | None = None


class RecordWatch:
    """Incremental reader of ``sim.connections`` that enforces the record invariants."""

    def __init__(self, sim: Simulator, tokens: list[str]) -> None:
        self._sim = sim
        self._next = 0
        self._open: dict[int, ConnectionRecord] = {}
        self._seen: dict[int, _Seen] = {}
        self.tallies = {token: TokenTally() for token in tokens}
        #: Connections a fault closed with 4008 on purpose.
        self.injected_4008: set[int] = set()
        self.closes_4008 = 0

    def scan(self) -> None:
        """Read what happened since the last scan; Breach on the first violation."""
        records = self._sim.connections
        while self._next < len(records):
            record = records[self._next]
            self._open[record.id] = record
            self._seen[record.id] = _Seen()
            self._next += 1
        new_presences: dict[str, list[float]] = {}
        for record_id, record in list(self._open.items()):
            self._read(record, self._seen[record_id], new_presences)
            if not record.open:
                self._finish(record)
        for token, times in new_presences.items():
            self._check_window(token, sorted(times))

    def _read(
        self, record: ConnectionRecord, seen: _Seen, presences: dict[str, list[float]]
    ) -> None:
        for d in record.identifies[seen.identifies :]:
            tally = self.tallies.get(_token_of(d))
            if tally is not None:
                tally.identifies += 1
        seen.identifies = len(record.identifies)
        for d in record.resumes[seen.resumes :]:
            tally = self.tallies.get(_token_of(d))
            if tally is not None:
                tally.resumes += 1
        seen.resumes = len(record.resumes)
        token = record.token
        if token is not None and token in self.tallies:
            fresh = record.presences[seen.presences :]
            presences.setdefault(token, []).extend(t for t, _ in fresh)
            self.tallies[token].presence_updates += len(fresh)
        seen.presences = len(record.presences)

    def _finish(self, record: ConnectionRecord) -> None:
        del self._open[record.id]
        del self._seen[record.id]
        if (
            record.close_code == RATE_LIMITED
            and record.closed_by == "server"
            and record.id not in self.injected_4008
        ):
            self.closes_4008 += 1
            raise Breach(
                "zero 4008 closes",
                f"connection {record.id} was closed 4008 by the simulator "
                f"(last frames received: {_tail(record.received)})",
            )
        self.injected_4008.discard(record.id)
        # Judged for good: let a long run forget the frames.
        for frames in (record.received, record.sent, record.heartbeats, record.presences):
            frames.clear()

    def _check_window(self, token: str, times: list[float]) -> None:
        tally = self.tallies[token]
        for t in times:
            if len(tally.recent) == PRESENCE_LIMIT:
                span = t - tally.recent[0]
                if tally.tightest_six is None or span < tally.tightest_six:
                    tally.tightest_six = span
                if span <= PRESENCE_WINDOW:
                    raise Breach(
                        "at most 5 presence updates in 20 s",
                        f"6 updates within {span:.6f} s: at "
                        + ", ".join(f"{x:.6f}" for x in [*tally.recent, t]),
                    )
            tally.recent.append(t)

    def reset_window(self, token: str) -> None:
        """A fresh client on a fresh connection: Discord's count starts again."""
        self.tallies[token].recent.clear()

    def open_records(self) -> list[ConnectionRecord]:
        return list(self._open.values())


def _token_of(d: Any) -> str:
    token = d.get("token") if isinstance(d, dict) else None
    return token if isinstance(token, str) else ""


def _tail(frames: list[dict[str, Any]]) -> str:
    return ", ".join(f"op {f.get('op')}" for f in frames[-8:]) or "none"
