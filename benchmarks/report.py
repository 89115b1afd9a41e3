"""docs/benchmarks.md and its chart, from one run's results."""

from __future__ import annotations

import math
import os
import platform
import subprocess
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from benchmarks.clients import median, p99

if TYPE_CHECKING:
    from collections.abc import Callable

    from benchmarks.clients import Results

PEERS = ("discord.py", "hikari", "floor")


@dataclass
class Row:
    """One metric: a value per library (lower is better), its unit, and the issue's goal."""

    name: str
    unit: str
    values: dict[str, float]
    goal: str = ""
    met: bool | None = None

    def ratio(self, peer: str) -> float:
        return self.values["ours"] / self.values[peer] if self.values.get(peer) else float("nan")


def _rows(r: Results) -> list[Row]:
    def per_lib(
        source: dict[str, list[float]], reduce: Callable[[list[float]], float], scale: float
    ) -> dict[str, float]:
        return {lib: reduce(values) * scale for lib, values in source.items() if values}

    rows = []
    for comp in ("zstd-stream", "zlib-stream"):
        rows.append(
            Row(f"connect -> READY, {comp} (median)", "ms", per_lib(r.connect[comp], median, 1e3))
        )
    rows[0].goal = "<= 0.65x discord.py, <= 1.1x floor"
    rows[0].met = rows[0].ratio("discord.py") <= 0.65 and rows[0].ratio("floor") <= 1.1
    rows.append(Row("REST calls per connect", "calls", per_lib(r.rest_per_connect, median, 1), "1"))
    rows[-1].met = rows[-1].values["ours"] <= 1.0
    rows.append(Row("presence call -> frame (median)", "ms", per_lib(r.presence, median, 1e3)))
    presence = Row("presence call -> frame (p99)", "ms", per_lib(r.presence, p99, 1e3))
    presence.goal = "<= 1.0x discord.py"
    presence.met = presence.ratio("discord.py") <= 1.0
    rows.append(presence)
    cpu = Row("idle CPU per heartbeat (median)", "us", per_lib(r.cpu_per_heartbeat, median, 1e6))
    cpu.goal = "<= 1.0x floor"
    cpu.met = cpu.ratio("floor") <= 1.0
    rows.append(cpu)
    memory = Row(
        "RSS per connection (median)", "KiB", per_lib(r.rss_per_connection, median, 1 / 1024)
    )
    memory.goal = "<= 0.25x discord.py"
    memory.met = memory.ratio("discord.py") <= 0.25
    rows.append(memory)
    rows.append(Row("loop lag p99 at 50 connections", "ms", per_lib(r.lag, p99, 1e3)))
    return rows


def _fmt(value: float) -> str:
    if math.isnan(value):
        return "-"
    return f"{value:.3g}" if value < 100 else f"{value:.0f}"


def _machine() -> list[str]:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    commit = subprocess.run(
        ["git", "describe", "--always", "--dirty"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    versions = ", ".join(
        f"{name} {metadata.version(name)}"
        for name in ("discord.py", "hikari", "aiohttp", "homeassistant")
    )
    return [
        f"- CPU: {model or platform.processor()} ({os.cpu_count()} cores, shared with other work)",
        f"- {platform.system()} {platform.release()}, Python {platform.python_version()}",
        f"- {versions}",
        f"- code: `{commit}`",
    ]


def write_report(
    r: Results, ha: dict[str, Any], *, mode: str, command: str, doc: Path, chart: Path
) -> list[Row]:
    rows = _rows(r)
    _chart(rows, chart)
    lines = [
        "# Benchmarks",
        "",
        "Written by `script/bench` from one run; do not edit by hand. Every library runs",
        "against the same simulator on loopback in the same run, interleaved, one library per",
        "process; read the ratios (`ours / peer`, lower is better), not the absolute times,",
        "which depend on the machine. Each connect counted only once the simulator sent READY",
        "to that token, each presence time only once the simulator received that exact op 3.",
        "",
        f"Mode: **{mode}**. Reproduce with `{command}`.",
        "",
        "## Machine",
        "",
        *_machine(),
        "",
        "## Client, side by side",
        "",
        "| metric | ours | discord.py | hikari | floor "
        "| / discord.py | / hikari | / floor | goal | met |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        values = " | ".join(_fmt(row.values.get(lib, float("nan"))) for lib in ("ours", *PEERS))
        ratios = " | ".join(f"{_fmt(row.ratio(p))}x" for p in PEERS)
        met = "" if row.met is None else ("yes" if row.met else "**no**")
        lines.append(f"| {row.name} ({row.unit}) | {values} | {ratios} | {row.goal} | {met} |")
    lines += [
        "",
        f"![ratios to each peer]({os.path.relpath(chart, doc.parent)})",
        "",
        "## A presence burst",
        "",
        "Twenty presence updates in a row, then 23 s of quiet. Discord allows 5 per 20 s and",
        "closes the connection with 4008 beyond that.",
        "",
        "| library | op 3 frames the server received | shows the latest at the end "
        "| closed 4008 | calls that raised |",
        "|---|---|---|---|---|",
    ]
    for lib, b in r.burst.items():
        lines.append(
            f"| {lib} | {b['op3_received']} "
            f"| {'yes' if b['shows_latest'] else 'no (#' + b['shows'] + ')'} "
            f"| {'**yes**' if b['closed_4008'] else 'no'} | {b['calls_refused']} |"
        )
    lines += _ha_section(ha)
    lines += [
        "",
        "## How it measures",
        "",
        "- connect -> READY: from the call that starts the library to the moment it reports",
        "  READY (discord.py: `login()` + `connect()` until `wait_until_ready()`; hikari:",
        "  `GatewayBot.start()`; ours: `run()` until `wait_until_ready()`; floor: bare aiohttp,",
        "  one GET /gateway/bot, the upgrade, HELLO, IDENTIFY, READY).",
        "- presence: the time the library's call started to the simulator's receive stamp of",
        "  that op 3 (one monotonic clock for both processes), 3 updates per connection.",
        "- idle CPU: process CPU time (all threads) while connected and idle, divided by the",
        "  heartbeats the simulator received in that window (1 s heartbeat interval).",
        "- memory: RSS growth from the 2nd to the 51st connection in one process, after gc.",
        "- loop lag: how late a 10 ms timer fires while 50 connections heartbeat every second.",
        "- hikari 2.7 sends presence as the pre-v8 `game` field, which the simulator's strict",
        "  v10 check refuses (4002); the benchmark renames it to `activities`.",
        "- Home Assistant: pytest-homeassistant-custom-component's `hass`, the integration set",
        "  up through `async_setup_component` as at start; the idle hour on virtual time.",
    ]
    doc.write_text("\n".join(lines) + "\n")
    return rows


def _ha_section(ha: dict[str, Any]) -> list[str]:
    real = ha["real_time"]
    shipped = ha["idle_hour_shipped"]
    before = ha["idle_hour_push_every_change"]
    bots = real["bots"]
    return [
        "",
        f"## {bots} bots in one Home Assistant",
        "",
        "| figure | value | goal |",
        "|---|---|---|",
        f"| setup time of all {bots} entries (added to Home Assistant's start) "
        f"| {real['setup_seconds']:.2f} s | |",
        f"| event-loop lag p99 while they heartbeat (1 s interval) "
        f"| {real['lag_p99'] * 1e3:.2f} ms "
        f"| < 5 ms ({'met' if real['lag_p99'] < 0.005 else '**not met**'}) |",
        f"| RSS per entry | {real['rss_per_entry'] / 1024:.0f} KiB | |",
        f"| state_changed events per idle hour, all {bots} bots "
        f"({shipped['heartbeats']} heartbeats) "
        f"| {shipped['state_changed']} | 0 |",
        f"| entity writes (`async_write_ha_state`) per idle hour, all {bots} bots "
        f"| {shipped['write_calls']} | 0 |",
        f"| the same with every client notification pushed (the coordinator before issue 9) "
        f"| {before['write_calls']} writes, {before['state_changed']} state_changed | |",
    ]


def _chart(rows: list[Row], path: Path) -> None:
    import matplotlib as mpl  # noqa: PLC0415

    mpl.use("Agg")
    import matplotlib.pyplot as plt  # noqa: PLC0415

    rows = [row for row in rows if row.unit != "calls"]
    fig, ax = plt.subplots(figsize=(9, 0.55 * len(rows) * len(PEERS) / 2 + 1.5))
    height = 0.8 / len(PEERS)
    for i, peer in enumerate(PEERS):
        ys = [n + i * height for n in range(len(rows))]
        ax.barh(ys, [row.ratio(peer) for row in rows], height=height, label=f"ours / {peer}")
    ax.axvline(1.0, color="black", linewidth=0.8)
    ax.set_yticks([n + height for n in range(len(rows))], [row.name for row in rows], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel("ratio (lower is better; 1.0 = same as the peer)")
    ax.set_xscale("log")
    ax.legend(fontsize=8)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
