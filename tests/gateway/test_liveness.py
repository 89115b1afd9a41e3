"""Half-open links, bounded connects and teardown, on virtual time (issue 7 §4, §6).

The simulator's ``blackhole()`` makes a link half-open: the server stops
reading and writing without closing (no ACK, no PONG, no 4009). The client
must notice within about two heartbeat intervals in both dialects and replace
the connection; closing such a link must not wait for the dead peer.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

import pytest

from custom_components.discord_presence.gateway import (
    DEFAULT_CONNECT_TIMEOUT,
    Activity,
    ConnectionState,
    Dialect,
    Presence,
)
from tests.gateway.conftest import (
    INTERVAL_MS,
    TOKEN,
    Harness,
    advance_until,
    gateway_tasks,
    loud_records,
)

if TYPE_CHECKING:
    from simulator.records import ConnectionRecord

INTERVAL = INTERVAL_MS / 1000
WANTED = Presence(activity=Activity("Movie night"))
LOGGER = "custom_components.discord_presence"


def _detected(h: Harness) -> bool:
    # Set by the client at the moment it decides to drop the connection.
    return h.c.snapshot().stats.last_close_code is not None


async def _until_dropped(h: Harness, record: ConnectionRecord) -> None:
    await h.sim.wait_for(lambda: not record.open)
    assert record.closed_by == "drop"  # the blackholed server never saw a close frame


async def test_v10_half_open_link_is_replaced_within_two_intervals(
    h: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger=LOGGER)
    h.start(presence=WANTED)
    await h.ready()
    first = h.sim.connections[0]
    await h.sim.blackhole()
    took = await advance_until(h.clock, lambda: _detected(h), step=1, limit=2 * INTERVAL)
    assert 0 < took <= 2 * INTERVAL
    await _until_dropped(h, first)
    await h.reconnected(2)
    second = h.sim.connections[1]
    assert second.resumes  # the session survived the dead link
    assert not second.identifies
    # After RESUMED the wanted presence is sent again.
    await h.sim.wait_for(lambda: h.sim.current_presence(TOKEN) is not None)
    assert h.sim.current_presence(TOKEN)["activities"] == [{"name": "Movie night", "type": 0}]  # type: ignore[index]
    assert loud_records(caplog) == []
    assert any("half-open" in r.getMessage() or "zombie" in r.getMessage() for r in caplog.records)


async def test_v10_server_that_stopped_reading_is_noticed_even_with_sends_stuck(
    h: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A peer that stops reading makes our sends hang (TCP backpressure).

    The heartbeat, stuck in its send, can no longer check for ACKs; the
    liveness check relies on what arrives, so it still notices.
    """
    h.start()
    await h.ready()
    conn = h.c._supervisor.conn
    assert conn is not None
    never = asyncio.Event()
    stuck_sends: list[Any] = []

    async def stuck(data: Any, compress: int | None = None) -> None:
        stuck_sends.append(data)
        await never.wait()

    monkeypatch.setattr(conn.ws, "send_str", stuck)
    first = h.sim.connections[0]
    await h.sim.blackhole()
    took = await advance_until(h.clock, lambda: _detected(h), step=1, limit=2 * INTERVAL)
    assert took <= 2 * INTERVAL
    assert stuck_sends  # the heartbeat really was stuck in its send
    assert first.heartbeats == []
    await _until_dropped(h, first)
    await h.reconnected(2)
    assert h.sim.connections[1].resumes


async def test_legacy_half_open_link_is_replaced_within_two_intervals(
    lh: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    """The legacy gateway never ACKs: only WebSocket pings can tell."""
    caplog.set_level(logging.DEBUG, logger=LOGGER)
    lh.start(dialect=Dialect.LEGACY, presence=WANTED)
    await lh.ready()
    first = lh.sim.connections[0]
    # A healthy legacy link is not mistaken for a dead one (no ACKs, but PONGs).
    await lh.clock.advance(5 * INTERVAL)
    assert first.open
    assert not _detected(lh)
    await lh.sim.blackhole()
    took = await advance_until(lh.clock, lambda: _detected(lh), step=1, limit=2 * INTERVAL)
    assert 0 < took <= 2 * INTERVAL
    await _until_dropped(lh, first)
    await lh.reconnected(2)
    second = lh.sim.connections[1]
    assert second.identifies  # legacy has no resume
    await lh.sim.wait_for(lambda: bool(second.presences))
    assert second.presences[-1][1]["game"] == {"name": "Movie night"}
    assert loud_records(caplog) == []


async def test_dropping_a_zombie_does_not_wait_for_the_dead_peer(h: Harness) -> None:
    h.start()
    await h.ready()
    await h.sim.blackhole()
    await advance_until(h.clock, lambda: _detected(h), step=1, limit=2 * INTERVAL)
    detected_at = h.clock.monotonic()
    # Teardown done, the runner backs off. aiohttp alone would wait 10 s of
    # real time for the dead peer's close frame; the guard is far below that.
    await h.spy.wait_runner_sleeping(timeout=5)
    assert h.clock.monotonic() == detected_at  # nor was any virtual time needed
    assert [t.get_name() for t in gateway_tasks()] == ["discord-gateway"]


async def test_close_during_a_zombie_takes_no_wait(h: Harness) -> None:
    h.start()
    await h.ready()
    first = h.sim.connections[0]
    await h.sim.blackhole()
    before = h.clock.monotonic()
    # Without the bound, aiohttp waits 10 s of real time for the dead peer's
    # close frame; this guard is far below that.
    async with asyncio.timeout(5):
        await h.c.close()
    assert h.clock.monotonic() == before  # not even virtual time was needed
    assert gateway_tasks() == []
    assert h.task is not None
    await h.task
    assert h.c.snapshot().state is ConnectionState.DISCONNECTED
    await _until_dropped(h, first)


async def test_close_is_shielded_from_the_callers_cancellation(h: Harness) -> None:
    h.start()
    await h.ready()
    record = h.sim.connections[0]
    closer = asyncio.create_task(h.c.close())
    await asyncio.sleep(0)  # close() has started: the runner is being cancelled
    closer.cancel()
    with pytest.raises(asyncio.CancelledError):
        await closer
    # The teardown finished before the cancellation was honoured.
    assert gateway_tasks() == []
    await h.sim.wait_for(lambda: not record.open)
    assert record.closed_by == "client"
    assert record.close_code == 1000  # the bot went offline cleanly
    assert h.c.snapshot().state is ConnectionState.DISCONNECTED


async def test_resume_url_that_never_answers_ends_the_attempt(
    h: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    """ws_connect plus the handshake are bounded by connect_timeout on the clock."""
    caplog.set_level(logging.DEBUG, logger=LOGGER)
    h.start()
    await h.ready()
    h.sim.silent_gateway(True)
    await h.sim.drop()
    await h.advance_runner()  # the backoff after the drop; now the resume attempt
    await h.sim.wait_for(lambda: len(h.sim.rejected_upgrades) == 1)  # held, unanswered
    assert h.spy.runner_deadline() is None  # the runner is inside the attempt
    await h.clock.advance(DEFAULT_CONNECT_TIMEOUT - 0.5)
    assert h.spy.runner_deadline() is None  # not given up early
    await h.clock.advance(0.5)
    await h.spy.wait_runner_sleeping()  # gave up: backing off again
    assert h.c.snapshot().state is ConnectionState.RECONNECTING
    h.sim.silent_gateway(False)
    await h.reconnected(2)
    assert h.sim.connections[1].resumes  # the session and resume URL were kept
    assert loud_records(caplog) == []
