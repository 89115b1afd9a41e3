"""What a permanent failure is called where users see it (setup message, action error, issue).

Users never see a Python class name: each kind of failure has its own
translated wording in strings.json, under the keys built here.
"""

from __future__ import annotations

from enum import StrEnum

from .gateway import (
    AuthenticationFailed,
    ClientCrashed,
    DisallowedIntents,
    FatalGatewayError,
    InvalidApiVersion,
    InvalidIntents,
    InvalidShard,
    ShardingRequired,
)


class FailureKind(StrEnum):
    """The kinds of permanent failure a user is told apart."""

    AUTH = "auth"
    INTENTS = "intents"
    API_VERSION = "api_version"
    SHARDING = "sharding"
    CRASHED = "crashed"  # the client's own bug, not Discord's refusal
    REFUSED = "refused"  # any other close code Discord does not let us retry


def failure_kind(err: FatalGatewayError) -> FailureKind:
    """The kind of `err`."""
    if isinstance(err, AuthenticationFailed):
        return FailureKind.AUTH
    if isinstance(err, InvalidIntents | DisallowedIntents):
        return FailureKind.INTENTS
    if isinstance(err, InvalidApiVersion):
        return FailureKind.API_VERSION
    if isinstance(err, InvalidShard | ShardingRequired):
        return FailureKind.SHARDING
    if isinstance(err, ClientCrashed):
        return FailureKind.CRASHED
    return FailureKind.REFUSED


# Setup errors and repair issues of the kinds that have no flow of their own
# (AUTH reauthenticates, INTENTS has its own issue).
FATAL_KEYS: dict[FailureKind, str] = {
    FailureKind.API_VERSION: "fatal_api_version",
    FailureKind.SHARDING: "fatal_sharding",
    FailureKind.CRASHED: "client_crashed",
    FailureKind.REFUSED: "fatal_refused",
}
# Actions refused after the failure ("... so nothing can be sent").
REFUSAL_KEYS: dict[FailureKind, str] = {
    FailureKind.AUTH: "failed_auth",
    FailureKind.INTENTS: "failed_intents",
    FailureKind.API_VERSION: "failed_api_version",
    FailureKind.SHARDING: "failed_sharding",
    FailureKind.CRASHED: "failed_crashed",
    FailureKind.REFUSED: "failed_refused",
}


def close_code_text(err: FatalGatewayError) -> str:
    """The close code for a message; "-" when there was none (the client stopped by itself)."""
    return "-" if err.close_code is None else str(err.close_code)
