"""Fixtures shared by every test package, and the hypothesis profiles.

Hypothesis profiles: ``ci`` (the default) is small and derandomised, so a run
replays exactly and stays fast; ``long`` explores far more on demand:

    HYPOTHESIS_PROFILE=long script/test tests/fuzz tests/integration/test_fuzz_user_input.py
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

from tests.clock import ManualClock

# One simulator per test serves every example of that test: the fixture is
# deliberately function-scoped, so hypothesis' warning about it does not apply.
_SHARED = {
    "suppress_health_check": [HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    "deadline": None,
    "print_blob": True,
}
settings.register_profile("ci", max_examples=60, derandomize=True, **_SHARED)
settings.register_profile("long", max_examples=2000, **_SHARED)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


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
