"""script/bench: our client against discord.py, hikari and a bare floor, and inside HA.

python -m benchmarks [--quick] [--doc docs/benchmarks.md]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path

from benchmarks.clients import FULL, QUICK, run_clients
from benchmarks.home_assistant import run_home_assistant
from benchmarks.report import write_report


def _log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds (a few minutes)")
    parser.add_argument("--doc", type=Path, default=Path("docs/benchmarks.md"))
    parser.add_argument("--chart", type=Path, default=Path("docs/images/benchmarks.png"))
    args = parser.parse_args()
    settings = QUICK if args.quick else FULL
    results = asyncio.run(run_clients(settings, _log))
    _log("Home Assistant: 50 bots")
    ha = run_home_assistant(bots=50, lag_seconds=settings.fleet_seconds)
    command = "script/bench --quick" if args.quick else "script/bench"
    rows = write_report(
        results,
        ha,
        mode="quick" if args.quick else "full",
        command=command,
        doc=args.doc,
        chart=args.chart,
    )
    for row in rows:
        ratios = "  ".join(f"/{p} {row.ratio(p):.2f}x" for p in ("discord.py", "hikari", "floor"))
        _log(f"{row.name}: ours {row.values['ours']:.3g} {row.unit}  {ratios}")
    _log(f"wrote {args.doc} and {args.chart}")


if __name__ == "__main__":
    main()
