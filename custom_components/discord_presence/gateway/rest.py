"""The client's REST calls: one bounded GET, and who a token belongs to.

Every request is bounded on the injected clock and raises only this
package's errors, never aiohttp's (whose reprs can carry the request's
headers, the token among them).
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any, Final

import aiohttp

from .clock import SystemClock
from .errors import AuthenticationFailed, GatewayProtocolError, GatewayUnavailable, describe
from .models import GatewayUser
from .waits import within

if TYPE_CHECKING:
    from .clock import Clock

DEFAULT_API_URL: Final = "https://discord.com/api/v10"
# Seconds on the injected clock: a REST call that takes longer is abandoned.
DEFAULT_REST_TIMEOUT: Final = 10.0


async def fetch_current_user(
    session: aiohttp.ClientSession,
    token: str,
    *,
    api_url: str = DEFAULT_API_URL,
    timeout: float = DEFAULT_REST_TIMEOUT,  # noqa: ASYNC109 - on the injected clock
    clock: Clock | None = None,
) -> GatewayUser:
    """GET /users/@me: who the token belongs to, judged by the REST API.

    401 -> AuthenticationFailed; network error, timeout, 429, 5xx or an
    unusable answer -> GatewayUnavailable. Never logs the token.
    """
    data = await rest_get(
        session,
        api_url.rstrip("/"),
        "/users/@me",
        token,
        timeout=timeout,
        clock=clock if clock is not None else SystemClock(),
    )
    try:
        return GatewayUser.from_payload(data)
    except GatewayProtocolError as err:
        raise GatewayUnavailable("GET /users/@me returned no usable user") from err


async def rest_get(
    session: aiohttp.ClientSession,
    api_url: str,
    path: str,
    token: str | None,
    *,
    timeout: float,  # noqa: ASYNC109 - on the injected clock
    clock: Clock,
) -> Any:
    """One authenticated (or not) GET, bounded by ``timeout`` on ``clock``."""
    request = asyncio.ensure_future(_request(session, f"{api_url}{path}", path, token))
    if not await within(clock, request, timeout):
        raise GatewayUnavailable(f"GET {path} timed out after {timeout:g} s")
    return request.result()


async def _request(session: aiohttp.ClientSession, url: str, path: str, token: str | None) -> Any:
    if token is not None and not (token.isascii() and token.isprintable()):
        # aiohttp refuses control characters in headers with a ValueError;
        # no real token has any (nor non-ASCII): it is simply not valid.
        raise AuthenticationFailed("authentication failed: the token has invalid characters")
    headers = {"Authorization": f"Bot {token}"} if token is not None else {}
    try:
        async with session.get(url, headers=headers) as resp:
            if resp.status == 401:
                raise AuthenticationFailed("authentication failed: HTTP 401 from the API")
            if resp.status != 200:
                # Our own error: aiohttp's would carry the request headers.
                raise GatewayUnavailable(f"GET {path} returned HTTP {resp.status}")
            try:
                return await resp.json(content_type=None)
            except ValueError as err:
                raise GatewayUnavailable(f"GET {path} returned invalid JSON") from err
    except (aiohttp.ClientError, OSError, TimeoutError) as err:
        raise GatewayUnavailable(f"GET {path} failed: {describe(err)}") from err
