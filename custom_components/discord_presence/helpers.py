"""Small helpers shared by the config flow, the coordinator and the services."""

from __future__ import annotations

import asyncio
import ipaddress
from dataclasses import replace
from typing import TYPE_CHECKING

from yarl import URL

from .gateway import (
    Activity,
    ActivityType,
    ConnectionState,
    Dialect,
    GatewayClient,
    Presence,
    Status,
)

if TYPE_CHECKING:
    import aiohttp

    from .gateway import GatewayUser


def is_allowed_api_url(api_url: str) -> bool:
    """Return whether the token may be sent to this API URL.

    https is required; plain http is accepted only for a loopback host
    (127.0.0.0/8, ::1, localhost), so a token never travels in clear text.
    """
    try:
        url = URL(api_url.strip())
    except ValueError:
        return False
    if not url.host or not url.absolute:
        return False
    if url.scheme == "https":
        return True
    if url.scheme != "http":
        return False
    host = url.host.lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def account_name(user: GatewayUser) -> str:
    """The name shown for an account: its display name, else its username."""
    return user.global_name or user.username


class CannotConnect(Exception):
    """The gateway could not be reached or did not answer in time."""


async def async_probe_account(
    session: aiohttp.ClientSession,
    token: str,
    api_url: str,
    protocol: str,
    ready_timeout: float,
) -> GatewayUser:
    """Connect once, wait for READY, close; return the account.

    Raises the client's FatalGatewayError (AuthenticationFailed,
    InvalidIntents, DisallowedIntents, ...) or CannotConnect (unreachable, no READY within the
    timeout, or the first connection attempt failed and the client is backing
    off to retry).
    """
    client = GatewayClient(session, token, api_url=api_url, dialect=Dialect(protocol))
    retrying = asyncio.Event()

    def _on_change() -> None:
        if client.snapshot().state is ConnectionState.RECONNECTING:
            retrying.set()

    unsubscribe = client.add_listener(_on_change)
    run_task = asyncio.ensure_future(client.run())
    ready_task = asyncio.ensure_future(client.wait_until_ready())
    retry_task = asyncio.ensure_future(retrying.wait())
    try:
        done, _ = await asyncio.wait(
            {run_task, ready_task, retry_task},
            timeout=ready_timeout,
            return_when=asyncio.FIRST_COMPLETED,
        )
        if ready_task in done:
            return ready_task.result()  # raises the fatal error if run() gave up
        if run_task in done and (error := run_task.exception()) is not None:
            raise error
        raise CannotConnect
    finally:
        unsubscribe()
        ready_task.cancel()
        retry_task.cancel()
        await client.close()
        await asyncio.gather(run_task, ready_task, retry_task, return_exceptions=True)


CUSTOM_STATUS_NAME = "Custom Status"  # the name bots send with a custom status


def activity_text(activity: Activity | None) -> str:
    """The text an activity shows (its name, or a custom status's text)."""
    if activity is None:
        return ""
    if activity.type is ActivityType.CUSTOM:
        return activity.custom_text
    return activity.name


def build_activity(
    text: str,
    activity_type: ActivityType,
    *,
    url: str | None = None,
    state: str | None = None,
) -> Activity | None:
    """An activity showing `text` as `activity_type`; None when `text` is empty.

    Raises PresenceError for what Discord does not accept.
    """
    if not text:
        return None
    if activity_type is ActivityType.CUSTOM:
        return Activity(name=CUSTOM_STATUS_NAME, type=activity_type, state=text)
    return Activity(name=text, type=activity_type, url=url or None, state=state or None)


def with_status(presence: Presence, status: Status, now_ms: int, *, afk: bool = False) -> Presence:
    """`presence` with another status; idle records since when (kept if already idle)."""
    since: int | None = None
    if status is Status.IDLE:
        since = presence.since if presence.status is Status.IDLE and presence.since else now_ms
    return replace(presence, status=status, since=since, afk=afk)
