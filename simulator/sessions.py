"""Gateway sessions: what survives a dropped socket so a client can resume."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Any

#: How many dispatches a session keeps for replay on resume.
REPLAY_LIMIT = 1000


@dataclass
class Session:
    """A gateway session: its id, token, sequence and dispatch history."""

    id: str
    token: str
    dialect: str
    seq: int = 0
    log: list[dict[str, Any]] = field(default_factory=list)
    #: ``clock.monotonic()`` after which a detached session can no longer resume.
    expires_at: float | None = None

    def next_dispatch(self, event: str, data: Any) -> dict[str, Any]:
        """Number and remember a dispatch; returns the frame to send."""
        self.seq += 1
        frame = {"op": 0, "s": self.seq, "t": event, "d": data}
        self.log.append(frame)
        del self.log[:-REPLAY_LIMIT]
        return frame

    def after(self, seq: int) -> list[dict[str, Any]]:
        """The dispatches sent after ``seq``, for a resume's replay."""
        return [frame for frame in self.log if frame["s"] > seq]


class Sessions:
    """Session id -> session. Detached sessions expire lazily."""

    def __init__(self, ttl: float) -> None:
        self.ttl = ttl
        self._by_id: dict[str, Session] = {}

    def create(self, token: str, dialect: str) -> Session:
        session = Session(id=secrets.token_hex(16), token=token, dialect=dialect)
        self._by_id[session.id] = session
        return session

    def find(self, session_id: object, token: str, dialect: str, now: float) -> Session | None:
        """A resumable session with this id, token and dialect, or None."""
        if not isinstance(session_id, str):
            return None
        session = self._by_id.get(session_id)
        if session is None or session.token != token or session.dialect != dialect:
            return None
        if session.expires_at is not None and now >= session.expires_at:
            self.end(session)
            return None
        return session

    def detach(self, session: Session, now: float) -> None:
        """The socket went away; the session stays resumable for ``ttl`` seconds."""
        session.expires_at = now + self.ttl

    def end(self, session: Session) -> None:
        self._by_id.pop(session.id, None)

    def clear(self) -> None:
        """Forget every session (a gateway restart that lost its state)."""
        self._by_id.clear()

    def __contains__(self, session_id: object) -> bool:
        return session_id in self._by_id
