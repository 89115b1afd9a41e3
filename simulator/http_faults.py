"""Faults at the HTTP layer: failing REST calls and refused or silent upgrades.

Each rule answers the next ``count`` matching requests (None: until cleared);
the server asks ``take`` once per request and acts on what it returns.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

#: The REST paths a failure can be set on (below either API prefix).
REST_PATHS = frozenset({"/gateway", "/gateway/bot", "/users/@me", "/oauth2/applications/@me"})
RATE_LIMITED_MESSAGE = "You are being rate limited."


@dataclass
class Rule:
    """What to answer instead, and for how many more requests."""

    status: int | None
    count: int | None
    hang: bool = False
    retry_after: float = 0.0

    def take(self) -> bool:
        """Spend one use; False once the rule is used up."""
        if self.count is None:
            return True
        if self.count <= 0:
            return False
        self.count -= 1
        return True


def check_count(count: int | None) -> None:
    if count is not None and (isinstance(count, bool) or not isinstance(count, int) or count < 0):
        raise ValueError("count must be a non-negative integer or None")


def check_status(status: int) -> None:
    if isinstance(status, bool) or not isinstance(status, int) or not 100 <= status <= 599:
        raise ValueError("status must be an HTTP status code")


class RestFailures:
    """``fail_rest`` rules, one per path (a new rule replaces the old one)."""

    def __init__(self) -> None:
        self._rules: dict[str, Rule] = {}

    def set(
        self, path: str, status: int, *, count: int | None, hang: bool, retry_after: float
    ) -> None:
        if path not in REST_PATHS:
            raise ValueError(f"path must be one of {sorted(REST_PATHS)}")
        check_status(status)
        check_count(count)
        if retry_after < 0:
            raise ValueError("retry_after must not be negative")
        self._rules[path] = Rule(status, count, hang=hang, retry_after=retry_after)

    def clear(self) -> None:
        self._rules.clear()

    def take(self, path: str) -> Rule | None:
        """The rule that applies to this request, if any (spending one use)."""
        rule = self._rules.get(path)
        if rule is None:
            return None
        if not rule.take():
            del self._rules[path]
            return None
        if rule.count == 0:
            del self._rules[path]
        return rule


def failure_body(rule: Rule) -> tuple[dict[str, Any], dict[str, str]]:
    """Discord's body and headers for a failed REST call."""
    assert rule.status is not None
    if rule.status == HTTPStatus.TOO_MANY_REQUESTS:
        body = {
            "message": RATE_LIMITED_MESSAGE,
            "retry_after": rule.retry_after,
            "global": False,
        }
        headers = {
            # Retry-After is whole seconds (RFC 9110); the body keeps the fraction.
            "Retry-After": str(math.ceil(rule.retry_after)),
            "X-RateLimit-Scope": "user",
        }
        return body, headers
    try:
        reason = HTTPStatus(rule.status).phrase
    except ValueError:
        reason = "Error"
    return {"message": f"{rule.status}: {reason}", "code": 0}, {}


class UpgradeGate:
    """``refuse_gateway`` and ``silent_gateway`` for websocket upgrades."""

    def __init__(self) -> None:
        self._refusal: Rule | None = None
        self.silent = False

    def refuse(self, status: int | None, count: int | None) -> None:
        if status is None:
            self._refusal = None
            return
        check_status(status)
        check_count(count)
        self._refusal = Rule(status, count)

    def refusal(self) -> int | None:
        """The status to answer this upgrade with, or None to go on."""
        rule = self._refusal
        if rule is None:
            return None
        if not rule.take():
            self._refusal = None
            return None
        if rule.count == 0:
            self._refusal = None
        return rule.status
