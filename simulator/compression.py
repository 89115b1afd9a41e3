"""Outgoing transport encodings: plain text, zlib-stream, zstd-stream, legacy zlib.

Each encoder belongs to one connection. Stream encoders keep one compression
context for the whole connection and flush after every message so a client
can decode each message as it arrives.
"""

from __future__ import annotations

import zlib
from typing import Protocol

try:  # Python 3.14+; on 3.13 zstd-stream is simply not offered.
    from compression import zstd  # type: ignore[import-not-found,unused-ignore]
except ImportError:  # pragma: no cover - depends on the interpreter
    zstd = None

ZLIB_STREAM = "zlib-stream"
ZSTD_STREAM = "zstd-stream"
LEGACY_ZLIB = "zlib-payload"
NONE = "none"


class Encoder(Protocol):
    name: str

    def encode(self, text: str | bytes, *, op: int) -> str | bytes:
        """Turn one serialised gateway message into websocket frame data.

        Bytes are accepted so ``send_raw`` can compress what is not UTF-8.
        """
        ...


class PlainEncoder:
    """Text frames, uncompressed."""

    name = NONE

    def encode(self, text: str | bytes, *, op: int) -> str | bytes:
        return text


class ZlibStreamEncoder:
    """One deflate context per connection; every message ends with a sync flush."""

    name = ZLIB_STREAM

    def __init__(self) -> None:
        self._compressor = zlib.compressobj()

    def encode(self, text: str | bytes, *, op: int) -> str | bytes:
        data = self._compressor.compress(_bytes(text))
        return data + self._compressor.flush(zlib.Z_SYNC_FLUSH)


class ZstdStreamEncoder:
    """One zstd context per connection; each message flushes a block, never ends the frame."""

    name = ZSTD_STREAM

    def __init__(self) -> None:
        self._compressor = zstd.ZstdCompressor()

    def encode(self, text: str | bytes, *, op: int) -> str | bytes:
        mode = zstd.ZstdCompressor.FLUSH_BLOCK
        return bytes(self._compressor.compress(_bytes(text), mode=mode))


class LegacyZlibEncoder:
    """The 2016 ``compress: true`` identify flag: dispatches (op 0) go out as
    binary frames, each a complete zlib stream of its own; other opcodes stay
    plain text, as the original server sent only (large) payloads compressed.
    """

    name = LEGACY_ZLIB

    def encode(self, text: str | bytes, *, op: int) -> str | bytes:
        if op != 0:
            return text
        return zlib.compress(_bytes(text))


def _bytes(text: str | bytes) -> bytes:
    return text.encode() if isinstance(text, str) else text


def transport_encoder(compress: str | None) -> Encoder:
    """The encoder for a v10 ``compress`` query value; ValueError if unsupported."""
    if compress is None:
        return PlainEncoder()
    if compress == ZLIB_STREAM:
        return ZlibStreamEncoder()
    if compress == ZSTD_STREAM and zstd is not None:
        return ZstdStreamEncoder()
    raise ValueError(compress)


def garbage(encoder: Encoder) -> str | bytes:
    """Data a client cannot decode: not JSON, and not valid compressed data."""
    if encoder.name == NONE:
        return "}{ this is not json"
    return b"\xff\x00 not compressed \x00\x00\xff\xff"
