"""Hypothesis profiles for the property-based tests.

``ci`` (the default) is small and derandomised, so a run replays exactly and
stays fast; ``long`` explores far more on demand:

    HYPOTHESIS_PROFILE=long script/test tests/fuzz
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

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
