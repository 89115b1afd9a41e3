"""The bot's avatar hash comes with READY's user, and only in the shape Discord uses."""

from __future__ import annotations

from typing import TYPE_CHECKING

import aiohttp
import pytest

from custom_components.discord_presence.gateway import GatewayUser
from simulator import Simulator
from tests.gateway.conftest import INTERVAL_MS, Harness

if TYPE_CHECKING:
    from tests.clock import ManualClock

HASH = "0123456789abcdef0123456789abcdef"


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        (HASH, HASH),
        (f"a_{HASH}", f"a_{HASH}"),  # animated
        (None, None),  # Discord's default avatar
        ("../../../evil", None),  # it ends up in a URL: refused
        (HASH.upper(), None),
    ],
)
async def test_ready_carries_the_avatar_hash(
    clock: ManualClock, sent: str | None, kept: str | None
) -> None:
    sim = Simulator(heartbeat_interval_ms=INTERVAL_MS, clock=clock)
    sim.add_account("avatar-token", user_id="7", username="pic-bot", avatar=sent)
    async with sim, aiohttp.ClientSession() as http:
        h = Harness(sim, clock, http)
        h.start(token="avatar-token")
        await h.ready()
        user = h.c.snapshot().user
        await h.stop()
    assert user is not None
    assert user.avatar == kept


def test_payload_without_avatar() -> None:
    assert GatewayUser.from_payload({"id": "1", "username": "x"}).avatar is None
