"""Errors raised by the gateway client.

No message built here ever includes the token: callers may log or show any of
these to the user as they are.
"""

from __future__ import annotations

from typing import Final, Literal

type PresenceErrorReason = Literal[
    "name_too_long",
    "state_too_long",
    "name_required",
    "url_not_streaming",
    "invalid_stream_url",
    "unsupported_by_legacy",
    "frame_too_large",
]

PRESENCE_ERROR_REASONS: Final[frozenset[str]] = frozenset(
    {
        "name_too_long",
        "state_too_long",
        "name_required",
        "url_not_streaming",
        "invalid_stream_url",
        "unsupported_by_legacy",
        "frame_too_large",
    }
)


class GatewayError(Exception):
    """Base class of everything the gateway package raises on purpose."""


class PresenceError(GatewayError, ValueError):
    """A presence the client refuses to send; ``reason`` is machine-readable."""

    def __init__(self, reason: PresenceErrorReason, message: str) -> None:
        super().__init__(message)
        self.reason: PresenceErrorReason = reason


class FatalGatewayError(GatewayError):
    """The client gave up for good: retrying cannot help, the user must act."""

    default_close_code: int | None = None
    default_message = "the gateway refused the connection for good"

    def __init__(self, message: str | None = None, *, close_code: int | None = None) -> None:
        super().__init__(message or self.default_message)
        self.close_code: int | None = (
            close_code if close_code is not None else (self.default_close_code)
        )


class AuthenticationFailed(FatalGatewayError):
    """The token was rejected (close 4004 or HTTP 401)."""

    default_close_code = 4004
    default_message = "authentication failed: the token was rejected"


class InvalidIntents(FatalGatewayError):
    """Close 4013: the intents value is invalid."""

    default_close_code = 4013
    default_message = "invalid intents"


class DisallowedIntents(FatalGatewayError):
    """Close 4014: privileged intents that the application may not use."""

    default_close_code = 4014
    default_message = "disallowed (privileged) intents"


class InvalidShard(FatalGatewayError):
    """Close 4010."""

    default_close_code = 4010
    default_message = "invalid shard"


class ShardingRequired(FatalGatewayError):
    """Close 4011."""

    default_close_code = 4011
    default_message = "sharding required"


class InvalidApiVersion(FatalGatewayError):
    """Close 4012."""

    default_close_code = 4012
    default_message = "invalid API version"


class IdentifyBudgetExhausted(FatalGatewayError):
    """No session starts left today; identifying anyway would get the token reset.

    Kept for callers that still name it: ``GatewayClient.run()`` no longer
    raises it, the client waits in ``ConnectionState.WAITING`` instead.
    """

    default_message = "the daily identify budget is exhausted"

    def __init__(self, reset_after: float, message: str | None = None) -> None:
        super().__init__(
            message or f"{self.default_message}; it resets in {reset_after:.0f} s",
            close_code=None,
        )
        self.reset_after: float = reset_after


class ClientCrashed(FatalGatewayError):
    """The client's own loop failed in a way retrying cannot fix (a bug).

    The original exception is the ``__cause__``.
    """

    default_message = "the gateway client stopped on an unexpected error"


class GatewayUnavailable(GatewayError):
    """Transient: the API could not be reached (network, timeout, 429 or 5xx)."""


class GatewayProtocolError(GatewayError):
    """The server sent something undecodable; the connection gets recycled (internal)."""


def describe(err: BaseException) -> str:
    """A log-safe description (aiohttp errors can carry request headers in reprs)."""
    return f"{type(err).__name__}: {err}"
