"""zstd-stream inflating (Python 3.14's compression.zstd; skipped where it is missing)."""

from __future__ import annotations

import pytest

from custom_components.discord_presence.gateway.compression import (
    MAX_MESSAGE_BYTES,
    Compression,
    ZstdStreamInflater,
    make_inflater,
)
from custom_components.discord_presence.gateway.errors import GatewayProtocolError

zstd = pytest.importorskip("compression.zstd")


def test_factory_makes_a_zstd_inflater() -> None:
    assert isinstance(make_inflater(Compression.ZSTD_STREAM), ZstdStreamInflater)


def test_zstd_stream_messages_and_frame_ends() -> None:
    comp = zstd.ZstdCompressor()
    inflater = ZstdStreamInflater()
    mode = zstd.ZstdCompressor.FLUSH_BLOCK
    assert inflater.feed(comp.compress(b'{"op":1}', mode=mode)) == '{"op":1}'
    assert inflater.feed(comp.compress(b'{"op":2}', mode=mode)) == '{"op":2}'
    assert inflater.feed("t") == "t"
    # A server that ends a frame per message works too.
    inflater = ZstdStreamInflater()
    ended = zstd.compress(b'{"op":3}') + zstd.compress(b"")
    assert inflater.feed(ended) == '{"op":3}'
    assert inflater.feed(zstd.compress(b'{"op":4}')) == '{"op":4}'
    assert inflater.feed("t") == "t"
    with pytest.raises(GatewayProtocolError):
        ZstdStreamInflater().feed(b"not zstd at all")
    with pytest.raises(GatewayProtocolError):
        ZstdStreamInflater().feed(zstd.compress(b"\xff\xfe"))
    bomb = zstd.compress(b"\x00" * (MAX_MESSAGE_BYTES + 10))
    with pytest.raises(GatewayProtocolError):
        ZstdStreamInflater().feed(bomb)
    # Several complete frames in one message make one gateway message.
    assert ZstdStreamInflater().feed(zstd.compress(b'{"a":') + zstd.compress(b"1}")) == '{"a":1}'
    with pytest.raises(GatewayProtocolError):
        ZstdStreamInflater().feed(zstd.compress(b"{") + b"not a zstd frame")
    with pytest.raises(GatewayProtocolError):
        ZstdStreamInflater().feed(zstd.compress(b"{") + bomb)
