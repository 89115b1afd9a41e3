"""The campaign: from one seeded rng, the sequence of steps a run takes.

Shared by the client mode and the Home Assistant mode. Every random choice
of a run is drawn here or by a fault from the same rng, in a fixed order, so
a seed names one campaign.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    import random

    from soak.faults import Fault

PresenceAction = Literal["none", "change", "burst"]
During = Literal["none", "presence", "fault"]


@dataclass(frozen=True, slots=True)
class Step:
    """One step: an optional presence action, a quiet pause, then a fault."""

    index: int
    presence: PresenceAction
    presence_target: int
    burst: int
    pause: float
    fault: Fault
    target: int
    #: What else happens while the client is recovering from the fault.
    during: During
    during_after: float
    second: Fault | None


class Campaign:
    """Draws steps from the run's rng."""

    def __init__(self, rng: random.Random, faults: list[Fault], accounts: int) -> None:
        if not faults:
            raise ValueError("no faults to draw from")
        self._rng = rng
        self._faults = faults
        self._weights = [fault.weight for fault in faults]
        self._accounts = accounts

    def _fault(self) -> Fault:
        return self._rng.choices(self._faults, self._weights)[0]

    def step(self, index: int) -> Step:
        rng = self._rng
        roll = rng.random()
        presence: PresenceAction = "change" if roll < 0.35 else "burst" if roll < 0.5 else "none"
        presence_target = rng.randrange(self._accounts)
        burst = rng.randint(3, 12)
        pause = rng.expovariate(1 / 30.0)
        fault = self._fault()
        target = rng.randrange(self._accounts)
        roll = rng.random()
        during: During = "presence" if roll < 0.15 else "fault" if roll < 0.25 else "none"
        during_after = rng.uniform(0.0, 6.0)
        second = self._fault() if during == "fault" else None
        if second is not None and (
            second.fatal is not None or second.scope == "server" or not second.second_ok
        ):
            # A fatal or whole-server fault in the middle of recovery would
            # blur which of the two the recovery time belongs to.
            during, second = "none", None
        return Step(
            index=index,
            presence=presence,
            presence_target=presence_target,
            burst=burst,
            pause=min(pause, 300.0),
            fault=fault,
            target=target,
            during=during,
            during_after=during_after,
            second=second,
        )

    def burst_gap(self) -> float:
        """Virtual seconds between two updates of a burst."""
        return self._rng.choice((0.0, 0.0, self._rng.uniform(0.0, 3.0)))
