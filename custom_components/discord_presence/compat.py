"""Seams between the supported Home Assistant versions (2026.2 and later).

Keep every version difference here, behind one name each, so the rest of the
integration reads as if there were only one Home Assistant.
"""

from __future__ import annotations

# Schema validation. Home Assistant 2026.9 replaced voluptuous with probatio
# (``import voluptuous`` then resolves to a probatio shim at runtime, but the
# type hints of flows and services name probatio's classes). Older versions
# only have voluptuous. Both offer the same Schema/Required/Optional/In/Any.
try:
    import probatio as vol  # type: ignore[import-not-found,unused-ignore]
except ImportError:  # pragma: no cover - Home Assistant < 2026.9
    import voluptuous as vol  # type: ignore[no-redef,unused-ignore]

# Serving static files. Home Assistant 2026.3 moved the http server's types
# into ``homeassistant.components.http.server``; older versions define them in
# the package itself.
try:
    from homeassistant.components.http.server import (  # type: ignore[import-not-found,unused-ignore]
        HomeAssistantHTTP,
        StaticPathConfig,
    )
except ImportError:  # pragma: no cover - Home Assistant < 2026.3
    from homeassistant.components.http import (  # type: ignore[attr-defined,no-redef,unused-ignore]
        HomeAssistantHTTP,
        StaticPathConfig,
    )

__all__ = ["HomeAssistantHTTP", "StaticPathConfig", "vol"]
