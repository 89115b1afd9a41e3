"""Runs benchmarks/ha_fifty.py (Home Assistant's test harness) and reads its figures."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any


def run_home_assistant(bots: int, lag_seconds: float) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "ha.json"
        env = {
            **os.environ,
            "BENCH_HA_OUT": str(out),
            "BENCH_BOTS": str(bots),
            "BENCH_LAG_SECONDS": str(lag_seconds),
        }
        cmd = [sys.executable, "-m", "pytest", "benchmarks/ha_fifty.py", "-q"]
        cmd += ["-p", "no:cacheprovider", "-o", "timeout=1800", "-x"]
        done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"Home Assistant benchmark failed:\n{done.stdout[-3000:]}")
        result: dict[str, Any] = json.loads(out.read_text())
        return result
