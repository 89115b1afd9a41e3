"""Callbacks that observers register, called one by one, each failure contained."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import logging
    from collections.abc import Callable


class Listeners:
    """A list of ``cb()`` callbacks; one that raises is logged and the rest still run."""

    def __init__(self, logger: logging.Logger, what: str) -> None:
        self._logger = logger
        self._what = what
        self._callbacks: list[Callable[[], None]] = []

    def add(self, cb: Callable[[], None]) -> Callable[[], None]:
        """Register ``cb``; returns an unsubscribe."""
        self._callbacks.append(cb)

        def unsubscribe() -> None:
            if cb in self._callbacks:
                self._callbacks.remove(cb)

        return unsubscribe

    def call(self) -> None:
        """Call every callback (a copy of the list: one may unsubscribe)."""
        for cb in list(self._callbacks):
            try:
                cb()
            except Exception:
                self._logger.exception("%s listener failed", self._what)
