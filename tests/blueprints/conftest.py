"""Blueprint tests reuse the integration tests' fixtures: a real simulator on
loopback, the config entry pointed at it, and the client on a ManualClock."""

from __future__ import annotations

from tests.integration.conftest import (  # noqa: F401  (fixtures, registered by import)
    auto_enable_custom_integrations,
    client_on_manual_clock,
    config_entry,
    loaded_entry,
    platforms,
    sim,
    token_never_logged,
)
