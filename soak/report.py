"""The run's figures as Markdown (``docs/reliability.md`` is written by this)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from soak.config import HEARTBEAT_INTERVAL_MS
from soak.invariants import PRESENCE_LIMIT, PRESENCE_WINDOW
from soak.memory import (
    CLIENT_OBJECTS_PER_ACCOUNT,
    TOTAL_GROWTH_PER_FAULT,
    TOTAL_GROWTH_SLACK,
    WEBSOCKETS_PER_ACCOUNT,
)

if TYPE_CHECKING:
    from soak.config import SoakConfig
    from soak.stats import KindStats, NotedBreach, RunStats


def _row(kind: str, s: KindStats) -> str:
    return (
        f"| {kind} | {s.count} | {s.recovered} | {s.worst_recovery:.1f} | "
        f"{s.mean_recovery:.1f} | {s.identifies} / {s.needed} | {s.warnings} |"
    )


_HEADER = (
    "| kind | count | recovered | worst recovery (s) | mean recovery (s) "
    "| IDENTIFYs / minimum | client warnings |\n"
    "|---|---:|---:|---:|---:|---:|---:|"
)


def markdown(config: SoakConfig, stats: RunStats, *, version: str | None = None) -> str:
    """The report for one run."""
    dialect = "legacy (2016)" if config.legacy else f"v10, {config.compression}"
    if stats.breach is not None:
        verdict = "**failed** (the breach that stopped it is below)"
    elif stats.breaches:
        verdict = f"**{len(stats.breaches)} breaches recorded** (listed below)"
    else:
        verdict = "**passed**"
    lines = [
        "# Reliability: the seeded fault soak",
        "",
        "Written by `script/soak`; do not edit by hand. Regenerate with:",
        "",
        "```",
        f"{config.command()} --report docs/reliability.md",
        "```",
        "",
        f"Run: seed {config.seed}, {stats.faults_applied} faults in {stats.steps} steps, "
        f"{config.accounts} account(s), {dialect}"
        + (", fatal close codes included" if config.fatal else "")
        + f". Result: {verdict}.",
        "",
        *([f"Code measured: commit {version}.", ""] if version else []),
        f"Virtual time: {stats.virtual_seconds:,.0f} s ({stats.virtual_seconds / 86400:.1f} days) "
        f"in {stats.real_seconds:,.0f} s of real time. The client and the simulator share one "
        "virtual clock; bytes cross real loopback sockets. Heartbeat interval "
        f"{HEARTBEAT_INTERVAL_MS / 1000:.2f} s, as Discord sends it.",
        "",
        "## Faults",
        "",
        "Recovery time is virtual time from the fault (for outages, from the server's "
        "return) until every account shows its wanted presence on a live session, measured "
        "at the wake-up that achieved it. *IDENTIFYs / minimum*: new sessions the client "
        "opened during those steps, against the number Discord's rules demand.",
        "",
        _HEADER,
        *(_row(kind, s) for kind, s in sorted(stats.faults.items())),
        "",
        "## Presence changes and other steps",
        "",
        _HEADER,
        *(_row(kind, s) for kind, s in sorted(stats.presence.items())),
        "",
        "## Totals",
        "",
        f"- Faults applied: {stats.faults_applied} "
        f"({stats.faults_not_applicable} drawn with nothing to hit).",
        f"- IDENTIFYs: {stats.identifies}, minimum needed {stats.identifies_needed} "
        "(one per client start plus one per fault that ends the session); "
        f"resumes: {stats.resumes}; connections: {stats.connections}.",
        f"- Presence updates (op 3) received: {stats.presence_updates}; tightest span of "
        f"{PRESENCE_LIMIT + 1} consecutive updates: "
        + (f"{stats.tightest_six:.3f} s" if stats.tightest_six is not None else "n/a")
        + f" (must be > {PRESENCE_WINDOW:.0f} s).",
        f"- Log lines captured at DEBUG: {stats.log_lines:,}; the client's by level: "
        + (", ".join(f"{k} {v}" for k, v in sorted(stats.client_log_levels.items())) or "none")
        + ".",
        _memory_line(stats),
        "",
        "## Invariants (checked after every fault; the run stops at the first breach)",
        "",
        f"- Presence converges within {config.recovery_bound:.0f} s of virtual time "
        "(two heartbeat intervals to notice a half-open link, the 60 s backoff cap and a "
        "handshake, with room to spare): the simulator's `current_presence(token)` shows "
        "the wanted status and activity on a live, authenticated connection, and any "
        "connection the fault broke has been replaced.",
        "- IDENTIFYs per account <= faults that need a new session + one per client start.",
        "- Zero 4008 closes (other than the ones a fault sends on purpose).",
        f"- Never more than {PRESENCE_LIMIT} presence updates in any {PRESENCE_WINDOW:.0f} s, "
        "window edge included, from the simulator's records.",
        "- No unhandled exception: the loop's exception handler stays silent and run() "
        "never ends (except, with `--fatal`, after a fatal close: then it must end FAILED "
        "with the matching error, and a fresh client starts).",
        "- Nothing left running after close (`asyncio.all_tasks()`).",
        "- Memory flat: after the warm-up checkpoint (10% of the faults), traced memory grows "
        f"at most {TOTAL_GROWTH_PER_FAULT // 1024} KiB per fault plus "
        f"{TOTAL_GROWTH_SLACK // 1024 // 1024} MiB once (tracemalloc; the "
        "simulator's per-connection records take a few hundred bytes, a leaked connection "
        "several KiB), and at every checkpoint (each 1,000 faults) at most "
        f"{CLIENT_OBJECTS_PER_ACCOUNT} live objects of the client's types and "
        f"{WEBSOCKETS_PER_ACCOUNT} open client websockets per account (gc).",
        "- The token appears in no log line, captured at DEBUG from the root logger.",
        "- With several accounts: a fault on one bot leaves the others untouched.",
    ]
    if stats.breaches:
        lines += [
            "",
            "## Breaches recorded (--keep-going)",
            "",
            f"{len(stats.breaches)} breaches; IDENTIFYs beyond the minimum: "
            f"{stats.excess_identifies}. Each replays with the command shown (the run "
            "stops at its first breach without --keep-going).",
            "",
            "| invariant | fault | count | first at step | replay | first detail |",
            "|---|---|---:|---:|---|---|",
        ]
        groups: dict[tuple[str, str], list[NotedBreach]] = {}
        for noted in stats.breaches:
            kind = noted.fault.split(" on bot ")[0]
            groups.setdefault((noted.invariant, kind), []).append(noted)
        for (invariant, kind), group in sorted(groups.items(), key=lambda g: -len(g[1])):
            first = group[0]
            lines.append(
                f"| {invariant} | {kind} | {len(group)} | {first.step} | "
                f"`{config.replay(first.faults_applied)}` | {first.detail} |"
            )
        lines += ["", "Every breach:", ""]
        lines += [
            f"- step {b.step} (fault {b.faults_applied}, {b.fault}): {b.invariant}: {b.detail}"
            for b in stats.breaches
        ]
    if stats.skipped:
        lines += ["", "## Faults skipped in this run", ""]
        lines += [f"- {reason}" for reason in stats.skipped]
    if stats.breach is not None:
        lines += ["", "## First breach", "", "```", stats.breach, "```"]
    return "\n".join(lines) + "\n"


def _memory_line(stats: RunStats) -> str:
    if stats.memory_total_growth is None:
        return "- Memory: not measured (no checkpoint after the warm-up)."
    points = "; ".join(
        f"{faults} faults: {total / 1024 / 1024:.1f} MiB traced, {objects} client objects, "
        f"{sockets} open websockets"
        for faults, _, total, objects, sockets in stats.memory_checkpoints
    )
    return (
        f"- Memory (tracemalloc and gc): everything traced grew "
        f"{stats.memory_total_growth / 1024 / 1024:.1f} MiB after the warm-up checkpoint "
        f"(bound {(stats.memory_total_bound or 0) / 1024 / 1024:.1f} MiB; mostly the "
        "simulator's one record per connection, kept by design). tracemalloc charges "
        f"{(stats.memory_client_growth or 0) / 1024:.0f} KiB of that growth to the client's "
        "files, but no object of the client's grows in number (free-list reuse; see "
        f"soak/memory.py). Checkpoints: {points}."
    )
