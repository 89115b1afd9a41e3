"""Odd REST answers: a typed error or a usable value, never a crash or an unsafe URL.

A scripted REST server answers ``/gateway``, ``/gateway/bot`` and
``/users/@me`` with what hypothesis draws (status, body, content type); the
real simulator serves the websocket once REST answers sanely. The client must
never die, never connect to a URL that would carry the token in clear text to
another host, and always end connected when the server comes to its senses.
"""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING, Any

import aiohttp
import pytest
from aiohttp import web
from hypothesis import given
from hypothesis import strategies as st

from custom_components.discord_presence.gateway import (
    ConnectionState,
    GatewayError,
    GatewayUser,
    fetch_current_user,
)
from simulator import Simulator
from tests.gateway.conftest import INTERVAL_MS, TOKEN, Harness, advance_until

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from tests.clock import ManualClock

_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=12),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)
_odd_urls = st.sampled_from(
    [
        "ws://gateway.example.com",  # clear text to a remote host
        "http://gateway.example.com",
        "wss://",  # no host
        "gateway.discord.gg",  # no scheme
        "ftp://127.0.0.1/",
        "",
        "wss://user:pw@127.0.0.1:1/",
    ]
)
_limits = st.fixed_dictionaries(
    {},
    optional={
        "total": _values,
        "remaining": _values | st.sampled_from([-1, 0, 10**30, 2**63]),
        "reset_after": _values | st.sampled_from([-1, 0, 10**30, 1e308]),
        "max_concurrency": _values,
    },
)


@st.composite
def _answers(draw: st.DrawFn) -> dict[str, tuple[int, str, str]]:
    """For each path: (status, body, content type) of the first answer."""
    gateway_body: Any = draw(st.fixed_dictionaries({}, optional={"url": _odd_urls | _values}))
    bot_body: Any = draw(
        st.fixed_dictionaries(
            {}, optional={"url": _odd_urls | _values, "session_start_limit": _limits | _values}
        )
    )
    me_body: Any = draw(_values | st.fixed_dictionaries({}, optional={"id": _values}))

    def answer(body: Any) -> tuple[int, str, str]:
        status = draw(st.sampled_from([200, 200, 200, 204, 400, 404, 429, 500, 502]))
        text = draw(st.sampled_from([json.dumps(body), "not json", "", "{", "[]"]))
        ctype = draw(st.sampled_from(["application/json", "text/html"]))
        return status, text, ctype

    return {
        "/gateway": answer(gateway_body),
        "/gateway/bot": answer(bot_body),
        "/users/@me": answer(me_body),
    }


class OddRest:
    """Serves one drawn answer per path, then sane ones pointing at the simulator."""

    def __init__(self, sim: Simulator) -> None:
        self.sim = sim
        self.pending: dict[str, tuple[int, str, str]] = {}

    async def handle(self, request: web.Request) -> web.Response:
        path = request.path.removeprefix("/api/v10")
        if path in self.pending:
            status, body, ctype = self.pending.pop(path)
            return web.Response(status=status, text=body, content_type=ctype)
        sane: dict[str, Any] = {
            "/gateway": {"url": self.sim.gateway_url},
            "/gateway/bot": {
                "url": self.sim.gateway_url,
                "shards": 1,
                "session_start_limit": {
                    "total": 1000,
                    "remaining": 999,
                    "reset_after": 1000,
                    "max_concurrency": 1,
                },
            },
            "/users/@me": {"id": "42", "username": "presence-bot", "bot": True},
        }
        return web.json_response(sane[path])


@pytest.fixture
async def odd(clock: ManualClock) -> AsyncIterator[tuple[OddRest, str]]:
    sim = Simulator(heartbeat_interval_ms=INTERVAL_MS, clock=clock)
    sim.add_account(TOKEN, user_id="42", username="presence-bot")
    async with sim:
        rest = OddRest(sim)
        app = web.Application()
        for path in ("/gateway", "/gateway/bot", "/users/@me"):
            app.router.add_get(f"/api/v10{path}", rest.handle)
        runner = web.AppRunner(app, shutdown_timeout=0.1)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = runner.addresses[0][1]
        try:
            yield rest, f"http://127.0.0.1:{port}/api/v10"
        finally:
            await runner.cleanup()


@given(answers=_answers())
async def test_odd_rest_answers_end_connected(
    odd: tuple[OddRest, str],
    clock: ManualClock,
    answers: dict[str, tuple[int, str, str]],
    caplog: pytest.LogCaptureFixture,
) -> None:
    rest, api_url = odd
    rest.pending = dict(answers)
    caplog.set_level(logging.DEBUG)
    async with aiohttp.ClientSession() as http:
        h = Harness(rest.sim, clock, http)
        connects: list[str] = []
        h.make(api_url=api_url)
        original = http.ws_connect

        def spy(url: Any, **kwargs: Any) -> Any:
            connects.append(str(url))
            return original(url, **kwargs)

        http.ws_connect = spy  # type: ignore[method-assign]
        h.start()
        try:
            # The client may wait out backoff or a budget it was told is spent;
            # a day of virtual time is the bound on "comes back by itself".
            await advance_until(
                clock,
                lambda: h.c.snapshot().state is ConnectionState.CONNECTED,
                step=30,
                limit=2 * 86_400,
            )
            assert h.task is not None
            assert not h.task.done()
        finally:
            await h.stop()
    # Only the simulator's gateway was ever dialled: no drawn URL was used.
    assert connects
    assert all(url.startswith(rest.sim.gateway_url) for url in connects), connects
    assert not [r for r in caplog.records if TOKEN in logging.Formatter().format(r)]


@given(answer=_answers())
async def test_fetch_current_user_is_typed(
    odd: tuple[OddRest, str], clock: ManualClock, answer: dict[str, tuple[int, str, str]]
) -> None:
    """/users/@me answers anything: a GatewayUser or a GatewayError, nothing else."""
    rest, api_url = odd
    rest.pending = {"/users/@me": answer["/users/@me"]}
    async with aiohttp.ClientSession() as http:
        result: GatewayUser | GatewayError
        try:
            result = await fetch_current_user(http, TOKEN, api_url=api_url, clock=clock)
        except GatewayError as err:
            result = err
    if isinstance(result, GatewayError):
        assert TOKEN not in str(result)
    else:
        assert isinstance(result, GatewayUser)
        assert result.id
