"""Child processes of the demo (the simulator, Home Assistant) and waiting on them.

Free loopback ports, a child whose output goes to a log file, and a bounded
poll of anything outside this process. Knows nothing of Home Assistant.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import os
import signal
import socket
import time
from typing import IO, TYPE_CHECKING

from demo.errors import StackError

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable
    from pathlib import Path


def free_port() -> int:
    """A currently free TCP port on loopback."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def port_is_free(port: int) -> bool:
    """Whether ``port`` can be bound on loopback right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        # As the servers do: a port whose old connections linger in TIME_WAIT is usable.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def _die_with_parent() -> None:  # pragma: no cover - runs in the child before exec
    """Children get SIGTERM if the driver dies without cleaning up (Linux)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


async def deadline_loop(
    what: str, within: float, probe: Callable[[], Awaitable[bool]], interval: float = 0.25
) -> None:
    """Poll ``probe`` (an external process's state) until true or the deadline passes."""
    deadline = time.monotonic() + within
    while True:
        if await probe():
            return
        if time.monotonic() > deadline:
            raise StackError(f"timed out after {within:.0f} s waiting for {what}")
        await asyncio.sleep(interval)


class Child:
    """A child process whose output goes to a log file (and optionally a callback)."""

    def __init__(self, name: str, log_path: Path) -> None:
        """Name the child; nothing starts yet."""
        self.name = name
        self.log_path = log_path
        self.proc: asyncio.subprocess.Process | None = None
        self._relay: asyncio.Task[None] | None = None
        self._log: IO[bytes] | None = None

    async def start(
        self,
        args: list[str],
        *,
        cwd: Path,
        echo: Callable[[str], None] | None = None,
        ready_marker: str | None = None,
    ) -> asyncio.Event:
        """Start it; the returned event is set once a line contains ``ready_marker``."""
        ready = asyncio.Event()
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = self.log_path.open("ab")
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        piped = echo is not None or ready_marker is not None
        self.proc = await asyncio.create_subprocess_exec(
            *args,
            cwd=cwd,
            env=env,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE if piped else self._log,
            stderr=asyncio.subprocess.STDOUT,
            start_new_session=True,  # Ctrl-C reaches the driver, which stops children in order
            preexec_fn=_die_with_parent,
        )
        if piped:
            self._relay = asyncio.create_task(self._relay_lines(echo, ready_marker, ready))
        return ready

    async def _relay_lines(
        self, echo: Callable[[str], None] | None, marker: str | None, ready: asyncio.Event
    ) -> None:
        assert self.proc is not None
        assert self.proc.stdout is not None
        assert self._log is not None
        while line := await self.proc.stdout.readline():
            self._log.write(line)
            self._log.flush()
            text = line.decode(errors="replace").rstrip()
            if marker is not None and marker in text:
                ready.set()
            if echo is not None:
                echo(text)

    @property
    def running(self) -> bool:
        """Whether the process is still alive."""
        return self.proc is not None and self.proc.returncode is None

    async def stop(self, grace: float = 60) -> int | None:
        """SIGTERM, wait (bounded), then SIGKILL; returns the exit status."""
        proc = self.proc
        if proc is None:
            return None
        if proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                proc.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(proc.wait(), grace)
            except TimeoutError:
                with contextlib.suppress(ProcessLookupError):
                    proc.kill()
                await proc.wait()
        if self._relay is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._relay
            self._relay = None
        if self._log is not None:
            self._log.close()
            self._log = None
        return proc.returncode
