"""Run the demo stack: the Discord simulator and a real Home Assistant, wired together.

The command line behind ``script/demo`` (``python -m demo``): options, the
banner, Ctrl-C and SIGTERM, and the exit status.

    python -m demo                 # interactive: prints the URL and the login; Ctrl-C stops
    python -m demo --check         # headless end-to-end check, exit status 0/1
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import time
import traceback
from pathlib import Path

from demo.check import run_check
from demo.errors import StackError
from demo.settings import ENTITY_KEYS, HA_PASSWORD, HA_USERNAME, REPO
from demo.stack import DemoStack, StackOptions


def _banner(stack: DemoStack) -> str:
    ent = stack.entities
    return "\n".join(
        [
            "",
            "=" * 72,
            "Discord Presence demo is running",
            f"  Dashboard:  {stack.dashboard_url}",
            f"  Login:      username {HA_USERNAME!r}  password {HA_PASSWORD!r}",
            f"  Simulator:  {stack.sim_url} (records: {stack.sim_url}/_sim/records)",
            f"  Entities:   {', '.join(ent[k] for k in ENTITY_KEYS)}",
            f"  HA log:     {stack.options.config_dir / 'home-assistant.log'}",
            "  Presence frames the simulator receives appear below. Ctrl-C stops.",
            "=" * 72,
        ]
    )


async def _run(args: argparse.Namespace) -> int:
    root = Path(args.dir)
    check = bool(args.check)

    def echo(line: str) -> None:
        print(f"simulator | {line}", flush=True)

    options = StackOptions(
        root=root,
        ha_port=args.ha_port,
        sim_port=args.sim_port,
        echo_simulator=None if check else echo,
    )
    stack = DemoStack(options)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)

    async def main_job() -> int:
        started = time.monotonic()
        await stack.start()
        if check:
            await run_check(stack)
            options.say(f"check passed in {time.monotonic() - started:.1f} s")
            return 0
        for line in stack.log_problems():
            options.say(f"warning: {line}")
        print(_banner(stack), flush=True)
        children = [
            asyncio.create_task(stack.hass.proc.wait()) if stack.hass.proc else None,
            asyncio.create_task(stack.simulator.proc.wait()) if stack.simulator.proc else None,
        ]
        waiters = [t for t in children if t is not None]
        await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
        for t in waiters:
            t.cancel()
        options.say("a child process exited unexpectedly")
        return 1

    job = asyncio.create_task(main_job())
    stopper = asyncio.create_task(stop.wait())
    try:
        await asyncio.wait({job, stopper}, return_when=asyncio.FIRST_COMPLETED)
        if job.done():
            return job.result()
        options.say("stopping (Ctrl-C)")
        job.cancel()
        with contextlib.suppress(asyncio.CancelledError, StackError):
            await job
        return 130
    except StackError as err:
        options.say(f"FAILED: {err}")
        return 1
    except Exception as err:
        options.say(f"FAILED: unexpected {type(err).__name__}: {err}")
        traceback.print_exc()
        return 1
    finally:
        stopper.cancel()
        await stack.stop()
        options.say("stopped")


def main(argv: list[str] | None = None) -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(prog="script/demo", description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="headless end-to-end check")
    parser.add_argument("--dir", help="state directory (default .demo, or .demo/check)")
    parser.add_argument("--ha-port", type=int, help="0 = any free port")
    parser.add_argument("--sim-port", type=int, help="0 = any free port")
    args = parser.parse_args(argv)
    if args.dir is None:
        args.dir = str(REPO / ".demo" / "check" if args.check else REPO / ".demo")
    args.dir = str(Path(args.dir).resolve())
    if args.ha_port is None:
        args.ha_port = 0 if args.check else 8123
    if args.sim_port is None:
        args.sim_port = 0 if args.check else 8765
    return asyncio.run(_run(args))
