"""Fatal outcomes, the identify budget, backoff, shutdown."""

from __future__ import annotations

import asyncio
import logging

import pytest

from custom_components.discord_presence.gateway import (
    BACKOFF_CAP,
    IDENTIFY_SPACING,
    STABLE_AFTER,
    AuthenticationFailed,
    ConnectionState,
    DisallowedIntents,
    FatalGatewayError,
    GatewayError,
    InvalidApiVersion,
    InvalidIntents,
    InvalidShard,
    ShardingRequired,
)
from tests.gateway.conftest import TOKEN, Harness


@pytest.mark.parametrize(
    ("code", "error"),
    [
        (4004, AuthenticationFailed),
        (4010, InvalidShard),
        (4011, ShardingRequired),
        (4012, InvalidApiVersion),
        (4013, InvalidIntents),
        (4014, DisallowedIntents),
    ],
)
async def test_fatal_close_codes_are_never_retried(
    h: Harness, code: int, error: type[FatalGatewayError]
) -> None:
    h.start()
    await h.ready()
    await h.sim.close(code)
    assert h.task is not None
    with pytest.raises(error) as info:
        await h.task
    assert info.value.close_code == code
    snap = h.c.snapshot()
    assert snap.state is ConnectionState.FAILED
    assert snap.failure is info.value
    assert len(h.sim.connections) == 1
    with pytest.raises(error):
        await h.c.wait_until_ready()


async def test_bad_token_fails_with_authentication_failed(h: Harness) -> None:
    h.start(token="wrong")
    assert h.task is not None
    with pytest.raises(AuthenticationFailed) as info:
        await h.task
    # The REST check caught it: no connection, no identify burnt.
    assert h.sim.connections == []
    assert "wrong" not in str(info.value)
    with pytest.raises(AuthenticationFailed):
        await h.c.wait_until_ready()


async def test_bad_intents_fail(h: Harness) -> None:
    h.start(intents=1 << 1)  # privileged, not granted
    assert h.task is not None
    with pytest.raises(DisallowedIntents):
        await h.task


async def test_identify_spacing_five_seconds(h: Harness) -> None:
    h.start()
    await h.ready()
    first_at = h.clock.monotonic()
    await h.sim.close(4009)  # new session
    await h.reconnected(2)
    identify_times = [t for t in h.spy.sleeps if t[0] == "discord-gateway"]
    assert identify_times  # the runner waited (backoff and/or spacing)
    assert h.clock.monotonic() - first_at >= IDENTIFY_SPACING


async def test_gateway_url_cached_until_connect_fails(h: Harness) -> None:
    h.start()
    await h.ready()
    # /gateway/bot named the URL: GET /gateway was not needed (issue 9).
    assert h.sim.gateway_requests == 0
    assert [r.path for r in h.sim.rest_requests] == ["/gateway/bot"]
    await h.sim.close(4009)
    await h.reconnected(2)
    assert h.sim.gateway_requests == 0  # cached
    assert [r.path for r in h.sim.rest_requests] == ["/gateway/bot"] * 2


async def test_backoff_grows_when_connecting_fails_and_resets_after_stable(
    h: Harness,
) -> None:
    h.start()
    await h.ready()
    # Point the client at a dead port: every attempt fails.
    port = h.sim.port
    client = h.c
    client._supervisor._gateway_url = "ws://127.0.0.1:1/gateway"
    client._supervisor.session.resume_url = "ws://127.0.0.1:1/gateway"
    await h.sim.drop()
    ceilings = []
    for _ in range(5):
        await h.spy.wait_runner_sleeping()
        ceilings.append(client._supervisor.backoff.ceiling())
        client._supervisor._gateway_url = "ws://127.0.0.1:1/gateway"
        client._supervisor.session.resume_url = None
        await h.advance_runner()
    assert ceilings == sorted(ceilings)
    assert ceilings[-1] > ceilings[0]
    delays = h.spy.runner_sleeps()
    assert all(d <= BACKOFF_CAP for d in delays)
    # Heal: the next attempt fetches a fresh URL (cache dropped on failure).
    assert port == h.sim.port
    await h.reconnected(2)
    assert client._supervisor.backoff.failures > 0
    await h.clock.advance(STABLE_AFTER)
    await h.sim.close(4000)
    await h.spy.wait_runner_sleeping()
    assert client._supervisor.backoff.failures == 1  # reset, then this reconnect counted


async def test_close_sends_1000_and_leaves_nothing_running(h: Harness) -> None:
    h.start()
    await h.ready()
    await h.c.close()
    await h.sim.wait_for(lambda: not h.sim.connections[0].open)
    record = h.sim.connections[0]
    assert record.closed_by == "client"
    assert record.close_code == 1000
    assert h.task is not None
    await h.task  # run() returned normally
    assert h.c.snapshot().state is ConnectionState.DISCONNECTED
    assert h.spy.pending == {} or all(
        name != "discord-gateway" for name, _ in h.spy.pending.values()
    )
    await h.c.close()  # idempotent
    with pytest.raises(GatewayError):
        await h.c.wait_until_ready()


async def test_close_during_backoff(h: Harness) -> None:
    h.start()
    await h.ready()
    await h.sim.close(4000)
    await h.spy.wait_runner_sleeping()
    await h.c.close()
    assert h.task is not None
    assert h.task.done()
    assert h.c.snapshot().state is ConnectionState.DISCONNECTED


async def test_cancelling_run_cleans_up(h: Harness) -> None:
    h.start()
    await h.ready()
    assert h.task is not None
    h.task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await h.task
    await h.sim.wait_for(lambda: not h.sim.connections[0].open)
    assert h.sim.connections[0].close_code == 1000


async def test_run_twice_is_refused(h: Harness) -> None:
    h.start()
    await h.ready()
    with pytest.raises(RuntimeError):
        await h.c.run()


async def test_token_never_logged(h: Harness, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    h.start()
    await h.ready()
    await h.sim.send_garbage()
    await h.reconnected(2)
    await h.sim.close(4004)
    assert h.task is not None
    with pytest.raises(AuthenticationFailed):
        await h.task
    assert TOKEN not in caplog.text


async def test_listener_errors_are_contained_and_unsubscribe(h: Harness) -> None:
    calls: list[int] = []

    def bad() -> None:
        calls.append(1)
        raise RuntimeError("boom")

    client = h.make()
    unsubscribe = client.add_listener(bad)
    h.start()
    await h.ready()
    assert calls
    unsubscribe()
    unsubscribe()
    count = len(calls)
    await h.sim.request_heartbeat()
    await h.sim.wait_for(lambda: bool(h.sim.connections[0].heartbeats))
    assert len(calls) == count
