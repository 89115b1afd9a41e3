"""Turning websocket messages into gateway JSON text, per transport compression.

Each inflater belongs to exactly one connection: the stream modes keep a
decompression context for the whole connection, so a new connection needs a
new inflater. ``feed`` returns the text of a complete gateway message, or None
while a zlib-stream message is still incomplete; it raises
GatewayProtocolError for anything undecodable.
"""

from __future__ import annotations

import importlib
import zlib
from enum import StrEnum
from typing import Final, Protocol, cast

from .errors import GatewayProtocolError

ZLIB_SUFFIX: Final = b"\x00\x00\xff\xff"
# A gateway message is small; refuse to buffer or inflate without bound so a
# hostile or broken server cannot exhaust memory.
MAX_MESSAGE_BYTES: Final = 8 * 1024 * 1024


class _ZstdDecompressor(Protocol):
    """The part of ``compression.zstd.ZstdDecompressor`` used here."""

    eof: bool
    needs_input: bool
    unused_data: bytes

    def decompress(self, data: bytes, max_length: int = -1) -> bytes: ...


class _ZstdModule(Protocol):
    ZstdError: type[Exception]

    def ZstdDecompressor(self) -> _ZstdDecompressor: ...


def _load_zstd() -> _ZstdModule | None:
    # compression.zstd is new in Python 3.14; imported dynamically so the
    # package still imports (and type-checks) where it is missing.
    try:
        return cast("_ZstdModule", importlib.import_module("compression.zstd"))
    except ImportError:  # pragma: no cover - only on Python < 3.14
        return None


_ZSTD: Final = _load_zstd()
ZSTD_AVAILABLE: Final = _ZSTD is not None


class Compression(StrEnum):
    """Transport compression for the v10 dialect (query ``compress=``)."""

    ZSTD_STREAM = "zstd-stream"
    ZLIB_STREAM = "zlib-stream"
    NONE = "none"


class Inflater(Protocol):
    """Decodes one connection's messages."""

    def feed(self, data: bytes | str) -> str | None:
        """Return a complete message's text, or None if more data is needed."""
        ...


def _text(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise GatewayProtocolError("message is not UTF-8") from err


class PlainInflater:
    """No compression: text frames as they are (binary frames must be UTF-8)."""

    def feed(self, data: bytes | str) -> str | None:
        return data if isinstance(data, str) else _text(data)


class ZlibStreamInflater:
    """One zlib context per connection; a message ends with 00 00 ff ff."""

    def __init__(self) -> None:
        self._inflate = zlib.decompressobj()
        self._buffer = bytearray()

    def feed(self, data: bytes | str) -> str | None:
        if isinstance(data, str):
            # Servers may still send text frames uncompressed.
            return data
        self._buffer += data
        if len(self._buffer) > MAX_MESSAGE_BYTES:
            raise GatewayProtocolError("zlib-stream message too large")
        if not self._buffer.endswith(ZLIB_SUFFIX):
            return None
        chunk = bytes(self._buffer)
        self._buffer.clear()
        try:
            out = self._inflate.decompress(chunk, MAX_MESSAGE_BYTES)
        except zlib.error as err:
            raise GatewayProtocolError("bad zlib-stream data") from err
        if self._inflate.unconsumed_tail:
            raise GatewayProtocolError("zlib-stream message too large")
        return _text(out)


class ZstdStreamInflater:
    """One zstd context per connection; every websocket message is one gateway message."""

    def __init__(self) -> None:
        if _ZSTD is None:  # pragma: no cover - only on Python < 3.14
            raise RuntimeError("zstd-stream needs Python 3.14 (compression.zstd)")
        self._zstd = _ZSTD
        self._inflate = _ZSTD.ZstdDecompressor()

    def feed(self, data: bytes | str) -> str | None:
        if isinstance(data, str):
            return data
        try:
            first = self._inflate.decompress(data, MAX_MESSAGE_BYTES)
        except self._zstd.ZstdError as err:
            raise GatewayProtocolError("bad zstd-stream data") from err
        if self._inflate.needs_input and not self._inflate.eof:
            # The common case, kept free of copies: one message, frame still open.
            return _text(first)
        return self._feed_slow(first)

    def _feed_slow(self, first: bytes) -> str:
        out = bytearray(first)
        pending = b""
        try:
            while True:
                if len(out) > MAX_MESSAGE_BYTES:
                    raise GatewayProtocolError("zstd-stream message too large")
                if self._inflate.eof:
                    # A server may end a zstd frame per message; the next frame
                    # (possibly in the same data) needs a fresh context.
                    pending = self._inflate.unused_data
                    self._inflate = self._zstd.ZstdDecompressor()
                    if not pending:
                        break
                    out += self._inflate.decompress(pending, MAX_MESSAGE_BYTES)
                    continue
                if not self._inflate.needs_input:
                    raise GatewayProtocolError("zstd-stream message too large")
                break
        except self._zstd.ZstdError as err:
            raise GatewayProtocolError("bad zstd-stream data") from err
        return _text(bytes(out))


class PerPayloadZlibInflater:
    """Legacy ``compress: true``: each binary frame is a complete zlib stream."""

    def feed(self, data: bytes | str) -> str | None:
        if isinstance(data, str):
            return data
        inflate = zlib.decompressobj()
        try:
            out = inflate.decompress(data, MAX_MESSAGE_BYTES)
        except zlib.error as err:
            raise GatewayProtocolError("bad zlib payload") from err
        if inflate.unconsumed_tail:
            raise GatewayProtocolError("zlib payload too large")
        if not inflate.eof:
            raise GatewayProtocolError("truncated zlib payload")
        return _text(out)


def make_inflater(compression: Compression | None) -> Inflater:
    """A fresh inflater for one connection (None = legacy per-payload zlib)."""
    if compression is None:
        return PerPayloadZlibInflater()
    if compression is Compression.ZSTD_STREAM:
        return ZstdStreamInflater()
    if compression is Compression.ZLIB_STREAM:
        return ZlibStreamInflater()
    return PlainInflater()
