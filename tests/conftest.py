"""Fixtures shared by every test package."""

from __future__ import annotations

from tests.clock import ManualClock

import pytest


@pytest.fixture
def clock() -> ManualClock:
    """Virtual time for the client and the simulator alike."""
    return ManualClock()
