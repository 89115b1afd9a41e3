"""``python -m simulator``: a real subprocess, and the same entry point in-process."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from simulator.__main__ import parse_args, serve

if TYPE_CHECKING:
    from simulator import Simulator

ROOT = Path(__file__).resolve().parents[2]


async def _line(stream: asyncio.StreamReader, startswith: str) -> str:
    """Read lines until one starts with ``startswith`` (bounded by real time)."""
    async with asyncio.timeout(20):
        while True:
            raw = await stream.readline()
            assert raw, f"stdout ended before {startswith!r}"
            line = raw.decode().strip()
            if line.startswith(startswith):
                return line


async def test_cli_serves_until_sigterm_and_logs_presences(http) -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "simulator",
        "--port",
        "0",
        "--token",
        "cli-token",
        "--heartbeat-interval",
        "60000",
        "--username",
        "cli-bot",
        cwd=ROOT,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    assert process.stdout is not None
    try:
        ready = await _line(process.stdout, "simulator ready: REST ")
        api_url = ready.removeprefix("simulator ready: REST ")
        headers = {"Authorization": "Bot cli-token"}
        async with http.get(f"{api_url}/users/@me", headers=headers) as response:
            assert response.status == 200
            assert (await response.json())["username"] == "cli-bot"
        async with http.get(f"{api_url}/gateway") as response:
            url = (await response.json())["url"]
        ws = await http.ws_connect(f"{url}/?v=10&encoding=json")
        assert (await ws.receive_json(timeout=10))["d"]["heartbeat_interval"] == 60000
        identify = {
            "token": "cli-token",
            "intents": 0,
            "properties": {"os": "linux", "browser": "t", "device": "t"},
        }
        await ws.send_str(json.dumps({"op": 2, "d": identify}))
        assert (await ws.receive_json(timeout=10))["t"] == "READY"
        await _line(process.stdout, "identify: connection 1 as cli-bot")
        presence = {
            "since": None,
            "activities": [{"name": "Movie night", "type": 0}],
            "status": "dnd",
            "afk": False,
        }
        await ws.send_str(json.dumps({"op": 3, "d": presence}))
        line = await _line(process.stdout, "presence <- ")
        assert line.startswith('presence <- status=dnd activities=[Playing "Movie night"]')
        await ws.close()
        process.send_signal(signal.SIGTERM)
        await _line(process.stdout, "simulator stopped")
        async with asyncio.timeout(20):
            assert await process.wait() == 0
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


async def test_serve_in_process(http, capsys) -> None:
    args = parse_args(["--port", "0", "--token", "t", "--legacy", "--user-id", "42"])
    assert args.legacy
    assert args.host == "127.0.0.1"
    stop = asyncio.Event()
    ready: asyncio.Future[Simulator] = asyncio.get_running_loop().create_future()
    task = asyncio.create_task(serve(args, stop, ready.set_result))
    async with asyncio.timeout(10):
        sim = await ready
    assert f"simulator ready: REST {sim.api_url}" in capsys.readouterr().out
    assert sim.api_url.endswith("/api")
    async with http.get(f"{sim.api_url}/users/@me", headers={"Authorization": "t"}) as response:
        assert (await response.json())["id"] == "42"
    stop.set()
    await task
    assert "simulator stopped" in capsys.readouterr().out
