"""Pure unit tests: presence validation, inflaters, rate limits, backoff, clock."""

from __future__ import annotations

import json
import random
import zlib
from typing import TYPE_CHECKING

import pytest

from custom_components.discord_presence.gateway import (
    Activity,
    ActivityType,
    Dialect,
    IdentifyBudgetExhausted,
    Presence,
    PresenceError,
    Status,
    SystemClock,
)
from custom_components.discord_presence.gateway.backoff import Backoff
from custom_components.discord_presence.gateway.compression import (
    MAX_MESSAGE_BYTES,
    Compression,
    PerPayloadZlibInflater,
    PlainInflater,
    ZlibStreamInflater,
    make_inflater,
)
from custom_components.discord_presence.gateway.dialects import codec_for
from custom_components.discord_presence.gateway.errors import GatewayProtocolError
from custom_components.discord_presence.gateway.ratelimit import (
    PRESENCE_LIMIT,
    PRESENCE_PERIOD,
    WINDOW_MARGIN,
    SendBudget,
    SlidingWindow,
)

if TYPE_CHECKING:
    from tests.clock import ManualClock

# -- presence ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "reason"),
    [
        ({"name": "x" * 129}, "name_too_long"),
        ({"name": "x", "state": "s" * 129}, "state_too_long"),
        ({"name": "  "}, "name_required"),
        ({"name": "", "type": ActivityType.CUSTOM}, "name_required"),
        ({"name": "x", "url": "https://twitch.tv/a"}, "url_not_streaming"),
        ({"name": "x", "type": 1, "url": "http://twitch.tv/a"}, "invalid_stream_url"),
        ({"name": "x", "type": 1, "url": "https://evil.com/a"}, "invalid_stream_url"),
        ({"name": "x", "type": 1, "url": "https://u:p@twitch.tv/a"}, "invalid_stream_url"),
        ({"name": "x", "type": 1, "url": "https://twitch.tv:8443/a"}, "invalid_stream_url"),
        ({"name": "x", "type": 1, "url": "https://twitch.tv:bad/a"}, "invalid_stream_url"),
    ],
)
def test_activity_validation(kwargs: dict[str, object], reason: str) -> None:
    with pytest.raises(PresenceError) as info:
        Activity(**kwargs)  # type: ignore[arg-type]
    assert info.value.reason == reason
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize(
    "url",
    [
        "https://twitch.tv/a",
        "https://www.twitch.tv/a",
        "https://youtube.com/watch?v=1",
        "https://www.youtube.com/x",
        "https://youtu.be/x",
    ],
)
def test_stream_urls_accepted(url: str) -> None:
    assert Activity("x", ActivityType.STREAMING, url=url).url == url


def test_custom_text_and_roundtrip() -> None:
    assert Activity("Chilling", ActivityType.CUSTOM).custom_text == "Chilling"
    assert Activity("", 4, state="Hi").custom_text == "Hi"  # type: ignore[arg-type]
    presence = Presence(
        status=Status.DND,
        activity=Activity("x", ActivityType.STREAMING, url="https://youtu.be/x", state="s"),
        afk=True,
        since=7,
    )
    stored = json.loads(json.dumps(presence.as_dict()))
    assert Presence.from_dict(stored) == presence
    assert Presence.from_dict({}) == Presence()
    assert Presence("idle").status is Status.IDLE  # type: ignore[arg-type]


def test_frame_too_large() -> None:
    long_url = "https://twitch.tv/" + "a" * 4100
    presence = Presence(activity=Activity("x", ActivityType.STREAMING, url=long_url))
    with pytest.raises(PresenceError) as info:
        codec_for(Dialect.V10).check_presence(presence, 0.0)
    assert info.value.reason == "frame_too_large"


def test_v10_identify_drops_presence_only_when_too_big() -> None:
    codec = codec_for(Dialect.V10)
    payload = codec.identify("t", 0, None)
    assert "presence" not in payload["d"]


def test_identify_budget_error_message() -> None:
    err = IdentifyBudgetExhausted(reset_after=12.0)
    assert err.reset_after == 12.0
    assert err.close_code is None
    assert "12" in str(err)


# -- inflaters --------------------------------------------------------------


def test_zlib_stream_buffers_until_suffix_and_keeps_context() -> None:
    inflater = ZlibStreamInflater()
    comp = zlib.compressobj()
    first = comp.compress(b'{"op":10}') + comp.flush(zlib.Z_SYNC_FLUSH)
    assert inflater.feed(first[:3]) is None
    assert inflater.feed(first[3:]) == '{"op":10}'
    second = comp.compress(b'{"op":11}') + comp.flush(zlib.Z_SYNC_FLUSH)
    assert inflater.feed(second) == '{"op":11}'
    assert inflater.feed("text") == "text"
    with pytest.raises(GatewayProtocolError):
        ZlibStreamInflater().feed(b"garbage\x00\x00\xff\xff")


def test_zlib_stream_refuses_unbounded_data() -> None:
    with pytest.raises(GatewayProtocolError):
        ZlibStreamInflater().feed(b"\x01" * (MAX_MESSAGE_BYTES + 1))
    comp = zlib.compressobj()
    bomb = comp.compress(b"\x00" * (MAX_MESSAGE_BYTES + 10)) + comp.flush(zlib.Z_SYNC_FLUSH)
    with pytest.raises(GatewayProtocolError):
        ZlibStreamInflater().feed(bomb)


def test_per_payload_zlib() -> None:
    inflater = PerPayloadZlibInflater()
    assert inflater.feed(zlib.compress(b'{"op":0}')) == '{"op":0}'
    assert inflater.feed('{"op":1}') == '{"op":1}'
    with pytest.raises(GatewayProtocolError):
        inflater.feed(b"nope")
    with pytest.raises(GatewayProtocolError):
        inflater.feed(zlib.compress(b'{"op":0}')[:-3])
    with pytest.raises(GatewayProtocolError):
        inflater.feed(zlib.compress(b"\x00" * (MAX_MESSAGE_BYTES + 10)))


def test_plain_and_factory() -> None:
    assert PlainInflater().feed(b"{}") == "{}"
    with pytest.raises(GatewayProtocolError):
        PlainInflater().feed(b"\xff")
    assert isinstance(make_inflater(None), PerPayloadZlibInflater)
    assert isinstance(make_inflater(Compression.NONE), PlainInflater)
    assert isinstance(make_inflater(Compression.ZLIB_STREAM), ZlibStreamInflater)


# -- rate limits, backoff, clock ----------------------------------------------


async def test_sliding_window(clock: ManualClock) -> None:
    window = SlidingWindow(2, 10, clock, margin=0)
    assert window.delay() == 0
    window.record()
    await clock.advance(1)
    window.record()
    assert window.used() == 2
    assert window.delay() == pytest.approx(9)
    assert window.delay(limit=3) == 0
    await clock.advance(9)
    assert window.used() == 1
    with pytest.raises(ValueError, match="limit"):
        SlidingWindow(0, 1, clock)
    with pytest.raises(ValueError, match="margin"):
        SlidingWindow(1, 1, clock, margin=-1)


async def test_presence_window_margin_at_the_exact_edge(clock: ManualClock) -> None:
    """The 6th update can never leave at first + 20.000 s (issue 7 §13)."""
    window = SlidingWindow(PRESENCE_LIMIT, PRESENCE_PERIOD, clock)
    assert window.margin == WINDOW_MARGIN > 0
    first = clock.monotonic()
    for _ in range(PRESENCE_LIMIT):
        window.record()
        await clock.advance(0.1)
    # Exactly at the edge Discord's window still holds all five.
    await clock.advance(first + PRESENCE_PERIOD - clock.monotonic())
    assert clock.monotonic() == first + PRESENCE_PERIOD
    assert window.used() == PRESENCE_LIMIT
    assert window.delay() == pytest.approx(WINDOW_MARGIN)
    # Prune and delay follow one rule: after sleeping exactly the delay there is room.
    await clock.advance(window.delay())
    assert window.delay() == 0
    assert window.used() == PRESENCE_LIMIT - 1


async def test_window_acquire_never_early_with_float_rounding(clock: ManualClock) -> None:
    """A seeded burst on awkward float times: every 6 sends span more than 20 s."""
    import asyncio

    rng = random.Random(7)
    window = SlidingWindow(PRESENCE_LIMIT, PRESENCE_PERIOD, clock)
    sent: list[float] = []

    async def sender() -> None:
        for _ in range(40):
            await window.acquire()
            sent.append(clock.monotonic())

    task = asyncio.create_task(sender())
    while not task.done():
        await clock.advance(rng.choice([0.1, 0.7, 1 / 3, 2.2, 0.05]))
    assert len(sent) == 40
    gaps = [b - a for a, b in zip(sent, sent[PRESENCE_LIMIT:], strict=False)]
    assert min(gaps) >= PRESENCE_PERIOD + WINDOW_MARGIN - 1e-6


async def test_send_budget_reserves_priority_slots(clock: ManualClock) -> None:
    budget = SendBudget(clock, limit=3, period=60, reserved=1)
    await budget.acquire()
    await budget.acquire()
    assert budget.used() == 2
    await budget.acquire(priority=True)  # the reserved slot
    assert budget.used() == 3
    import asyncio

    task = asyncio.create_task(budget.acquire())
    await clock.advance(30)
    assert not task.done()
    await clock.advance(30)
    assert not task.done()  # the margin: still counted at exactly 60 s
    await clock.advance(WINDOW_MARGIN)
    await task
    assert budget.used() == 1


def test_backoff_grows_caps_and_resets() -> None:
    backoff = Backoff(random.Random(3), base=1, cap=8)
    ceilings = []
    for _ in range(6):
        ceilings.append(backoff.ceiling())
        assert 0 <= backoff.next_delay() <= ceilings[-1]
    assert ceilings == [1, 2, 4, 8, 8, 8]
    backoff.reset()
    assert backoff.ceiling() == 1


async def test_system_clock() -> None:
    clock = SystemClock()
    assert clock.monotonic() > 0
    assert clock.time() > 1e9
    await clock.sleep(0)
