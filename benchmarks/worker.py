"""One library, one task, one process: what the parent times and checks.

    python -m benchmarks.worker '{"library": "ours", "task": "connect", ...}'

Prints one JSON object. Times are time.monotonic(), the clock the parent's
simulator stamps its records with (asyncio's loop.time() reads the same
system-wide monotonic clock), so the parent pairs every call here with the
frame the simulator received.
"""

from __future__ import annotations

import asyncio
import gc
import json
import sys
import time
from typing import TYPE_CHECKING, Any

import aiohttp

from benchmarks.peers import factory

if TYPE_CHECKING:
    from collections.abc import Callable

    from benchmarks.peers import Peer


def rss_bytes() -> int:
    """Resident set size, from /proc (Linux)."""
    with open("/proc/self/statm") as statm:
        pages = int(statm.read().split()[1])
    import resource  # noqa: PLC0415

    return pages * resource.getpagesize()


async def _connect(make: Callable[[], Peer], job: dict[str, Any]) -> dict[str, Any]:
    # The first connect of a process pays for lazy imports and warm caches: not timed.
    warm = make()
    await warm.connect(job["tokens"][0], job["compression"])
    await warm.close()
    samples = []
    for token in job["tokens"][1:]:
        peer = make()
        start = time.monotonic()
        await peer.connect(token, job["compression"])
        samples.append({"token": token, "start": start, "ready": time.monotonic()})
        await peer.close()
    return {"connects": samples}


async def _presence(make: Callable[[], Peer], job: dict[str, Any]) -> dict[str, Any]:
    calls = []
    for token in job["tokens"]:
        peer = make()
        await peer.connect(token, job["compression"])
        await asyncio.sleep(0.2)  # let the post-READY presence go out first
        for i in range(job["per_connection"]):
            name = f"{token}-{i}"
            start = time.monotonic()
            await peer.set_presence("dnd", name)
            calls.append({"token": token, "name": name, "start": start})
            await asyncio.sleep(job["gap"])
        await peer.close()
    return {"calls": calls}


async def _burst(make: Callable[[], Peer], job: dict[str, Any]) -> dict[str, Any]:
    (token,) = job["tokens"]
    peer = make()
    await peer.connect(token, job["compression"])
    await asyncio.sleep(0.2)
    names = [f"{token}-{i}" for i in range(job["count"])]
    refused = []
    for name in names:
        try:
            await peer.set_presence("dnd", name)
        except Exception as err:
            refused.append(type(err).__name__)
    # Long enough for a limiter that holds the tail (5 per 20 s) to send it.
    await asyncio.sleep(job["settle"])
    await peer.close()
    return {"last": names[-1], "refused": refused}


async def _idle(make: Callable[[], Peer], job: dict[str, Any]) -> dict[str, Any]:
    (token,) = job["tokens"]
    peer = make()
    await peer.connect(token, job["compression"])
    await asyncio.sleep(0.5)
    start, cpu = time.monotonic(), time.process_time()
    await asyncio.sleep(job["seconds"])
    end, cpu_end = time.monotonic(), time.process_time()
    await peer.close()
    return {"start": start, "end": end, "cpu": cpu_end - cpu}


async def _fleet(make: Callable[[], Peer], job: dict[str, Any]) -> dict[str, Any]:
    tokens = job["tokens"]
    warm = make()  # the first connection pays for imports and shared sessions
    await warm.connect(tokens[0], job["compression"])
    gc.collect()
    before = rss_bytes()
    peers = []
    for token in tokens[1:]:
        peer = make()
        await peer.connect(token, job["compression"])
        peers.append(peer)
    await asyncio.sleep(1.0)
    gc.collect()
    after = rss_bytes()
    lags = await _loop_lag(job["seconds"])
    for peer in [warm, *peers]:
        await peer.close()
    return {"rss_per_connection": (after - before) / len(peers), "lags": lags}


async def _loop_lag(seconds: float, tick: float = 0.01) -> list[float]:
    """How late a 10 ms timer fires, sampled for `seconds` (the loop's responsiveness)."""
    lags = []
    end = time.monotonic() + seconds
    while (now := time.monotonic()) < end:
        await asyncio.sleep(tick)
        lags.append(max(0.0, time.monotonic() - now - tick))
    return lags


TASKS = {
    "connect": _connect,
    "presence": _presence,
    "burst": _burst,
    "idle": _idle,
    "fleet": _fleet,
}


async def main(job: dict[str, Any]) -> dict[str, Any]:
    async with aiohttp.ClientSession() as session:
        make = factory(
            job["library"], job["api_url"], job["gateway_url"], job["compression"], session
        )
        async with asyncio.timeout(job.get("timeout", 300)):
            return await TASKS[job["task"]](make, job)


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main(json.loads(sys.argv[1])))))
