"""Issue 7 REST faults: failing or hanging calls, the identify budget, revoked tokens,
and a Spacebar-like server (any token on /gateway/bot, 4000 for a bad token)."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest

from simulator import Simulator
from tests.simulator.helpers import OTHER_TOKEN, PROPERTIES, TOKEN, connect, legacy_identify

AUTH = {"Authorization": f"Bot {TOKEN}"}


async def _get(
    http: aiohttp.ClientSession, url: str, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], object]:
    async with http.get(url, headers=AUTH if headers is None else headers) as response:
        return response.status, dict(response.headers), await response.json()


async def test_fail_rest_429_carries_retry_after_and_discords_body(sim, http) -> None:
    sim.fail_rest("/gateway/bot", 429, count=1, retry_after=2.5)
    status, headers, body = await _get(http, f"{sim.api_url}/gateway/bot")
    assert status == 429
    assert headers["Retry-After"] == "3"  # whole seconds, rounded up
    assert body == {"message": "You are being rate limited.", "retry_after": 2.5, "global": False}
    # count=1: the next call is answered normally
    status, _, body = await _get(http, f"{sim.api_url}/gateway/bot")
    assert status == 200
    assert body["session_start_limit"]["remaining"] == 1000  # type: ignore[index]
    assert [(r.path, r.fault, r.status) for r in sim.rest_requests] == [
        ("/gateway/bot", "status", 429),
        ("/gateway/bot", None, 200),
    ]
    assert len(sim.rest_failures) == 1


async def test_fail_rest_until_cleared_on_both_api_prefixes(sim, http) -> None:
    sim.fail_rest("/users/@me", 503)
    for _ in range(3):
        status, _, body = await _get(http, f"{sim.api_url}/users/@me")
        assert (status, body) == (503, {"message": "503: Service Unavailable", "code": 0})
    # the 2016 prefix serves the same path, with a bare token
    status, _, _ = await _get(http, f"{sim.base_url}/api/users/@me", {"Authorization": TOKEN})
    assert status == 503
    # other paths are untouched
    assert (await _get(http, f"{sim.api_url}/gateway/bot"))[0] == 200
    sim.clear_rest_failures()
    status, _, body = await _get(http, f"{sim.api_url}/users/@me")
    assert status == 200
    assert body["id"] == "111"  # type: ignore[index]
    assert [r.api for r in sim.rest_failures] == ["v10", "v10", "v10", "legacy"]


async def test_fail_rest_count_then_normal(sim, http) -> None:
    sim.fail_rest("/gateway", 502, count=2)
    statuses = [(await _get(http, f"{sim.api_url}/gateway", {}))[0] for _ in range(3)]
    assert statuses == [502, 502, 200]
    assert sim.gateway_requests == 1  # only the answered one reached the handler


async def test_fail_rest_hang_is_answered_once_cleared(sim, http) -> None:
    sim.fail_rest("/users/@me", hang=True)
    request = asyncio.create_task(_get(http, f"{sim.api_url}/users/@me"))
    await sim.wait_for(lambda: sim.held_requests == 1)
    assert not request.done()
    assert sim.rest_requests[-1].fault == "hang"
    assert sim.rest_requests[-1].status is None
    sim.clear_rest_failures()
    status, _, body = await request
    assert status == 200
    assert body["username"] == "bot-a"  # type: ignore[index]
    assert (sim.rest_requests[-1].status, sim.rest_requests[-1].outcome) == (200, "released")
    assert sim.held_requests == 0


async def test_fail_rest_hang_does_not_hold_up_stop(make_sim, http) -> None:
    sim = await make_sim()
    sim.fail_rest("/gateway/bot", hang=True)
    request = asyncio.create_task(_get(http, f"{sim.api_url}/gateway/bot"))
    await sim.wait_for(lambda: sim.held_requests == 1)
    async with asyncio.timeout(5):  # safety net; the reset is immediate
        await sim.stop()
    # reset (aiohttp retries an idempotent GET once; the retry finds nobody listening)
    with pytest.raises(aiohttp.ClientError):
        await request
    assert sim.held_requests == 0
    # reset by stop() itself, not cancelled after aiohttp's shutdown timeout
    assert [(r.fault, r.status, r.outcome) for r in sim.rest_requests] == [("hang", None, "reset")]


async def test_fail_rest_validates_its_arguments(sim) -> None:
    with pytest.raises(ValueError, match="path"):
        sim.fail_rest("/channels")
    with pytest.raises(ValueError, match="status"):
        sim.fail_rest("/gateway", 1000)
    with pytest.raises(ValueError, match="count"):
        sim.fail_rest("/gateway", count=-1)


async def test_set_session_start_limit_is_reported_spent_and_refilled(sim, http, clock) -> None:
    await clock.advance(5)
    sim.set_session_start_limit(TOKEN, remaining=3, total=50, reset_after=60)
    limit = (await _get(http, f"{sim.api_url}/gateway/bot"))[2]["session_start_limit"]  # type: ignore[index]
    assert limit == {"total": 50, "remaining": 3, "reset_after": 60_000, "max_concurrency": 1}
    raw = await connect(http, sim)
    await raw.identify()
    await clock.advance(59)
    limit = (await _get(http, f"{sim.api_url}/gateway/bot"))[2]["session_start_limit"]  # type: ignore[index]
    assert (limit["remaining"], limit["reset_after"]) == (2, 1000)
    await clock.advance(1)  # reset_after elapsed: refilled to total, a new 24 h window
    limit = (await _get(http, f"{sim.api_url}/gateway/bot"))[2]["session_start_limit"]  # type: ignore[index]
    assert (limit["remaining"], limit["reset_after"]) == (50, 86_400_000)
    # the other account was not touched
    assert sim.account(OTHER_TOKEN).session_start_remaining == 1000


async def test_set_session_start_limit_before_start_counts_from_start(clock, http) -> None:
    simulator = Simulator(clock=clock)
    simulator.add_account(TOKEN, user_id="1", username="a")
    simulator.set_session_start_limit(TOKEN, remaining=0, reset_after=30)
    await clock.advance(100)
    async with simulator:
        limit = (await _get(http, f"{simulator.api_url}/gateway/bot"))[2]["session_start_limit"]  # type: ignore[index]
    assert (limit["remaining"], limit["reset_after"]) == (0, 30_000)


async def test_set_session_start_limit_unknown_token(sim) -> None:
    with pytest.raises(KeyError) as caught:
        sim.set_session_start_limit("nope", remaining=1)
    assert "nope" not in str(caught.value)


async def test_revoke_token_rest_401_identify_and_resume_rejected(sim, http) -> None:
    raw = await connect(http, sim)
    session_id = (await raw.identify())["d"]["session_id"]
    sim.revoke_token(TOKEN)
    for path in ("/users/@me", "/gateway/bot"):
        assert (await _get(http, f"{sim.api_url}{path}"))[0] == 401
    fresh = await connect(http, sim)
    await fresh.send({"op": 2, "d": {"token": TOKEN, "intents": 0, "properties": PROPERTIES}})
    assert await fresh.expect_close() == 4004
    resumer = await connect(http, sim)
    await resumer.send({"op": 6, "d": {"token": TOKEN, "session_id": session_id, "seq": 1}})
    assert await resumer.expect_close() == 4004
    assert sim.connections[0].open  # the live connection is left alone
    assert (await _get(http, f"{sim.api_url}/users/@me", {"Authorization": f"Bot {OTHER_TOKEN}"}))[
        0
    ] == 200


@pytest.mark.parametrize("legacy", [False, True])
async def test_bad_token_close_code_like_spacebar(make_sim, http, legacy) -> None:
    sim = await make_sim(bad_token_close_code=4000, legacy=legacy)
    if legacy:
        ws = await http.ws_connect(sim.hub.legacy_url)
        await ws.send_json(legacy_identify("wrong"))
        msg = await ws.receive(timeout=5)
        assert msg.type is aiohttp.WSMsgType.CLOSE
        assert msg.data == 4000
    else:
        raw = await connect(http, sim)
        await raw.send({"op": 2, "d": {"token": "wrong", "intents": 0, "properties": PROPERTIES}})
        assert await raw.expect_close() == 4000
    await sim.wait_for(lambda: not sim.connections[0].open)
    assert (sim.connections[0].closed_by, sim.connections[0].close_code) == ("server", 4000)


async def test_gateway_bot_any_token(make_sim, http) -> None:
    sim = await make_sim(gateway_bot_any_token=True)
    for headers in ({"Authorization": "Bot whatever"}, {}):
        status, _, body = await _get(http, f"{sim.api_url}/gateway/bot", headers)
        assert status == 200
        assert body["session_start_limit"] == {  # type: ignore[index]
            "total": 1000,
            "remaining": 1000,
            "reset_after": 14_400_000,
            "max_concurrency": 1,
        }
    # a known token still gets its own budget; /users/@me still judges the token
    sim.set_session_start_limit(TOKEN, remaining=7)
    body = (await _get(http, f"{sim.api_url}/gateway/bot"))[2]
    assert body["session_start_limit"]["remaining"] == 7  # type: ignore[index]
    assert (await _get(http, f"{sim.api_url}/users/@me", {"Authorization": "Bot whatever"}))[
        0
    ] == 401


async def test_fail_rest_hang_abandoned_by_the_client(sim, http) -> None:
    sim.fail_rest("/gateway/bot", hang=True, count=1)
    request = asyncio.create_task(_get(http, f"{sim.api_url}/gateway/bot"))
    await sim.wait_for(lambda: sim.held_requests == 1)
    request.cancel()  # the client's own timeout
    with pytest.raises(asyncio.CancelledError):
        await request
    await sim.wait_for(lambda: sim.rest_requests[0].outcome is not None)
    assert (sim.rest_requests[0].outcome, sim.rest_requests[0].status) == ("abandoned", None)
    assert (await _get(http, f"{sim.api_url}/gateway/bot"))[0] == 200  # count=1 was spent


@pytest.mark.parametrize(
    "path", ["/gateway", "/gateway/bot", "/users/@me", "/oauth2/applications/@me"]
)
async def test_fail_rest_on_every_rest_path(sim, http, path) -> None:
    sim.fail_rest(path, 500, count=1)
    assert (await _get(http, f"{sim.api_url}{path}"))[0] == 500
    assert (await _get(http, f"{sim.api_url}{path}"))[0] == 200
    assert [(r.path, r.status) for r in sim.rest_requests] == [(path, 500), (path, 200)]
