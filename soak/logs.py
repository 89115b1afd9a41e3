"""Every log line of the run, at DEBUG, checked for secrets and counted by level.

Lines are formatted (tracebacks included) and checked as they are emitted,
then dropped: a 10,000-fault run must not keep its log in memory.
"""

from __future__ import annotations

import logging
from collections import Counter
from typing import TYPE_CHECKING, Self

if TYPE_CHECKING:
    from types import TracebackType

# The loggers whose WARNING+ lines the report counts: the client's own.
CLIENT_LOGGER = "custom_components.discord_presence"


class SecretWatch(logging.Handler):
    """Root handler at DEBUG: remembers the first line that holds a secret."""

    def __init__(self, secrets: list[str]) -> None:
        super().__init__(logging.DEBUG)
        self._secrets = [s for s in secrets if s]
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))
        self.leak: str | None = None
        self.lines = 0
        self.client_levels: Counter[str] = Counter()
        self.client_levels_total: Counter[str] = Counter()
        self._saved_level = logging.NOTSET

    def emit(self, record: logging.LogRecord) -> None:
        self.lines += 1
        if record.name.startswith(CLIENT_LOGGER):
            self.client_levels[record.levelname] += 1
            self.client_levels_total[record.levelname] += 1
        try:
            line = self.format(record)
        except Exception as err:
            line = f"unformattable log record from {record.name}: {err!r}"
        if self.leak is None and any(secret in line for secret in self._secrets):
            self.leak = line

    def take_client_levels(self) -> Counter[str]:
        """The client's log lines by level since the last call."""
        levels, self.client_levels = self.client_levels, Counter()
        return levels

    def __enter__(self) -> Self:
        root = logging.getLogger()
        self._saved_level = root.level
        root.setLevel(logging.DEBUG)
        root.addHandler(self)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        root = logging.getLogger()
        root.removeHandler(self)
        root.setLevel(self._saved_level)
