"""Fixtures shared by every test package."""

from __future__ import annotations

import pytest

from tests.clock import ManualClock


@pytest.fixture(autouse=True)
def _loopback_sockets(socket_enabled: None) -> None:
    """Every test talks to the simulator over real loopback sockets.

    pytest-homeassistant-custom-component blocks sockets by default; the
    machines have no route out anyway, and tests only ever bind 127.0.0.1.
    """


@pytest.fixture
def clock() -> ManualClock:
    """Virtual time for the client and the simulator alike."""
    return ManualClock()
