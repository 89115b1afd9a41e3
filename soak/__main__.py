"""``python -m soak``: run one seeded campaign and optionally write the report."""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
from pathlib import Path

from soak.config import SoakConfig
from soak.harness import run_soak
from soak.report import markdown


def parse(argv: list[str]) -> SoakConfig:
    parser = argparse.ArgumentParser(prog="script/soak", description=__doc__)
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--faults", type=int, default=1000)
    parser.add_argument("--legacy", action="store_true", help="the 2016 gateway dialect")
    parser.add_argument(
        "--compression", choices=("zstd-stream", "zlib-stream", "none"), default="zstd-stream"
    )
    parser.add_argument("--accounts", type=int, default=1)
    parser.add_argument("--fatal", action="store_true", help="include fatal close codes")
    parser.add_argument("--report", type=Path, help="write the Markdown report here")
    parser.add_argument(
        "--only",
        action="append",
        default=[],
        metavar="KIND",
        help="draw only this fault kind (repeatable; the report's kind names)",
    )
    parser.add_argument(
        "--keep-going",
        action="store_true",
        help="record breaches of the counting invariants and finish the run",
    )
    parser.add_argument("--no-memory", action="store_true", help="skip tracemalloc (faster)")
    args = parser.parse_args(argv)
    if args.faults < 1 or args.accounts < 1:
        parser.error("--faults and --accounts must be at least 1")
    return SoakConfig(
        seed=args.seed,
        faults=args.faults,
        legacy=args.legacy,
        compression=args.compression,
        accounts=args.accounts,
        fatal=args.fatal,
        report=args.report,
        memory=not args.no_memory,
        only=tuple(args.only),
        keep_going=args.keep_going,
    )


def code_version() -> str | None:
    """The commit the run measured, and whether the code differed from it.

    SOAK_CODE_VERSION names it instead when the run uses an exported copy of a
    commit (while the working tree is busy with other changes).
    """
    if named := os.environ.get("SOAK_CODE_VERSION"):
        return named
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "custom_components", "simulator", "soak"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None
    return head + (" with uncommitted changes" if dirty else "")


def main(argv: list[str] | None = None) -> int:
    config = parse(sys.argv[1:] if argv is None else argv)
    stats = asyncio.run(run_soak(config))
    text = markdown(config, stats, version=code_version())
    if config.report is not None:
        config.report.write_text(text, encoding="utf-8")
        print(f"soak: report written to {config.report}", file=sys.stderr)
    else:
        print(text)
    print(
        f"soak: {stats.faults_applied} faults, {stats.virtual_seconds:,.0f} s virtual in "
        f"{stats.real_seconds:.1f} s real: "
        + ("passed" if stats.breach is None and not stats.breaches else "FAILED"),
        file=sys.stderr,
    )
    return 0 if stats.breach is None and not stats.breaches else 1


if __name__ == "__main__":
    sys.exit(main())
