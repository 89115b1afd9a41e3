"""Per-kind figures of a run: counts, recoveries, identifies against the minimum."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class KindStats:
    """One fault kind (or presence action) over the run; times are virtual seconds."""

    count: int = 0
    recovered: int = 0
    total_recovery: float = 0.0
    worst_recovery: float = 0.0
    identifies: int = 0
    needed: int = 0
    warnings: int = 0

    def add(self, recovery: float | None, *, identifies: int, needed: int, warnings: int) -> None:
        self.count += 1
        self.identifies += identifies
        self.needed += needed
        self.warnings += warnings
        if recovery is not None:
            self.recovered += 1
            self.total_recovery += recovery
            self.worst_recovery = max(self.worst_recovery, recovery)

    @property
    def mean_recovery(self) -> float:
        return self.total_recovery / self.recovered if self.recovered else 0.0


@dataclass(frozen=True, slots=True)
class NotedBreach:
    """A breach recorded by --keep-going."""

    invariant: str
    step: int
    faults_applied: int
    fault: str
    detail: str


@dataclass
class RunStats:
    """Everything the report needs besides the configuration."""

    faults: dict[str, KindStats] = field(default_factory=dict)
    presence: dict[str, KindStats] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)
    steps: int = 0
    faults_applied: int = 0
    faults_not_applicable: int = 0
    virtual_seconds: float = 0.0
    real_seconds: float = 0.0
    identifies: int = 0
    identifies_needed: int = 0
    resumes: int = 0
    connections: int = 0
    presence_updates: int = 0
    tightest_six: float | None = None
    log_lines: int = 0
    client_log_levels: dict[str, int] = field(default_factory=dict)
    memory_client_growth: int | None = None
    memory_total_growth: int | None = None
    memory_total_bound: int | None = None
    #: (faults, bytes charged to client files, all traced bytes, client objects, websockets)
    memory_checkpoints: list[tuple[int, int, int, int, int]] = field(default_factory=list)
    breach: str | None = None
    #: --keep-going: every recorded breach.
    breaches: list[NotedBreach] = field(default_factory=list)
    excess_identifies: int = 0

    def fault(self, kind: str) -> KindStats:
        return self.faults.setdefault(kind, KindStats())

    def presence_kind(self, kind: str) -> KindStats:
        return self.presence.setdefault(kind, KindStats())
