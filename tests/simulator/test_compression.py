"""Transport compression: zlib-stream and zstd-stream, one context per connection."""

from __future__ import annotations

import zlib

import pytest

from simulator.compression import transport_encoder, zstd
from tests.simulator.helpers import PRESENCE, connect

needs_zstd = pytest.mark.skipif(zstd is None, reason="compression.zstd needs Python 3.14")


async def test_zlib_stream_shares_one_context_and_sync_flushes(sim, http) -> None:
    raw = await connect(http, sim, compress="zlib-stream")  # HELLO decoded in connect()
    ready = await raw.identify()
    await raw.send({"op": 1, "d": 1})
    assert (await raw.recv())["op"] == 11
    assert ready["d"]["user"]["id"] == "111"
    assert raw.binary_frames == 3
    assert sim.connections[0].compression == "zlib-stream"
    # A fresh inflater cannot read the second message: the context is shared.
    encoder = transport_encoder("zlib-stream")
    encoder.encode("{}", op=10)
    second = bytes(encoder.encode('{"op":11}', op=11))
    with pytest.raises(zlib.error):
        zlib.decompressobj().decompress(second)


@needs_zstd
async def test_zstd_stream_frames_flush_without_ending_the_frame(sim, http) -> None:
    raw = await connect(http, sim, compress="zstd-stream")
    await raw.identify(presence=PRESENCE)
    await raw.send({"op": 1, "d": 1})
    assert (await raw.recv())["op"] == 11
    assert raw.binary_frames == 3
    assert sim.connections[0].compression == "zstd-stream"
    assert raw._zstd is not None
    assert not raw._zstd.eof  # one zstd frame spans the connection


async def test_garbage_on_a_compressed_stream_is_not_decompressible(sim, http) -> None:
    raw = await connect(http, sim, compress="zlib-stream")
    await sim.send_garbage()
    with pytest.raises(zlib.error):
        await raw.recv()
