"""GatewaySnapshot.applied and applied_at: what the live session shows, as far as we sent."""

from __future__ import annotations

from typing import TYPE_CHECKING

from custom_components.discord_presence.gateway import (
    Activity,
    ActivityType,
    ConnectionState,
    Dialect,
    Presence,
    Status,
)

if TYPE_CHECKING:
    from custom_components.discord_presence.gateway import GatewaySnapshot
    from tests.gateway.conftest import Harness


def _record(h: Harness) -> list[GatewaySnapshot]:
    seen: list[GatewaySnapshot] = []
    h.c.add_listener(lambda: seen.append(h.c.snapshot()))
    return seen


async def test_nothing_applied_before_the_first_ready(h: Harness) -> None:
    wanted = Presence(status=Status.DND)
    h.make(presence=wanted)
    seen = _record(h)
    snap = h.c.snapshot()
    assert (snap.applied, snap.applied_at, snap.presence_applied) == (None, None, False)
    h.start()
    await h.ready()
    # Every observed moment before CONNECTED had nothing applied.
    early = [s for s in seen if s.state is not ConnectionState.CONNECTED]
    assert early
    assert all(s.applied is None and s.applied_at is None for s in early)


async def test_after_ready_the_identify_presence_is_applied(h: Harness) -> None:
    wanted = Presence(status=Status.DND, activity=Activity("Movie night", ActivityType.WATCHING))
    await h.clock.advance(123.5)
    h.start(presence=wanted)
    await h.ready()
    snap = h.c.snapshot()
    assert snap.applied == wanted
    assert snap.applied_at == h.clock.time()
    assert snap.presence_applied
    # It was carried by the IDENTIFY, not by an op 3.
    record = h.sim.connections[0]
    assert record.identifies[0]["presence"]["status"] == "dnd"
    assert record.presences == []


async def test_after_a_change_the_sent_presence_and_its_time(h: Harness) -> None:
    h.start()
    await h.ready()
    ready_at = h.c.snapshot().applied_at
    await h.clock.advance(42)
    changed = Presence(status=Status.IDLE, activity=Activity("Chess"))
    h.c.update_presence(changed)
    # Applied once the op 3 went out: with room in the limits, within the call (issue 9).
    assert h.c.snapshot().applied == changed
    await h.sim.wait_for(lambda: len(h.sim.presences) == 1)
    await h.until(lambda: h.c.snapshot().applied == changed)
    snap = h.c.snapshot()
    assert h.sim.presences[0]["status"] == "idle"
    assert h.sim.presences[0]["activities"] == [{"name": "Chess", "type": 0}]
    assert ready_at is not None
    assert snap.applied_at == ready_at + 42
    assert snap.presence_applied


async def test_after_resumed_nothing_until_the_presence_is_sent_again(h: Harness) -> None:
    wanted = Presence(activity=Activity("Tetris"))
    h.start(presence=wanted)
    await h.ready()
    seen = _record(h)
    await h.clock.advance(7)
    await h.sim.reconnect()
    await h.reconnected(2)
    second = h.sim.connections[1]
    assert second.resumes
    await h.sim.wait_for(lambda: len(second.presences) == 1)
    await h.until(lambda: h.c.snapshot().applied == wanted)
    down = next(i for i, s in enumerate(seen) if s.state is ConnectionState.RECONNECTING)
    live = next(s for s in seen[down:] if s.state is ConnectionState.CONNECTED)
    # Going live again after RESUMED showed nothing applied (Discord may have
    # lost it), then the re-sent presence with the time it went out.
    assert (live.applied, live.applied_at, live.presence_applied) == (None, None, False)
    sent_at, sent = second.presences[0]
    assert sent["activities"] == [{"name": "Tetris", "type": 0}]
    # Same instant on both scales: the op 3 arrived when the client stamped it.
    assert h.c.snapshot().applied_at == h.clock.time()
    assert sent_at == h.clock.monotonic()


async def test_none_while_the_connection_is_down(h: Harness) -> None:
    h.start(presence=Presence(status=Status.DND))
    await h.ready()
    assert h.c.snapshot().applied is not None
    await h.sim.drop()
    await h.spy.wait_runner_sleeping()
    snap = h.c.snapshot()
    assert snap.state is ConnectionState.RECONNECTING
    assert (snap.applied, snap.applied_at, snap.presence_applied) == (None, None, False)
    await h.reconnected(2)
    await h.until(lambda: h.c.snapshot().applied == Presence(status=Status.DND))
    await h.stop()
    snap = h.c.snapshot()
    assert snap.state is ConnectionState.DISCONNECTED
    assert (snap.applied, snap.applied_at) == (None, None)


async def test_legacy_ready_applies_nothing_until_the_op_3(lh: Harness) -> None:
    """The 2016 IDENTIFY carries no presence: READY alone applies nothing."""
    wanted = Presence(activity=Activity("Chess"))
    lh.make(dialect=Dialect.LEGACY, presence=wanted)
    seen = _record(lh)
    lh.start()
    await lh.ready()
    live = next(s for s in seen if s.state is ConnectionState.CONNECTED)
    assert (live.applied, live.applied_at, live.presence_applied) == (None, None, False)
    await lh.sim.wait_for(lambda: len(lh.sim.connections[0].presences) == 1)
    await lh.until(lambda: lh.c.snapshot().applied == wanted)
    assert lh.c.snapshot().applied_at == lh.clock.time()
    assert lh.sim.connections[0].presences[0][1]["game"] == {"name": "Chess"}
