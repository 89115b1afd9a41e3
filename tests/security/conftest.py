"""The gateway tests' simulator fixtures serve the security tests too."""

from tests.gateway.conftest import http, legacy_sim, sim

__all__ = ["http", "legacy_sim", "sim"]
