"""The client benchmarks: every library against one simulator, interleaved, checked.

The simulator runs in this process on real time; each library runs in its own
worker process (benchmarks/worker.py), so CPU time and RSS are that library's
alone. Rounds rotate the order of the libraries so they share the machine's
noise. Nothing is counted unless the simulator's records confirm it: a
connect counts once the simulator sent READY to that token, a presence call
once the simulator received that exact op 3.
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import statistics
import sys
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from benchmarks.peers import LIBRARIES
from simulator import Simulator

if TYPE_CHECKING:
    from simulator.records import ConnectionRecord

COMPRESSIONS = ("zstd-stream", "zlib-stream")
_ids = itertools.count(1)


class BenchError(Exception):
    """A library did not do what the benchmark timed (the run is void)."""


@dataclass
class Settings:
    rounds: int
    connects: int  # per worker run
    presence_connections: int
    idle_seconds: float
    fleet: int
    fleet_seconds: float
    burst_settle: float


QUICK = Settings(3, 4, 2, 8.0, 50, 5.0, 23.0)
FULL = Settings(6, 5, 2, 15.0, 50, 10.0, 23.0)


@dataclass
class Results:
    connect: dict[str, dict[str, list[float]]] = field(default_factory=dict)  # comp -> lib -> s
    rest_per_connect: dict[str, list[float]] = field(default_factory=dict)
    presence: dict[str, list[float]] = field(default_factory=dict)  # lib -> s
    burst: dict[str, dict[str, Any]] = field(default_factory=dict)
    cpu_per_heartbeat: dict[str, list[float]] = field(default_factory=dict)
    rss_per_connection: dict[str, list[float]] = field(default_factory=dict)
    lag: dict[str, list[float]] = field(default_factory=dict)


def new_tokens(sim: Simulator, count: int) -> list[str]:
    """Fresh accounts, with tokens shaped like Discord's (hikari parses the user id out)."""
    tokens = []
    for _ in range(count):
        user_id = str(10**17 + next(_ids))
        head = base64.b64encode(user_id.encode()).decode().rstrip("=")
        token = f"{head}.GBench.{user_id[-6:]}benchmark-secret"
        sim.add_account(token, user_id=user_id, username=f"bench{user_id[-6:]}")
        tokens.append(token)
    return tokens


async def run_worker(sim: Simulator, job: dict[str, Any]) -> dict[str, Any]:
    job = {"api_url": sim.api_url, "gateway_url": sim.gateway_url, **job}
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "benchmarks.worker",
        json.dumps(job),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await proc.communicate()
    if proc.returncode != 0:
        raise BenchError(f"{job['library']} {job['task']} failed:\n{err.decode()[-2000:]}")
    result: dict[str, Any] = json.loads(out)
    return result


def _records(sim: Simulator, token: str) -> list[ConnectionRecord]:
    return [c for c in sim.connections if c.token == token]


def _reached_ready(sim: Simulator, token: str) -> bool:
    return any(f.get("t") == "READY" for c in _records(sim, token) for f in c.sent)


def _order(round_no: int) -> list[str]:
    shift = round_no % len(LIBRARIES)
    return list(LIBRARIES[shift:] + LIBRARIES[:shift])


async def bench_connect(sim: Simulator, s: Settings, out: Results) -> None:
    for comp in COMPRESSIONS:
        per_lib = out.connect.setdefault(comp, {lib: [] for lib in LIBRARIES})
        for round_no in range(s.rounds):
            for lib in _order(round_no):
                tokens = new_tokens(sim, s.connects + 1)  # + the untimed warm-up
                rest_before = len(sim.rest_requests)
                job = {"library": lib, "task": "connect", "compression": comp, "tokens": tokens}
                result = await run_worker(sim, job)
                for token in tokens:
                    if not _reached_ready(sim, token):
                        raise BenchError(f"{lib}: the simulator never sent READY")
                    if _records(sim, token)[0].compression != comp:
                        raise BenchError(f"{lib}: connected without {comp}")
                for sample in result["connects"]:
                    per_lib[lib].append(sample["ready"] - sample["start"])
                rest = (len(sim.rest_requests) - rest_before) / len(tokens)
                out.rest_per_connect.setdefault(lib, []).append(rest)


def _presence_time(sim: Simulator, token: str, name: str) -> float:
    for conn in _records(sim, token):
        for t, d in conn.presences:
            activities = d.get("activities") or []
            if activities and activities[0].get("name") == name:
                return t
    raise BenchError(f"the simulator never received the op 3 for {name}")


async def bench_presence(sim: Simulator, s: Settings, out: Results) -> None:
    for round_no in range(s.rounds):
        for lib in _order(round_no):
            tokens = new_tokens(sim, s.presence_connections)
            job = {
                "library": lib,
                "task": "presence",
                "compression": "zstd-stream",
                "tokens": tokens,
                "per_connection": 3,  # 3 + the one after READY stays under 5 per 20 s
                "gap": 0.05,
            }
            result = await run_worker(sim, job)
            for call in result["calls"]:
                latency = _presence_time(sim, call["token"], call["name"]) - call["start"]
                out.presence.setdefault(lib, []).append(latency)


async def bench_burst(sim: Simulator, s: Settings, out: Results) -> None:
    """20 updates at once from each library: what shows at the end, and whether it was closed."""
    count = 20
    tokens = {lib: new_tokens(sim, 1)[0] for lib in LIBRARIES}
    jobs = [
        {
            "library": lib,
            "task": "burst",
            "compression": "zstd-stream",
            "tokens": [tokens[lib]],
            "count": count,
            "settle": s.burst_settle,
        }
        for lib in LIBRARIES
    ]
    results = await asyncio.gather(*(run_worker(sim, job) for job in jobs))
    for (lib, token), result in zip(tokens.items(), results, strict=True):
        conns = _records(sim, token)
        shown = sim.current_presence(token) or {}
        activities = shown.get("activities") or [{}]
        sent = sum(len(c.presences) for c in conns)
        out.burst[lib] = {
            "shows_latest": activities[0].get("name") == f"{token}-{count - 1}",
            "shows": str(activities[0].get("name", "")).rsplit("-", 1)[-1],
            "op3_received": sent,
            "closed_4008": any(c.close_code == 4008 for c in conns),
            "connections": len(conns),
            "calls_refused": len(result["refused"]),
        }


async def bench_idle(sim: Simulator, s: Settings, out: Results) -> None:
    for round_no in range(s.rounds):
        for lib in _order(round_no):
            (token,) = new_tokens(sim, 1)
            job = {
                "library": lib,
                "task": "idle",
                "compression": "zstd-stream",
                "tokens": [token],
                "seconds": s.idle_seconds,
            }
            result = await run_worker(sim, job)
            beats = sum(
                1
                for c in _records(sim, token)
                for t, _ in c.heartbeats
                if result["start"] <= t <= result["end"]
            )
            if beats < 3:
                raise BenchError(f"{lib}: only {beats} heartbeats while idle")
            out.cpu_per_heartbeat.setdefault(lib, []).append(result["cpu"] / beats)


async def bench_fleet(sim: Simulator, s: Settings, out: Results, rounds: int) -> None:
    for round_no in range(rounds):
        for lib in _order(round_no):
            tokens = new_tokens(sim, s.fleet + 1)
            job = {
                "library": lib,
                "task": "fleet",
                "compression": "zstd-stream",
                "tokens": tokens,
                "seconds": s.fleet_seconds,
            }
            result = await run_worker(sim, job)
            missing = [t for t in tokens if not _reached_ready(sim, t)]
            if missing:
                raise BenchError(f"{lib}: {len(missing)} of the fleet never got READY")
            out.rss_per_connection.setdefault(lib, []).append(result["rss_per_connection"])
            out.lag.setdefault(lib, []).extend(result["lags"])


async def run_clients(s: Settings, log: Any) -> Results:
    out = Results()
    async with Simulator() as sim:  # Discord's 41.25 s heartbeat
        log("connect -> READY (zstd, zlib)")
        await bench_connect(sim, s, out)
        log("presence call -> frame")
        await bench_presence(sim, s, out)
        log("presence burst")
        await bench_burst(sim, s, out)
    # 1 s: the shortest interval a client may accept (ours refuses less, as Discord never sends it).
    async with Simulator(heartbeat_interval_ms=1000) as sim:
        log("idle CPU per heartbeat (1 s heartbeat interval)")
        await bench_idle(sim, s, out)
    async with Simulator(heartbeat_interval_ms=1000) as sim:
        log(f"memory and loop lag at {s.fleet} connections (1 s heartbeat interval)")
        await bench_fleet(sim, s, out, rounds=max(1, s.rounds // 3))
    return out


def p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]


def median(values: list[float]) -> float:
    return statistics.median(values)
