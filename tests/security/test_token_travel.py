"""The token only travels over TLS or to this machine, and never in a URL.

A server (or anyone answering for it) hands the client URLs: READY's
``resume_gateway_url`` and the legacy op 7 redirect. A clear-text URL to
another host is refused, and the client carries on at the gateway it was
given by the configured API; the log names only the host.
"""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING, Any

import aiohttp
import pytest

from custom_components.discord_presence.gateway import ConnectionState, Dialect
from tests.gateway.conftest import TOKEN, Harness

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from simulator import Simulator
    from tests.clock import ManualClock

EVIL = "ws://evil.example:8080/gateway"


@pytest.fixture
async def traced(clock: ManualClock) -> AsyncIterator[tuple[aiohttp.ClientSession, list[str]]]:
    """An HTTP session that records the URL of every request and websocket it opens."""
    urls: list[str] = []
    trace = aiohttp.TraceConfig()

    async def on_start(_s: Any, _c: Any, params: aiohttp.TraceRequestStartParams) -> None:
        urls.append(str(params.url))

    trace.on_request_start.append(on_start)
    async with aiohttp.ClientSession(trace_configs=[trace]) as http:
        yield http, urls


async def test_unsafe_resume_url_is_not_used(
    sim: Simulator,
    clock: ManualClock,
    traced: tuple[aiohttp.ClientSession, list[str]],
    caplog: pytest.LogCaptureFixture,
) -> None:
    http, urls = traced
    caplog.set_level(logging.DEBUG)
    sim.ready_extra = {"resume_gateway_url": EVIL}
    h = Harness(sim, clock, http)
    h.start()
    await h.ready()
    await sim.drop()
    await h.reconnected(2)
    # It resumed, at the simulator's own gateway: the session survived.
    assert h.c.snapshot().stats.resumes == 1
    assert sim.connections[1].resumes
    assert not [u for u in urls if "evil.example" in u]
    assert "Not resuming at evil.example" in caplog.text
    await h.stop()


async def test_unsafe_legacy_redirect_is_ignored(
    legacy_sim: Simulator,
    clock: ManualClock,
    traced: tuple[aiohttp.ClientSession, list[str]],
    caplog: pytest.LogCaptureFixture,
) -> None:
    http, urls = traced
    caplog.set_level(logging.DEBUG)
    h = Harness(legacy_sim, clock, http)
    h.start(dialect=Dialect.LEGACY)
    await h.ready()
    await legacy_sim.send_raw(json.dumps({"op": 7, "d": {"url": EVIL}}))
    await h.reconnected(2)
    assert h.c.snapshot().state is ConnectionState.CONNECTED
    assert not [u for u in urls if "evil.example" in u]
    assert "redirected us to evil.example" in caplog.text
    assert "Ignoring a redirect to evil.example" in caplog.text
    await h.stop()


async def test_token_is_in_no_url(
    sim: Simulator, clock: ManualClock, traced: tuple[aiohttp.ClientSession, list[str]]
) -> None:
    """Connect, resume, identify again: every URL the client requested is token-free."""
    http, urls = traced
    h = Harness(sim, clock, http)
    h.start()
    await h.ready()
    await sim.drop()
    await h.reconnected(2)
    await sim.invalid_session(resumable=False)
    await h.reconnected(3)
    await h.stop()
    assert any("/gateway/bot" in u for u in urls)
    assert any(u.startswith("ws://") for u in urls)
    assert not [u for u in urls if TOKEN in u]


def test_tls_verification_is_never_switched_off() -> None:
    """The client takes its caller's session and never overrides certificate checks."""
    from pathlib import Path

    gateway = Path(__file__).parents[2] / "custom_components/discord_presence/gateway"
    source = "\n".join(p.read_text() for p in gateway.glob("*.py"))
    for weakening in ("ssl=False", "verify_ssl", "CERT_NONE", "check_hostname"):
        assert weakening not in source
