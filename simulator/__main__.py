"""Run the simulator standalone: ``python -m simulator --token TOKEN``.

Logs every connection, identify, resume and presence frame on stdout, one
line each, and prints the REST base URL once it listens. Runs until Ctrl-C or
SIGTERM.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import sys
from typing import TYPE_CHECKING

from simulator.server import Simulator

if TYPE_CHECKING:
    from collections.abc import Callable


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m simulator", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765, help="0 picks a free port")
    parser.add_argument("--token", required=True, help="the bot token clients must present")
    parser.add_argument("--legacy", action="store_true", help="serve the 2016 API as api_url")
    parser.add_argument("--heartbeat-interval", type=int, default=41250, metavar="MS")
    parser.add_argument("--user-id", default="1000000000000000001")
    parser.add_argument("--username", default="presence-bot")
    return parser.parse_args(argv)


async def serve(
    args: argparse.Namespace,
    stop: asyncio.Event,
    on_ready: Callable[[Simulator], None] | None = None,
) -> None:
    """Run a simulator configured by ``args`` until ``stop`` is set."""
    simulator = Simulator(
        host=args.host,
        port=args.port,
        legacy=args.legacy,
        heartbeat_interval_ms=args.heartbeat_interval,
    )
    simulator.add_account(args.token, user_id=args.user_id, username=args.username)
    async with simulator:
        print(f"simulator ready: REST {simulator.api_url}", flush=True)
        if on_ready is not None:
            on_ready(simulator)
        await stop.wait()
    print("simulator stopped", flush=True)


async def _main(args: argparse.Namespace) -> None:  # pragma: no cover - run as a subprocess
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    await serve(args, stop)


def main(argv: list[str] | None = None) -> None:  # pragma: no cover - run as a subprocess
    args = parse_args(argv)
    logging.basicConfig(stream=sys.stdout, level=logging.INFO, format="%(message)s")
    logging.getLogger("aiohttp").setLevel(logging.WARNING)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_main(args))


if __name__ == "__main__":  # pragma: no cover - exercised as a subprocess
    main()
