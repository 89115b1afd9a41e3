"""The identify budget: Discord's session_start_limit, our own ledger, REST checks.

Issue 7 §1: an exhausted budget is waited out (state WAITING), never a
failure; when /gateway/bot cannot be read the client identifies only while
the shared 24 h ledger stays under its ceiling; every IDENTIFY is recorded.
"""

from __future__ import annotations

import asyncio
import math
import random
from typing import TYPE_CHECKING

import pytest

from custom_components.discord_presence.gateway import (
    BLIND_IDENTIFY_CEILING,
    BUDGET_JITTER_MAX,
    BUDGET_JITTER_MIN,
    BUDGET_RECHECK,
    BUDGET_RECHECK_FIRST,
    IDENTIFY_RESERVE,
    IDENTIFY_SPACING,
    LEGACY_IDENTIFY_CEILING,
    AuthenticationFailed,
    ConnectionState,
    Dialect,
    GatewayClient,
    GatewayUnavailable,
    IdentifyLedger,
    fetch_current_user,
)
from custom_components.discord_presence.gateway.ledger import WINDOW
from tests.gateway.conftest import TOKEN, Harness

if TYPE_CHECKING:
    import aiohttp

    from simulator import Simulator
    from tests.clock import ManualClock

DAY = 86_400.0


def _is(h: Harness, state: ConnectionState) -> bool:
    return h.c.snapshot().state is state


async def _until_waiting(h: Harness) -> None:
    """Advance through backoff/spacing sleeps until the runner sleeps in WAITING."""
    async with asyncio.timeout(10):
        while True:
            await h.spy.wait_runner_sleeping()
            if _is(h, ConnectionState.WAITING):
                return
            await h.advance_runner()


def _bot_reads(sim: Simulator) -> list[int | None]:
    return [r.status for r in sim.rest_requests if r.path == "/gateway/bot"]


# ----------------------------------------------------------- session_start_limit


async def test_budget_at_reserve_waits_for_reset_then_goes_on(h: Harness) -> None:
    h.sim.set_session_start_limit(TOKEN, remaining=IDENTIFY_RESERVE, total=1000, reset_after=3600)
    h.start()
    await h.until(lambda: _is(h, ConnectionState.WAITING))
    now = h.clock.time()
    until = h.c.snapshot().waiting_until
    assert until is not None
    assert now + 3600 + BUDGET_JITTER_MIN <= until <= now + 3600 + BUDGET_JITTER_MAX
    left = await h.spy.wait_runner_sleeping()
    assert left == pytest.approx(until - now)

    # A minute before the wake-up: still waiting, nothing spent, run() alive.
    await h.clock.advance(left - 60)
    assert _is(h, ConnectionState.WAITING)
    assert h.sim.connections == []
    assert h.task is not None
    assert not h.task.done()

    await h.clock.advance(60)
    await h.connected()
    assert len(h.sim.connections) == 1
    assert h.sim.connections[0].identifies
    # Read once before waiting, once after: the refilled budget let it go on.
    assert _bot_reads(h.sim) == [200, 200]
    assert h.c.snapshot().waiting_until is None
    assert h.c.snapshot().failure is None
    assert ConnectionState.WAITING in h.states


async def test_budget_above_reserve_identifies_at_once(h: Harness) -> None:
    h.sim.set_session_start_limit(TOKEN, remaining=IDENTIFY_RESERVE + 1)
    h.start()
    await h.ready()
    assert ConnectionState.WAITING not in h.states
    assert len(h.sim.connections) == 1


async def test_small_daily_total_keeps_a_tenth_in_reserve(h: Harness) -> None:
    # A server granting 20 a day: the reserve is 2, not 10 (else never a start).
    h.sim.set_session_start_limit(TOKEN, total=20, remaining=3, reset_after=3600)
    h.start()
    await h.ready()
    assert ConnectionState.WAITING not in h.states
    await h.sim.close(4009)  # spends one: 2 left, the reserve
    await _until_waiting(h)
    assert len(h.sim.connections) == 1


# ------------------------------------------------------------ blind identifies


@pytest.mark.parametrize("status", [429, 503])
async def test_unreadable_budget_caps_identifies_per_day(h: Harness, status: int) -> None:
    ceiling = 3
    ledger = IdentifyLedger(ceiling=ceiling)
    h.sim.fail_rest("/gateway/bot", status)
    h.start(identify_ledger=ledger)
    await h.ready()
    for n in range(2, ceiling + 1):
        await h.sim.close(4009)  # a new session each time
        await h.reconnected(n)
    assert len(ledger.times) == ceiling
    first = ledger.times[0]

    await h.sim.close(4009)
    await _until_waiting(h)
    # Shown: when the wait ends at the latest; meanwhile /gateway/bot is
    # read again, soon at first, then every BUDGET_RECHECK at most.
    assert h.c.snapshot().waiting_until == pytest.approx(first + DAY + 1.0)
    assert await h.spy.wait_runner_sleeping() == pytest.approx(BUDGET_RECHECK_FIRST)
    assert len(h.sim.connections) == ceiling
    # Waiting (and re-reading) for half a day changes nothing.
    await h.clock.advance(DAY / 2)
    assert _is(h, ConnectionState.WAITING)
    assert len(h.sim.connections) == ceiling

    async with asyncio.timeout(30):
        while len(h.sim.connections) == ceiling:
            await h.advance_runner()
    await h.connected()
    assert h.sim.connections[-1].identifies
    assert h.clock.time() >= first + DAY
    assert ledger.count(h.clock.time()) == ceiling
    # Every read failed: these identifies were all "blind"; it re-read the
    # budget at least every BUDGET_RECHECK while waiting, in one WAITING
    # spell, and no more often than the growing schedule allows.
    assert set(_bot_reads(h.sim)) == {status}
    assert DAY / BUDGET_RECHECK <= len(_bot_reads(h.sim)) <= DAY / BUDGET_RECHECK + 12
    gaps = [s for s in h.spy.runner_sleeps() if s > IDENTIFY_SPACING + 1]
    assert max(gaps) <= BUDGET_RECHECK + 1e-6
    assert h.states.count(ConnectionState.WAITING) == 1


async def test_blind_wait_ends_when_the_budget_is_readable_again(h: Harness) -> None:
    """Soak finding (seed 5): a short REST outage must not park us for ~21 h."""
    now = h.clock.time()
    ledger = IdentifyLedger([now - 3600.0 + i for i in range(3)], ceiling=3)
    h.sim.fail_rest("/gateway/bot", 503)
    h.start(identify_ledger=ledger)
    await h.until(lambda: _is(h, ConnectionState.WAITING))
    assert h.c.snapshot().waiting_until == pytest.approx(ledger.times[0] + DAY + 1.0)
    assert h.sim.connections == []
    h.sim.clear_rest_failures()
    left = await h.spy.wait_runner_sleeping()
    # A one-request REST blip costs seconds, not minutes (soak seed 1 finding).
    assert left == pytest.approx(BUDGET_RECHECK_FIRST)
    await h.clock.advance(left)
    await h.connected()
    assert _bot_reads(h.sim) == [503, 200]
    assert len(ledger.times) == 4  # Discord's number allowed it, past our ceiling


async def test_hanging_budget_read_is_bounded_on_the_clock(h: Harness) -> None:
    ledger = IdentifyLedger()
    h.sim.fail_rest("/gateway/bot", hang=True)
    h.start(identify_ledger=ledger, rest_timeout=7.0)
    await h.sim.wait_for(lambda: h.sim.held_requests == 1)
    await h.clock.advance(6.9)
    assert h.sim.connections == []
    assert _is(h, ConnectionState.CONNECTING)
    await h.clock.advance(0.1)
    await h.connected()
    assert h.clock.monotonic() == pytest.approx(7.0)
    assert len(ledger.times) == 1


async def test_legacy_is_always_blind(lh: Harness) -> None:
    now = lh.clock.time()
    spent = [now - 1000.0 + i for i in range(LEGACY_IDENTIFY_CEILING)]
    ledger = IdentifyLedger(spent)
    lh.start(dialect=Dialect.LEGACY, identify_ledger=ledger)
    await lh.until(lambda: _is(lh, ConnectionState.WAITING))
    assert lh.c.snapshot().waiting_until == pytest.approx(now - 1000.0 + DAY + 1.0)
    assert lh.sim.connections == []
    assert _bot_reads(lh.sim) == []  # legacy has no /gateway/bot
    await lh.advance_runner()
    await lh.sim.wait_for(lambda: len(lh.sim.connections) == 1)
    await lh.connected()
    assert ledger.times[-1] >= now - 1000.0 + DAY


async def test_legacy_reconnects_past_the_v10_blind_ceiling(lh: Harness) -> None:
    """Soak finding (legacy, seed 31): legacy identifies on every reconnect, so
    the v10 blind ceiling (100 a day) would park it for ~22 h; its own is larger."""
    now = lh.clock.time()
    ledger = IdentifyLedger([now - 1000.0 + i for i in range(BLIND_IDENTIFY_CEILING)])
    lh.start(dialect=Dialect.LEGACY, identify_ledger=ledger)
    await lh.ready()
    assert ledger.count(lh.clock.time()) == BLIND_IDENTIFY_CEILING + 1
    assert ConnectionState.WAITING not in lh.states


async def test_shared_ledger_spaces_two_clients(h: Harness, http: aiohttp.ClientSession) -> None:
    ledger = IdentifyLedger()
    h.start(identify_ledger=ledger)
    other = GatewayClient(
        http,
        TOKEN,
        api_url=h.sim.api_url,
        clock=h.spy,
        rng=random.Random(7),
        identify_ledger=ledger,
    )
    other_task = asyncio.create_task(other.run())
    try:
        await h.sim.wait_for(lambda: any(c.identifies for c in h.sim.connections))
        # The second client got the next slot: it sleeps out the spacing.
        left = await h.spy.wait_runner_sleeping()
        assert left == pytest.approx(IDENTIFY_SPACING, abs=0.01)
        assert sum(1 for c in h.sim.connections if c.identifies) == 1
        await h.clock.advance(left)
        await h.sim.wait_for(lambda: sum(1 for c in h.sim.connections if c.identifies) == 2)
        first, second = ledger.times
        assert second - first >= IDENTIFY_SPACING
    finally:
        await other.close()
        await asyncio.wait([other_task])


# ---------------------------------------------------------------------- ledger


def test_ledger_counts_a_rolling_day() -> None:
    ledger = IdentifyLedger([100.0, 200.0, 300.0], ceiling=2)
    assert ledger.count(300.0) == 3
    assert ledger.count(100.0 + WINDOW) == 2  # the first just left the window
    assert ledger.last() == 300.0
    # Two over the ceiling of 2 would need the 2nd oldest gone: 200 + 24 h.
    assert ledger.free_at(300.0) == 200.0 + WINDOW
    assert ledger.free_at(200.0 + WINDOW) is None
    assert ledger.free_at(150.0 + WINDOW) == 200.0 + WINDOW


def test_ledger_drops_damaged_entries_and_counts_future_ones() -> None:
    ledger = IdentifyLedger([math.nan, math.inf, True, 5.0, 7_000.0])
    assert ledger.times == (5.0, 7_000.0)
    # A wall clock that stepped back does not hand out spent budget.
    assert ledger.count(1_000.0) == 2


def test_ledger_record_prunes_and_notifies() -> None:
    ledger = IdentifyLedger([1.0, 2.0])
    calls: list[tuple[float, ...]] = []
    unsubscribe = ledger.add_listener(lambda: calls.append(ledger.times))
    ledger.record(2.0 + WINDOW)
    assert ledger.times == (2.0 + WINDOW,)
    assert calls == [(2.0 + WINDOW,)]
    unsubscribe()
    ledger.record(3.0 + WINDOW)
    assert len(calls) == 1
    assert IdentifyLedger().free_at(0.0) is None
    assert IdentifyLedger().ceiling == BLIND_IDENTIFY_CEILING


def test_ledger_claims_spaced_slots() -> None:
    ledger = IdentifyLedger([1_000.0])
    assert ledger.claim(1_002.0, 5.0) == 1_005.0  # 5 s after the recorded one
    assert ledger.claim(1_002.0, 5.0) == 1_010.0  # and after the slot handed out
    assert ledger.claim(2_000.0, 5.0) == 2_000.0  # long after: at once
    # Wall clock stepped back an hour: wait at most twice the spacing.
    assert ledger.claim(2_000.0 - 3_600.0, 5.0) <= 2_000.0 - 3_600.0 + 10.0


# ------------------------------------------------------------------ /users/@me


async def test_fetch_current_user(
    sim: Simulator, clock: ManualClock, http: aiohttp.ClientSession
) -> None:
    user = await fetch_current_user(http, TOKEN, api_url=sim.api_url, clock=clock)
    assert (user.id, user.username, user.bot) == ("42", "presence-bot", True)

    sim.fail_rest("/users/@me", 429, count=1)
    with pytest.raises(GatewayUnavailable) as unavailable:
        await fetch_current_user(http, TOKEN, api_url=sim.api_url, clock=clock)
    assert "429" in str(unavailable.value)
    sim.fail_rest("/users/@me", 503, count=1)
    with pytest.raises(GatewayUnavailable):
        await fetch_current_user(http, TOKEN, api_url=sim.api_url, clock=clock)

    sim.revoke_token(TOKEN)
    with pytest.raises(AuthenticationFailed) as rejected:
        await fetch_current_user(http, TOKEN, api_url=sim.api_url, clock=clock)
    assert TOKEN not in str(rejected.value)
    assert TOKEN not in repr(rejected.value)


@pytest.mark.parametrize("token", ["line\nbreak", "nul\x00", "caf\u00e9"])
async def test_fetch_current_user_rejects_unsendable_tokens(
    sim: Simulator, clock: ManualClock, http: aiohttp.ClientSession, token: str
) -> None:
    with pytest.raises(AuthenticationFailed) as err:
        await fetch_current_user(http, token, api_url=sim.api_url, clock=clock)
    assert token not in str(err.value)
    assert sim.rest_requests == []


async def test_fetch_current_user_timeout_runs_on_the_clock(
    sim: Simulator, clock: ManualClock, http: aiohttp.ClientSession
) -> None:
    sim.fail_rest("/users/@me", hang=True)
    call = asyncio.create_task(
        fetch_current_user(http, TOKEN, api_url=sim.api_url, timeout=4.0, clock=clock)
    )
    await sim.wait_for(lambda: sim.held_requests == 1)
    await clock.advance(3.9)
    assert not call.done()
    await clock.advance(0.1)
    with pytest.raises(GatewayUnavailable, match="timed out"):
        await call


async def test_fetch_current_user_unreachable(
    clock: ManualClock, http: aiohttp.ClientSession
) -> None:
    with pytest.raises(GatewayUnavailable) as err:
        await fetch_current_user(http, TOKEN, api_url="http://127.0.0.1:1/api/v10", clock=clock)
    assert TOKEN not in str(err.value)
