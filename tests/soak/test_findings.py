"""Defects the soak found, each replayed from its seed (issue 8: every defect
gets a regression test that replays its seed).

They are expected to fail until the client is fixed: ``xfail(strict=True)``
turns into a failure the moment a fix makes one pass, as a reminder to drop
its marker and keep it as the regression test.
"""

from __future__ import annotations

import io

import pytest

from soak.config import SoakConfig
from soak.harness import ClientSoak

IDENTIFYS = "IDENTIFYs <= faults that need a new session + 1"
CONVERGES = "presence converges"


class KnownDefect(Exception):
    """The breach the finding describes (any other breach fails the test)."""


async def _replay(config: SoakConfig, invariant: str) -> None:
    stats = await ClientSoak(config, out=io.StringIO()).run()
    breach = stats.breach
    if breach is not None and breach.startswith(f"SOAK BREACH: {invariant}\n"):
        raise KnownDefect(breach)
    assert breach is None, breach


@pytest.mark.xfail(
    raises=KnownDefect,
    strict=True,
    reason="client: RESUME_ATTEMPTS (5 failed connection attempts) gives up a resumable "
    "session; a 51 s gateway outage costs an IDENTIFY (issue 7 section 3)",
)
async def test_short_outage_resumes_instead_of_identifying() -> None:
    await _replay(
        SoakConfig(seed=1, faults=1, only=("gateway outage (sessions kept)",), memory=False),
        IDENTIFYS,
    )


@pytest.mark.xfail(
    raises=KnownDefect,
    strict=True,
    reason="client: once 100 identifies are in the 24 h ledger, an outage that makes "
    "/gateway/bot unreadable puts the client in WAITING for ~21 h, though the server "
    "is back in minutes and the budget (1000) is far from spent",
)
async def test_outage_after_many_identifies_does_not_wait_a_day() -> None:
    await _replay(
        SoakConfig(
            seed=5,
            faults=119,
            only=("op 9 false", "session expiry (long outage)"),
            memory=False,
        ),
        CONVERGES,
    )


@pytest.mark.xfail(
    raises=KnownDefect,
    strict=True,
    reason="client: the backoff is reset only after 60 s of stable connection, so a few "
    "refused upgrades soon after an earlier fault wait past the 120 s session window "
    "and the resume fails (op 9 false, then IDENTIFY)",
)
async def test_refused_upgrades_do_not_outlast_the_session() -> None:
    await _replay(
        SoakConfig(seed=3, faults=2, only=("upgrades refused after drop",), memory=False),
        IDENTIFYS,
    )
