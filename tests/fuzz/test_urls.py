"""The token only travels over TLS or to this machine, whatever URL a server hands out."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from custom_components.discord_presence.gateway.urls import (
    is_loopback_host,
    is_safe_api_url,
    is_safe_gateway_url,
)


@pytest.mark.parametrize(
    ("url", "safe"),
    [
        ("wss://gateway.discord.gg", True),
        ("wss://gateway-us-east1-b.discord.gg/?v=10", True),
        ("ws://127.0.0.1:8765/gateway", True),
        ("ws://localhost:8765", True),
        ("ws://[::1]:8765", True),
        ("ws://gateway.discord.gg", False),  # clear text to a remote host
        ("ws://10.0.0.5:8765", False),  # a LAN host is not loopback
        ("ws://127.0.0.1.evil.example", False),
        ("https://gateway.discord.gg", False),  # not a websocket URL
        ("wss://user:pw@gateway.discord.gg", False),
        ("wss://", False),
        ("gateway.discord.gg", False),
        ("wss://gateway.discord.gg:99999", False),
        ("", False),
    ],
)
def test_gateway_urls(url: str, safe: bool) -> None:
    assert is_safe_gateway_url(url) is safe


@pytest.mark.parametrize(
    ("url", "safe"),
    [
        ("https://discord.com/api/v10", True),
        ("http://127.0.0.1:8765/api/v10", True),
        ("http://discord.com/api/v10", False),
        ("ftp://discord.com/api", False),
        ("wss://discord.com/api", False),
    ],
)
def test_api_urls(url: str, safe: bool) -> None:
    assert is_safe_api_url(url) is safe


@given(url=st.text(max_size=60))
def test_any_text_is_judged_without_error(url: str) -> None:
    """Arbitrary text: a yes or a no, never an exception; plain text only to loopback."""
    for check in (is_safe_api_url, is_safe_gateway_url):
        if check(url) and url.strip().split(":", 1)[0] in ("http", "ws"):
            host = url.strip().split("//", 1)[1].split("/", 1)[0].rsplit(":", 1)[0]
            assert is_loopback_host(host) or host.startswith("[")


@given(host=st.ip_addresses())
def test_remote_addresses_need_tls(host: object) -> None:
    """Any IP address that is not loopback gets no clear-text gateway."""
    text = f"[{host}]" if ":" in str(host) else str(host)
    assert is_safe_gateway_url(f"ws://{text}/") is is_loopback_host(str(host))
    assert is_safe_gateway_url(f"wss://{text}/")
