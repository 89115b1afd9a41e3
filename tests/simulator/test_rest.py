"""REST: gateway discovery, the bot gateway's session start limit, users/@me."""

from __future__ import annotations

from tests.simulator.helpers import OTHER_TOKEN, PROPERTIES, TOKEN, connect

UNAUTHORIZED = {"message": "401: Unauthorized", "code": 0}


async def test_gateway_url_points_at_this_server(sim, http) -> None:
    async with http.get(f"{sim.api_url}/gateway") as response:
        assert response.status == 200
        assert await response.json() == {"url": f"ws://127.0.0.1:{sim.port}/gateway"}
    async with http.get(f"{sim.base_url}/api/gateway") as response:
        assert await response.json() == {"url": f"ws://127.0.0.1:{sim.port}/legacy-gateway"}
    assert sim.gateway_requests == 2
    assert sim.api_url == f"http://127.0.0.1:{sim.port}/api/v10"


async def test_gateway_bot_needs_a_valid_bot_token(sim, http) -> None:
    for headers in ({}, {"Authorization": "Bot nope"}, {"Authorization": TOKEN}):
        async with http.get(f"{sim.api_url}/gateway/bot", headers=headers) as response:
            assert response.status == 401
            assert await response.json() == UNAUTHORIZED


async def test_gateway_bot_counts_identifies_per_token(sim, http, clock) -> None:
    async def limit(token: str) -> dict[str, int]:
        headers = {"Authorization": f"Bot {token}"}
        async with http.get(f"{sim.api_url}/gateway/bot", headers=headers) as response:
            assert response.status == 200
            body = await response.json()
        assert body["url"] == sim.gateway_url
        assert body["shards"] == 1
        return body["session_start_limit"]  # type: ignore[no-any-return]

    first = await limit(TOKEN)
    assert first == {
        "total": 1000,
        "remaining": 1000,
        "reset_after": 86_400_000,
        "max_concurrency": 1,
    }
    raw = await connect(http, sim)
    await raw.identify()
    await clock.advance(0.5)  # no heartbeat needed: 1.5 s grace
    after = await limit(TOKEN)
    assert after["remaining"] == 999
    assert after["reset_after"] == 86_400_000 - 500
    assert (await limit(OTHER_TOKEN))["remaining"] == 1000
    await raw.close()
    await clock.advance(86_400)
    refilled = await limit(TOKEN)
    assert refilled["remaining"] == 1000
    assert refilled["reset_after"] == 86_400_000


async def test_users_me(sim, http) -> None:
    async with http.get(f"{sim.api_url}/users/@me") as response:
        assert response.status == 401
        assert await response.json() == UNAUTHORIZED
    headers = {"Authorization": f"Bot {TOKEN}"}
    async with http.get(f"{sim.api_url}/users/@me", headers=headers) as response:
        assert response.status == 200
        user = await response.json()
    assert user["id"] == "111"
    assert user["username"] == "bot-a"
    assert user["global_name"] == "Bot A"
    assert user["discriminator"] == "0"
    assert user["bot"] is True


async def test_legacy_api_takes_bare_tokens(legacy_sim, http) -> None:
    assert legacy_sim.api_url == f"http://127.0.0.1:{legacy_sim.port}/api"
    async with http.get(f"{legacy_sim.api_url}/users/@me", headers={"Authorization": TOKEN}) as r:
        assert r.status == 200
        assert (await r.json())["id"] == "111"
    async with http.get(f"{legacy_sim.api_url}/users/@me", headers={"Authorization": "x"}) as r:
        assert r.status == 401
    async with http.get(f"{legacy_sim.api_url}/gateway") as response:
        assert await response.json() == {"url": legacy_sim.gateway_url}
    assert legacy_sim.gateway_url.endswith("/legacy-gateway")


async def test_exhausted_identify_budget_resets_the_token(make_sim, http) -> None:
    sim = await make_sim()
    sim.add_account("scarce", user_id="5", username="s", session_start_remaining=1)
    first = await connect(http, sim)
    await first.identify("scarce")
    second = await connect(http, sim)
    await second.send(
        {
            "op": 2,
            "d": {
                "token": "scarce",
                "intents": 0,
                "properties": PROPERTIES,
            },
        }
    )
    assert await second.expect_close() == 4004
    assert sim.account("scarce") is None
    headers = {"Authorization": "Bot scarce"}
    async with http.get(f"{sim.api_url}/users/@me", headers=headers) as response:
        assert response.status == 401
    await first.close()
