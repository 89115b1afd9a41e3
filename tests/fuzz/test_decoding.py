"""Hostile bytes and text never escape the decoders as anything but a protocol error.

Every inflater and the JSON envelope decoder must either produce a message or
raise GatewayProtocolError, which the client turns into a recycled connection.
Any other exception (RecursionError, OverflowError, MemoryError, zlib or zstd
errors) would end the runner instead.
"""

from __future__ import annotations

import json
import zlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from custom_components.discord_presence.gateway import Compression
from custom_components.discord_presence.gateway.compression import (
    MAX_MESSAGE_BYTES,
    ZLIB_SUFFIX,
    ZSTD_AVAILABLE,
    make_inflater,
)
from custom_components.discord_presence.gateway.errors import GatewayProtocolError
from custom_components.discord_presence.gateway.frames import decode as _decode

_MODES = [None, Compression.ZLIB_STREAM, Compression.NONE]
if ZSTD_AVAILABLE:
    _MODES.append(Compression.ZSTD_STREAM)

# JSON values of any shape, including the nesting and number sizes a hostile
# server can send.
_json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)


def _feed_all(compression: Compression | None, chunks: list[bytes | str]) -> None:
    inflater = make_inflater(compression)
    for chunk in chunks:
        try:
            text = inflater.feed(chunk)
        except GatewayProtocolError:
            return
        assert text is None or isinstance(text, str)


@pytest.mark.parametrize("compression", _MODES, ids=str)
@given(chunks=st.lists(st.binary(max_size=256) | st.text(max_size=64), max_size=6))
def test_inflaters_take_any_bytes(
    compression: Compression | None, chunks: list[bytes | str]
) -> None:
    """Random frames: a message, None (more to come) or a protocol error; nothing else."""
    _feed_all(compression, chunks)


@given(payload=_json_values, cut=st.integers(min_value=1, max_value=64))
def test_truncated_zlib_stream_is_refused_or_incomplete(payload: object, cut: int) -> None:
    """A zlib-stream message cut short: never decoded as something else, never a crash."""
    deflate = zlib.compressobj()
    data = deflate.compress(json.dumps({"op": 0, "d": payload}).encode()) + deflate.flush(
        zlib.Z_SYNC_FLUSH
    )
    truncated = data[: max(0, len(data) - cut)]
    inflater = make_inflater(Compression.ZLIB_STREAM)
    try:
        # Without its 00 00 ff ff suffix the message is incomplete; with a
        # forged suffix the inflater must refuse or return a prefix of the text.
        assert inflater.feed(truncated) is None or truncated.endswith(ZLIB_SUFFIX)
        text = inflater.feed(truncated + ZLIB_SUFFIX)
    except GatewayProtocolError:
        return
    assert text is None or isinstance(text, str)


def test_zlib_bomb_is_refused() -> None:
    """Data that inflates past the message cap is refused in both zlib modes, not inflated."""
    plain = b"[" + b"0," * (MAX_MESSAGE_BYTES // 2 + 16) + b"0]"
    deflate = zlib.compressobj(9)
    stream = deflate.compress(plain) + deflate.flush(zlib.Z_SYNC_FLUSH)
    with pytest.raises(GatewayProtocolError, match="too large"):
        make_inflater(Compression.ZLIB_STREAM).feed(stream)
    with pytest.raises(GatewayProtocolError, match="too large"):
        make_inflater(None).feed(zlib.compress(plain, 9))


@given(text=st.text(max_size=200))
def test_decode_any_text(text: str) -> None:
    """Any text: an envelope with an integer op, or a protocol error."""
    try:
        payload = _decode(text)
    except GatewayProtocolError:
        return
    assert isinstance(payload, dict)
    assert type(payload["op"]) is int


@given(value=_json_values, op=_json_values)
def test_decode_any_json_shape(value: object, op: object) -> None:
    """Wrong types (op as a string, d as a list, ...) never escape as other errors."""
    for text in (json.dumps(value), json.dumps({"op": op, "d": value, "s": value, "t": value})):
        try:
            payload = _decode(text)
        except GatewayProtocolError:
            continue
        assert type(payload["op"]) is int


@pytest.mark.parametrize("depth", [1_000, 100_000])
def test_deep_nesting_is_a_protocol_error(depth: int) -> None:
    """100,000 levels of ``[``: a protocol error, never a RecursionError that ends run()."""
    for text in ("[" * depth + "]" * depth, '{"op": 0, "d": ' + "[" * depth + "]" * depth + "}"):
        try:
            payload = _decode(text)
        except GatewayProtocolError:
            continue
        assert payload["op"] == 0


@pytest.mark.parametrize("digits", [400, 5_000, 50_000])
def test_huge_integers_are_a_protocol_error_or_bounded(digits: int) -> None:
    """Integers thousands of digits long: refused by the decoder or kept as ints, never a crash."""
    text = '{"op": 0, "s": ' + "9" * digits + ', "d": null}'
    try:
        payload = _decode(text)
    except GatewayProtocolError:
        return
    assert payload["op"] == 0
