"""Bot accounts the simulator knows: tokens, users and the identify budget."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from simulator.clock import Clock

#: Discord's session start window: the identify budget refills after 24 hours.
BUDGET_WINDOW = 24 * 60 * 60.0


@dataclass
class Account:
    """One bot token and what Discord keeps about it."""

    token: str
    user_id: str
    username: str
    global_name: str | None
    application_id: str
    privileged_intents: int
    session_start_total: int
    session_start_remaining: int
    window_ends: float
    revoked: bool = False
    avatar: str | None = None  # the avatar's hash, as Discord's user object has it

    def user(self) -> dict[str, Any]:
        """The user object of ``GET /users/@me`` and READY."""
        return {
            "id": self.user_id,
            "username": self.username,
            "global_name": self.global_name,
            "discriminator": "0",
            "avatar": self.avatar,
            "bot": True,
            "verified": True,
            "flags": 0,
            "mfa_enabled": False,
        }

    def application(self) -> dict[str, Any]:
        """The application object of ``GET /oauth2/applications/@me``."""
        return {
            "id": self.application_id,
            "name": self.username,
            "icon": None,
            "description": "",
            "bot_public": False,
            "bot_require_code_grant": False,
            "owner": {
                "id": "1",
                "username": "owner",
                "global_name": None,
                "discriminator": "0",
                "avatar": None,
            },
            "team": None,
            "verify_key": "0" * 64,
            "flags": 0,
            "bot": self.user(),
        }


class Accounts:
    """Token -> account, with the per-token session start limit."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._by_token: dict[str, Account] = {}

    def add(
        self,
        token: str,
        *,
        user_id: str,
        username: str,
        global_name: str | None,
        privileged_intents: int,
        total: int,
        remaining: int,
        now: float,
        avatar: str | None = None,
    ) -> None:
        self._by_token[token] = Account(
            token=token,
            user_id=user_id,
            username=username,
            global_name=global_name,
            application_id=user_id,
            privileged_intents=privileged_intents,
            session_start_total=total,
            session_start_remaining=remaining,
            window_ends=now + BUDGET_WINDOW,
            avatar=avatar,
        )

    def get(self, token: object) -> Account | None:
        """The live account for ``token``; None when unknown or reset."""
        if not isinstance(token, str):
            return None
        account = self._by_token.get(token)
        if account is None or account.revoked:
            return None
        self._refill(account)
        return account

    def all(self) -> list[Account]:
        return list(self._by_token.values())

    def known(self, token: str) -> Account:
        """The account for ``token`` even when revoked; KeyError when unknown."""
        account = self._by_token.get(token)
        if account is None:
            raise KeyError("unknown token")  # never echo a token
        return account

    def set_limit(
        self,
        account: Account,
        *,
        remaining: int | None,
        total: int | None,
        reset_after: float | None,
        now: float | None,
    ) -> None:
        """Overwrite the session start budget; ``reset_after`` is seconds from ``now``.

        ``now`` is None before the simulator first starts, when windows are
        still relative (``start`` anchors them to the clock).
        """
        for name, value in (("remaining", remaining), ("total", total)):
            if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
                raise ValueError(f"{name} must be an integer")
            if value is not None and value < 0:
                raise ValueError(f"{name} must not be negative")
        if reset_after is not None and not reset_after >= 0:
            raise ValueError("reset_after must be a non-negative number of seconds")
        if now is not None:
            self._refill(account)
        if total is not None:
            account.session_start_total = total
        if remaining is not None:
            account.session_start_remaining = remaining
        if reset_after is not None:
            account.window_ends = (now or 0.0) + reset_after

    def reset_after_ms(self, account: Account) -> int:
        self._refill(account)
        return max(0, round((account.window_ends - self._clock.monotonic()) * 1000))

    def _refill(self, account: Account) -> None:
        now = self._clock.monotonic()
        if now >= account.window_ends:
            account.session_start_remaining = account.session_start_total
            account.window_ends = now + BUDGET_WINDOW
