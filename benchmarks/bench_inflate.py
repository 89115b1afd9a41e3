"""Inbound decode cost: our inflaters against discord.py's, in the same run.

The gateway client decodes every frame on Home Assistant's shared event loop,
so the per-message cost of inflating is what a user pays. This measures it on
a realistic stream (dispatches of mixed sizes, compressed the way Discord's
server does: one context per connection, flushed per message) and reports the
ratio to discord.py 2.7's zstd context measured alongside, plus the peak
memory each context holds. Machines here are shared and noisy: read the
ratios, not the absolute times.

    .venv/bin/python benchmarks/bench_inflate.py [--messages N] [--repeats R]
"""

from __future__ import annotations

import argparse
import importlib
import json
import random
import statistics
import time
import tracemalloc
import zlib
from typing import TYPE_CHECKING, Any

from discord.utils import _ActiveDecompressionContext as DiscordPyContext  # the peer

from custom_components.discord_presence.gateway import Compression, make_inflater

# Python 3.14's compression.zstd, looked up at run time: mypy checks against 3.13.
zstd: Any = importlib.import_module("compression.zstd")

if TYPE_CHECKING:
    from collections.abc import Callable


def _messages(count: int, rng: random.Random) -> list[bytes]:
    out = []
    for seq in range(1, count + 1):
        members = [
            {"user": {"id": str(rng.getrandbits(60)), "username": f"user{rng.randrange(10**6)}"}}
            for _ in range(rng.choice((1, 2, 5, 40)))
        ]
        frame = {"op": 0, "s": seq, "t": "GUILD_MEMBERS_CHUNK", "d": {"members": members}}
        out.append(json.dumps(frame).encode())
    return out


def _zlib_stream(messages: list[bytes]) -> list[bytes]:
    ctx = zlib.compressobj()
    return [ctx.compress(m) + ctx.flush(zlib.Z_SYNC_FLUSH) for m in messages]


def _zstd_stream(messages: list[bytes]) -> list[bytes]:
    ctx = zstd.ZstdCompressor()
    return [ctx.compress(m, zstd.ZstdCompressor.FLUSH_BLOCK) for m in messages]


def _time(feed_factory: Callable[[], Callable[[bytes], object]], frames: list[bytes]) -> float:
    feed = feed_factory()
    start = time.perf_counter()
    for frame in frames:
        feed(frame)
    return time.perf_counter() - start


def _peak_bytes(feed_factory: Callable[[], Callable[[bytes], object]], frames: list[bytes]) -> int:
    tracemalloc.start()
    feed = feed_factory()
    for frame in frames:
        feed(frame)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=5000)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()

    messages = _messages(args.messages, random.Random(7))
    zstd_frames = _zstd_stream(messages)
    zlib_frames = _zlib_stream(messages)
    candidates: dict[str, tuple[Callable[[], Callable[[bytes], object]], list[bytes]]] = {
        "discord.py zstd-stream (peer)": (lambda: DiscordPyContext().decompress, zstd_frames),
        "ours zstd-stream": (lambda: make_inflater(Compression.ZSTD_STREAM).feed, zstd_frames),
        "ours zlib-stream": (lambda: make_inflater(Compression.ZLIB_STREAM).feed, zlib_frames),
    }
    # Correctness first: every candidate must decode the same text.
    for name, (factory, frames) in candidates.items():
        feed = factory()
        decoded = [feed(f) for f in frames]
        if decoded != [m.decode() for m in messages]:
            raise SystemExit(f"{name} decoded something else")

    results: dict[str, tuple[float, int]] = {}
    for name, (factory, frames) in candidates.items():
        runs = [_time(factory, frames) for _ in range(args.repeats)]
        results[name] = (statistics.median(runs), _peak_bytes(factory, frames))
    peer_time, peer_peak = results["discord.py zstd-stream (peer)"]
    total = sum(len(m) for m in messages)
    print(f"{len(messages)} messages, {total / 1e6:.1f} MB of JSON, median of {args.repeats}")
    for name, (seconds, peak) in results.items():
        print(
            f"  {name:32s} {seconds * 1e6 / len(messages):7.2f} us/msg  "
            f"x{seconds / peer_time:5.2f} time vs peer  "
            f"peak {peak / 1024:8.1f} KiB (x{peak / peer_peak:4.2f})"
        )


if __name__ == "__main__":
    main()
