"""The runner that supervises connections (issue 7 §2, §3, §5, §6, §9).

Op 9 false backs off; the session and its resume URL survive failed
attempts; a token the REST API rejects ends the run; unexpected errors recycle
the connection instead of killing the runner; routine trouble stays below
WARNING. All on virtual time against the simulator over loopback.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

import aiohttp
import pytest

from custom_components.discord_presence.gateway import (
    BACKOFF_CAP,
    IDENTIFY_SPACING,
    INVALID_SESSION_MAX,
    RESUME_RETRY_CAP,
    RESUME_WINDOW,
    STABLE_AFTER,
    AuthenticationFailed,
    ClientCrashed,
    ConnectionState,
    GatewayUser,
)
from simulator import Simulator
from tests.gateway.conftest import INTERVAL_MS, TOKEN, Harness

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from yarl import URL

    from tests.clock import ManualClock

CLIENT_LOGGER = "custom_components.discord_presence.gateway"
HOUR = 3600.0


class TracedHttp:
    """An aiohttp session that notes the URL of every request it starts."""

    def __init__(self) -> None:
        self.urls: list[URL] = []
        trace = aiohttp.TraceConfig()
        trace.on_request_start.append(self._on_start)
        self.session = aiohttp.ClientSession(trace_configs=[trace])

    async def _on_start(self, _s: Any, _ctx: Any, params: aiohttp.TraceRequestStartParams) -> None:
        self.urls.append(params.url)

    def websockets(self) -> list[URL]:
        return [u for u in self.urls if u.scheme in ("ws", "wss")]


@pytest.fixture
async def traced() -> AsyncIterator[TracedHttp]:
    http = TracedHttp()
    yield http
    await http.session.close()


@pytest.fixture
async def spacebar(clock: ManualClock) -> AsyncIterator[Simulator]:
    """A server that behaves like Spacebar towards bad tokens."""
    sim = Simulator(
        clock=clock,
        heartbeat_interval_ms=INTERVAL_MS,
        bad_token_close_code=4000,
        gateway_bot_any_token=True,
    )
    sim.add_account(TOKEN, user_id="42", username="presence-bot")
    async with sim:
        yield sim


def _is(h: Harness, state: ConnectionState) -> bool:
    return h.c.snapshot().state is state


def _client_records(caplog: pytest.LogCaptureFixture, level: int) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name.startswith(CLIENT_LOGGER) and r.levelno >= level]


async def _advance_until_done(h: Harness) -> None:
    """Let every runner sleep run out until run() ends."""
    task = h.task
    assert task is not None
    async with asyncio.timeout(10):
        while not task.done():
            h.spy._changed.clear()
            if h.spy.runner_deadline() is not None:
                await h.advance_runner()
                continue
            changed = asyncio.ensure_future(h.spy._changed.wait())
            await asyncio.wait([task, changed], return_when=asyncio.FIRST_COMPLETED)
            changed.cancel()


def _me_requests(sim: Simulator) -> list[int | None]:
    return [r.status for r in sim.rest_requests if r.path == "/users/@me"]


# --------------------------------------------------------- §2 op 9 false backs off


async def test_invalidating_server_gets_few_identifies_per_hour(
    h: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    """Measured: 86 IDENTIFYs in the virtual hour (a 5 s loop would be ~700)."""
    h.start()
    invalidated: set[int] = set()
    async with asyncio.timeout(60):
        while h.clock.monotonic() < HOUR:
            h.spy._changed.clear()
            newest = h.sim.connections[-1] if h.sim.connections else None
            if (
                newest is not None
                and newest.id not in invalidated
                and _is(h, ConnectionState.CONNECTED)
            ):
                invalidated.add(newest.id)
                await h.sim.invalid_session(False, connection=newest)
            elif (deadline := h.spy.runner_deadline()) is not None:
                await h.clock.advance(deadline - h.clock.monotonic())
            else:
                await h.spy._changed.wait()
    identifies = sum(len(c.identifies) for c in h.sim.connections)
    print(f"IDENTIFYs in one virtual hour of op 9 false: {identifies}")
    assert 40 <= identifies <= 120
    delays = h.spy.runner_sleeps()
    assert max(delays) <= BACKOFF_CAP
    # Once grown, the spacing stays near the cap: no near-zero draws.
    assert min(delays[-20:]) >= BACKOFF_CAP / 2
    assert not _client_records(caplog, logging.WARNING)

    # A connection live for less than STABLE_AFTER does not reset the backoff.
    await h.until_connected_advancing()
    await h.clock.advance(STABLE_AFTER / 2)
    await h.sim.invalid_session(False)
    assert await h.spy.wait_runner_sleeping() >= BACKOFF_CAP / 2
    await h.until_connected_advancing()
    # One that stayed up STABLE_AFTER does: back to Discord's 1-5 s.
    await h.clock.advance(STABLE_AFTER + 1)
    assert _is(h, ConnectionState.CONNECTED)
    await h.sim.invalid_session(False)
    assert await h.spy.wait_runner_sleeping() <= INVALID_SESSION_MAX


# -------------------------------------------------- §3 the resume URL is kept


@pytest.mark.parametrize("fault", ["upgrade_503", "refused"])
async def test_failed_attempts_keep_the_session_and_resume_url(
    sim: Simulator,
    clock: ManualClock,
    traced: TracedHttp,
    fault: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, logger=CLIENT_LOGGER)
    # A resume URL distinct from the gateway URL (same server, other route).
    sim.ready_extra = {"resume_gateway_url": sim.gateway_url + "/"}
    h = Harness(sim, clock, traced.session)
    fails = 4
    try:
        h.start()
        await h.ready()
        session_id = sim.connections[0].session_id
        # Earlier trouble has grown the backoff to its cap (soak finding, seed
        # 3): resume retries must still come soon enough to beat the expiry.
        h.c._supervisor.backoff.failures = 10
        lost_at = clock.monotonic()
        if fault == "upgrade_503":
            sim.refuse_gateway(503, count=fails)
            await sim.drop()
        else:
            await sim.stop()  # connection refused until it listens again
        for _ in range(fails):
            await h.advance_runner()
        if fault == "refused":
            await h.spy.wait_runner_sleeping()
            await sim.start()
        await h.reconnected(2)

        resumed = sim.connections[1]
        assert resumed.resumes
        assert resumed.resumes[0]["session_id"] == session_id
        assert not resumed.identifies
        assert h.c.snapshot().stats.identifies == 1
        assert clock.monotonic() - lost_at < sim.hub.sessions.ttl
        assert all(d <= RESUME_RETRY_CAP for d in h.spy.runner_sleeps())
        paths = [u.path for u in traced.websockets()]
        # First the gateway, then only ever the resume URL.
        assert paths == ["/gateway"] + ["/gateway/"] * (fails + 1)
        if fault == "upgrade_503":
            assert [u.status for u in sim.rejected_upgrades] == [503] * fails
            # Three handshakes ended before READY: REST vouched for the token.
            assert _me_requests(sim) == [200]
        # The first URL came with /gateway/bot (issue 9); resumes need no REST call.
        assert sim.gateway_requests == 0
        assert sim.gateway_bot_requests == 1
        # Per-attempt failures are DEBUG, never WARNING.
        assert not _client_records(caplog, logging.WARNING)
        failures = [r for r in caplog.records if "attempt failed" in r.getMessage()]
        assert len(failures) == fails
        assert {r.levelno for r in failures} == {logging.DEBUG}
    finally:
        await h.stop()


async def test_resume_url_that_keeps_failing_falls_back_to_identify(
    sim: Simulator, clock: ManualClock, traced: TracedHttp
) -> None:
    dead = "ws://127.0.0.1:1/gateway"
    sim.ready_extra = {"resume_gateway_url": dead}
    h = Harness(sim, clock, traced.session)
    try:
        h.start()
        await h.ready()
        lost_at = clock.monotonic()
        await sim.drop()
        await h.reconnected(2)
        assert sim.connections[1].identifies
        assert not sim.connections[1].resumes
        hosts = [(u.host, u.port) for u in traced.websockets()]
        # Resumes at the dead URL for RESUME_WINDOW, retried at least every
        # RESUME_RETRY_CAP, then a new session at the URL a fresh GET
        # /gateway/bot names (issue 9: no GET /gateway where /gateway/bot serves).
        dead_tries = len(hosts) - 2
        assert hosts[1:] == [("127.0.0.1", 1)] * dead_tries + [("127.0.0.1", sim.port)]
        assert dead_tries >= RESUME_WINDOW / RESUME_RETRY_CAP
        waited = clock.monotonic() - lost_at
        assert RESUME_WINDOW <= waited <= RESUME_WINDOW + RESUME_RETRY_CAP + IDENTIFY_SPACING + 1
        assert sim.gateway_requests == 0
        assert sim.gateway_bot_requests == 2
        assert h.c.snapshot().stats.identifies == 2
    finally:
        await h.stop()


async def test_op9_false_forgets_the_session(h: Harness) -> None:
    h.start()
    await h.ready()
    await h.sim.invalid_session(False)
    await h.reconnected(2)
    assert h.sim.connections[1].identifies
    assert h.sim.connections[1].session_id != h.sim.connections[0].session_id


# -------------------------------------------- §5 the REST API judges the token


async def test_spacebar_bad_token_ends_as_auth_failure(
    spacebar: Simulator,
    clock: ManualClock,
    http: aiohttp.ClientSession,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    h = Harness(spacebar, clock, http)
    bad = "Bad.T0ken.not-registered"
    try:
        h.start(token=bad)
        await _advance_until_done(h)
        assert h.task is not None
        with pytest.raises(AuthenticationFailed):
            await h.task
        # Three handshakes closed with 4000, then one REST check said 401.
        assert [c.close_code for c in spacebar.connections] == [4000, 4000, 4000]
        assert _me_requests(spacebar) == [401]
        snap = h.c.snapshot()
        assert snap.state is ConnectionState.FAILED
        assert isinstance(snap.failure, AuthenticationFailed)
        # The integration logs the one ERROR; the client says it at DEBUG.
        assert not _client_records(caplog, logging.WARNING)
        assert bad not in caplog.text
    finally:
        await h.stop()


async def test_token_revoked_at_runtime_ends_as_auth_failure(
    spacebar: Simulator, clock: ManualClock, http: aiohttp.ClientSession
) -> None:
    h = Harness(spacebar, clock, http)
    try:
        h.start()
        await h.ready()
        spacebar.revoke_token(TOKEN)
        await spacebar.drop()
        await _advance_until_done(h)
        assert h.task is not None
        with pytest.raises(AuthenticationFailed):
            await h.task
        # The live one, then three resumes refused with 4000.
        assert len(spacebar.connections) == 4
        assert all(c.resumes for c in spacebar.connections[1:])
        assert _me_requests(spacebar) == [401]
    finally:
        await h.stop()


# --------------------------------------------------- §6 the runner never dies


async def test_unexpected_error_is_logged_once_and_the_connection_recycled(
    h: Harness, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger=CLIENT_LOGGER)
    real = GatewayUser.from_payload
    calls = 0

    def buggy(data: Any) -> GatewayUser:
        nonlocal calls
        calls += 1
        if calls <= 2:
            raise ZeroDivisionError("a plain bug")
        return real(data)

    monkeypatch.setattr(GatewayUser, "from_payload", staticmethod(buggy))
    h.start()
    await h.until_connected_advancing()
    assert calls == 3
    assert len(h.sim.connections) == 3
    assert h.task is not None
    assert not h.task.done()
    bug_logs = [
        r for r in caplog.records if r.exc_info is not None and r.exc_info[0] is ZeroDivisionError
    ]
    assert [r.levelno for r in bug_logs] == [logging.ERROR, logging.DEBUG]
    assert "Traceback" in caplog.text


async def test_broken_runner_fails_visibly(h: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    h.start()
    await h.ready()

    def broken() -> float:
        raise RuntimeError("backoff broke")

    monkeypatch.setattr(h.c._supervisor.backoff, "next_delay", broken)
    await h.sim.drop()
    assert h.task is not None
    with pytest.raises(ClientCrashed) as info:
        await asyncio.wait_for(h.task, 5)
    assert isinstance(info.value.__cause__, RuntimeError)
    snap = h.c.snapshot()
    assert snap.state is ConnectionState.FAILED
    assert snap.failure is info.value
    with pytest.raises(ClientCrashed):
        await h.c.wait_until_ready()


# ------------------------------------------------------------- §9 a quiet log


async def test_an_hour_long_outage_logs_no_warning(
    h: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    """Measured: 0 WARNINGs and 0 ERRORs from the client in 1 h of refused upgrades."""
    caplog.set_level(logging.DEBUG, logger=CLIENT_LOGGER)
    h.start()
    await h.ready()
    h.sim.refuse_gateway(503)
    await h.sim.drop()
    start = h.clock.monotonic()
    async with asyncio.timeout(60):
        while h.clock.monotonic() - start < HOUR:
            await h.advance_runner()
    attempts = len(h.sim.rejected_upgrades)
    h.sim.refuse_gateway(None)
    await h.until_connected_advancing()
    print(f"attempts in a 1 h outage: {attempts}")
    assert attempts >= 30
    assert not _client_records(caplog, logging.WARNING)
    assert h.c.snapshot().failure is None
