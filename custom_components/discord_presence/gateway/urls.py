"""Where the token may travel: only over TLS, or to this machine.

The API URL, every gateway URL the server hands out (``/gateway``, READY's
``resume_gateway_url``, the legacy op 7 redirect) and the websocket behind
them carry the token in a header or an IDENTIFY/RESUME payload. A server, or
anyone who can answer for it, must not be able to steer that into clear text.
"""

from __future__ import annotations

import ipaddress
from typing import Final
from urllib.parse import urlsplit

_SECURE: Final = frozenset({"https", "wss"})
_PLAIN: Final = frozenset({"http", "ws"})
_HTTP: Final = frozenset({"http", "https"})
_WS: Final = frozenset({"ws", "wss"})


def is_loopback_host(host: str) -> bool:
    """127.0.0.0/8, ::1 or localhost: traffic that never leaves the machine."""
    host = host.strip("[]").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _host(url: str, schemes: frozenset[str]) -> str | None:
    """The URL's host when it is absolute, of one of ``schemes`` and safe for the token."""
    try:
        parts = urlsplit(url.strip())
        host = parts.hostname
        parts.port  # noqa: B018 - raises ValueError for a malformed port
    except ValueError:
        return None
    if parts.scheme not in schemes or not host or parts.username or parts.password:
        return None
    if parts.scheme in _SECURE or is_loopback_host(host):
        return host
    return None


def is_safe_api_url(url: str) -> bool:
    """An http(s) API URL the token may be sent to (https, or http to loopback)."""
    return _host(url, _HTTP) is not None


def is_safe_gateway_url(url: str) -> bool:
    """A ws(s) gateway URL the token may be sent to (wss, or ws to loopback)."""
    return _host(url, _WS) is not None


def host_of(url: str) -> str | None:
    """The URL's host (lowercase), or None when it has none."""
    try:
        return urlsplit(url.strip()).hostname
    except ValueError:
        return None


def host_for_log(url: str) -> str:
    """A URL's host for the log (the rest of a URL may carry a session's query)."""
    return host_of(url) or "a URL without a host"
