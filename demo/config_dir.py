"""The Home Assistant configuration directory the demo runs on.

``configuration.yaml``, the stored HTTP settings (the port), the link to the
integration and a copy of the repository's blueprints: all written before Home
Assistant starts, and idempotent, so a kept directory only changes what differs.
"""

from __future__ import annotations

import contextlib
import json
import shutil
from typing import TYPE_CHECKING, Any

from demo.settings import DOMAIN, REPO

if TYPE_CHECKING:
    from pathlib import Path

CONFIGURATION_YAML = """\
# Written by demo/config_dir.py (python -m demo); rewritten on every run.
# Deliberately no default_config: it pulls in integrations that need the network.
homeassistant:
  name: Discord Presence demo
  unit_system: metric
  time_zone: UTC
  currency: EUR
  country: NL
  language: en
  # 0/0: onboarding's weather integration (met) then adds no entry (it needs the internet).
  latitude: 0
  longitude: 0
  elevation: 0
frontend:
config:
api:
# http: Home Assistant 2026.10 keeps the HTTP settings in .storage/http (YAML is
# migrated once and then ignored; a changed port would only be a "pending" trial
# that reverts after 5 minutes). The demo writes that file: 127.0.0.1:{ha_port}.
automation:
script:
lovelace:
# tts needs ffmpeg; without an ffmpeg binary on this machine, a no-op stands in
# (the demo plays no media) so its start-up check logs no error.
ffmpeg:
  ffmpeg_bin: {ffmpeg_bin}
logger:
  default: warning
  logs:
    custom_components.discord_presence: info
"""


def prepare_config_dir(config: Path, ha_port: int) -> None:
    """Write the configuration, the HTTP store, the integration link and the blueprints."""
    (config / "custom_components").mkdir(parents=True, exist_ok=True)
    (config / "configuration.yaml").write_text(
        CONFIGURATION_YAML.format(
            ha_port=ha_port, ffmpeg_bin=shutil.which("ffmpeg") or "/bin/true"
        ),
        encoding="utf-8",
    )
    for name in ("automations.yaml", "scripts.yaml"):
        path = config / name
        if not path.exists():
            path.write_text("[]\n" if name == "automations.yaml" else "{}\n", encoding="utf-8")
    write_http_store(config, ha_port)
    link = config / "custom_components" / DOMAIN
    target = REPO / "custom_components" / DOMAIN
    if link.is_symlink() and link.resolve() != target.resolve():
        link.unlink()
    if not link.exists():
        link.symlink_to(target, target_is_directory=True)
    # The repository's blueprints, copied (Home Assistant's blueprint search does
    # not follow symlinked folders), so they can be tried in the demo.
    source = REPO / "blueprints" / "automation" / DOMAIN
    target = config / "blueprints" / "automation" / DOMAIN
    if target.is_symlink():
        target.unlink()
    target.mkdir(parents=True, exist_ok=True)
    for blueprint in sorted(source.glob("*.yaml")):
        text = blueprint.read_text(encoding="utf-8")
        copy = target / blueprint.name
        if not copy.exists() or copy.read_text(encoding="utf-8") != text:
            copy.write_text(text, encoding="utf-8")


def write_http_store(config: Path, ha_port: int) -> None:
    """Bind Home Assistant to 127.0.0.1:ha_port (its stored, confirmed HTTP config)."""
    storage = config / ".storage"
    storage.mkdir(parents=True, exist_ok=True)
    path = storage / "http"
    data: dict[str, Any] = {}
    if path.exists():
        with contextlib.suppress(ValueError):
            data = json.loads(path.read_text(encoding="utf-8"))
    stable = dict(data.get("data", {}).get("stable") or {})
    stable.update(
        {
            "server_port": ha_port,
            "server_host": ["127.0.0.1"],
            "cors_allowed_origins": stable.get("cors_allowed_origins", []),
            "login_attempts_threshold": -1,
            "ip_ban_enabled": False,
            "ssl_profile": "modern",
            "use_x_frame_options": True,
            "created_at": stable.get("created_at") or "2026-01-01T00:00:00+00:00",
            "error": None,
            "error_message": None,
        }
    )
    store = {
        "version": 2,
        "minor_version": 2,
        "key": "http",
        "data": {"stable": stable, "pending": None, "yaml_migration_done": True},
    }
    if data != store:
        path.write_text(json.dumps(store, indent=2) + "\n", encoding="utf-8")


def onboarded(config: Path) -> bool:
    """Whether every onboarding step is recorded as done in the config directory."""
    path = config / ".storage" / "onboarding"
    try:
        done = set(json.loads(path.read_text(encoding="utf-8"))["data"]["done"])
    except (OSError, ValueError, KeyError, TypeError):
        return False
    return {"user", "core_config", "analytics", "integration"} <= done
