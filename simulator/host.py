"""What a gateway connection may use of the server around it, and nothing more.

The hub (``hub.py``) satisfies this Protocol and owns the connections; a
connection knows only this narrow view, so the dependency points one way:
server -> hub -> connection -> host.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from simulator.accounts import Accounts
    from simulator.clock import Clock
    from simulator.records import Recorder
    from simulator.sessions import Session, Sessions


class ConnectionHost(Protocol):
    clock: Clock
    accounts: Accounts
    sessions: Sessions
    recorder: Recorder
    heartbeat_interval_ms: int
    bad_token_close_code: int
    hello_data: Any
    ready_extra: dict[str, Any] | None
    current_presence: dict[str, dict[str, Any]]

    @property
    def v10_url(self) -> str: ...

    @property
    def legacy_url(self) -> str: ...

    def take_over(self, session: Session, by: object) -> None:
        """``by`` resumed ``session``: any other live connection holding it closes 4000."""
        ...
