"""What hassfest (Home Assistant's validator, not installable) would check, checked here."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

import custom_components.discord_presence as integration

PACKAGE = Path(integration.__file__).parent
SOURCES = list(PACKAGE.glob("*.py"))
STRINGS = json.loads((PACKAGE / "strings.json").read_text(encoding="utf-8"))
EN = json.loads((PACKAGE / "translations" / "en.json").read_text(encoding="utf-8"))
ICONS = json.loads((PACKAGE / "icons.json").read_text(encoding="utf-8"))
MANIFEST = json.loads((PACKAGE / "manifest.json").read_text(encoding="utf-8"))
SERVICES = yaml.safe_load((PACKAGE / "services.yaml").read_text(encoding="utf-8"))
QUALITY = yaml.safe_load((PACKAGE / "quality_scale.yaml").read_text(encoding="utf-8"))
CODE = "\n".join(p.read_text(encoding="utf-8") for p in SOURCES)

RULES = {
    "bronze": """action-setup appropriate-polling brands common-modules config-flow-test-coverage
        config-flow dependency-transparency docs-actions docs-high-level-description
        docs-installation-instructions docs-removal-instructions entity-event-setup
        entity-unique-id has-entity-name runtime-data test-before-configure
        test-before-setup unique-config-entry""",
    "silver": """action-exceptions config-entry-unloading docs-configuration-parameters
        docs-installation-parameters entity-unavailable integration-owner
        log-when-unavailable parallel-updates reauthentication-flow test-coverage""",
    "gold": """devices diagnostics discovery-update-info discovery docs-data-update
        docs-examples docs-known-limitations docs-supported-devices docs-supported-functions
        docs-troubleshooting docs-use-cases dynamic-devices entity-category
        entity-device-class entity-disabled-by-default entity-translations
        exception-translations icon-translations reconfiguration-flow repair-issues
        stale-devices""",
    "platinum": "async-dependency inject-websession strict-typing",
}


def test_manifest() -> None:
    """domain, name, then alphabetical; the keys HACS and HA need."""
    keys = list(MANIFEST)
    assert keys[:2] == ["domain", "name"]
    assert keys[2:] == sorted(keys[2:])
    for key in (
        "codeowners",
        "config_flow",
        "documentation",
        "integration_type",
        "iot_class",
        "issue_tracker",
        "requirements",
        "version",
    ):
        assert key in MANIFEST, key
    assert MANIFEST["domain"] == "discord_presence" == integration.DOMAIN
    assert MANIFEST["config_flow"] is True
    assert MANIFEST["iot_class"] == "cloud_push"
    assert MANIFEST["integration_type"] == "service"


def test_strings_equal_english() -> None:
    """translations/en.json is strings.json (custom integrations ship both)."""
    assert STRINGS == EN


def test_services_translated() -> None:
    """Every service and field has a name and description; icons exist."""
    assert set(SERVICES) == set(STRINGS["services"]) == set(ICONS["services"])
    for service, spec in SERVICES.items():
        translated = STRINGS["services"][service]
        assert translated["name"]
        assert translated["description"]
        assert set(spec.get("fields", {})) == set(translated["fields"]), service
        for field in spec.get("fields", {}):
            assert translated["fields"][field]["name"], (service, field)
            assert translated["fields"][field]["description"], (service, field)
            selector = spec["fields"][field].get("selector", {})
            if (key := selector.get("select", {}).get("translation_key")) is not None:
                options = set(STRINGS["selector"][key]["options"])
                assert set(selector["select"]["options"]) == options


def _leaves(data: Any) -> list[str]:
    if isinstance(data, dict):
        return [leaf for value in data.values() for leaf in _leaves(value)]
    return [data]


def test_icons_are_mdi() -> None:
    """Every icon is an mdi: icon; every entity icon belongs to a translated entity."""
    for icon in _leaves(ICONS):
        assert isinstance(icon, str)
        assert icon.startswith("mdi:"), icon
    for platform, entities in ICONS["entity"].items():
        for key, spec in entities.items():
            assert key in STRINGS["entity"][platform], (platform, key)
            states = STRINGS["entity"][platform][key].get("state", {})
            assert set(spec.get("state", {})) <= set(states), (platform, key)


def test_translation_keys_used_in_code_exist() -> None:
    """translation_key=, errors, abort reasons and exceptions used in code are translated."""
    exceptions = set(STRINGS["exceptions"])
    entity_keys = {k for platform in STRINGS["entity"].values() for k in platform}
    for key in re.findall(r'translation_key="([a-z_]+)"', CODE):
        assert key in exceptions | entity_keys | set(STRINGS["issues"]), key
    for key in re.findall(r'errors\["base"\] = "([a-z_]+)"', CODE):
        assert key in STRINGS["config"]["error"], key
    for key in re.findall(r'reason="([a-z_]+)"', CODE):
        assert key in STRINGS["config"]["abort"], key
    # Keys passed through constants: presence error reasons, issue kinds and
    # the wording of each kind of permanent failure.
    from custom_components.discord_presence.const import ISSUE_FATAL, ISSUE_KINDS
    from custom_components.discord_presence.failures import FATAL_KEYS, REFUSAL_KEYS, FailureKind
    from custom_components.discord_presence.gateway import PRESENCE_ERROR_REASONS

    assert exceptions >= PRESENCE_ERROR_REASONS
    # ISSUE_FATAL is an issue id, worded per kind of failure by FATAL_KEYS.
    assert set(ISSUE_KINDS) - {ISSUE_FATAL} <= set(STRINGS["issues"])
    assert set(FATAL_KEYS.values()) <= set(STRINGS["issues"]) & exceptions
    assert set(REFUSAL_KEYS) == set(FailureKind)
    assert set(REFUSAL_KEYS.values()) <= exceptions
    for key in re.findall(r'\bkey = "([a-z_]+)"', CODE):
        assert key in exceptions, key
    for key in re.findall(r"translation_key=(CONF_[A-Z_]+)", CODE):
        from custom_components.discord_presence import const

        assert getattr(const, key) in STRINGS["selector"], key
    for step in ("user", "reauth_confirm", "reconfigure"):
        assert step in STRINGS["config"]["step"]
    for reason in ("already_configured", "reauth_successful", "reconfigure_successful"):
        assert reason in STRINGS["config"]["abort"]


def test_data_descriptions_complete() -> None:
    """Every field of every step has a data_description (sections included)."""

    def check(step: dict[str, Any]) -> None:
        assert set(step.get("data", {})) == set(step.get("data_description", {}))
        for section in step.get("sections", {}).values():
            check(section)

    for step in [*STRINGS["config"]["step"].values(), *STRINGS["options"]["step"].values()]:
        check(step)


def test_entity_translations_complete() -> None:
    """Entities with a translation key have a name; enum/select states are all translated."""
    from custom_components.discord_presence.const import ACTIVITY_TYPE_OPTIONS, CONNECTION_STATES
    from custom_components.discord_presence.select import STATUS_OPTIONS

    assert set(STRINGS["entity"]["sensor"]["connection"]["state"]) == set(CONNECTION_STATES)
    assert set(STRINGS["entity"]["select"]["status"]["state"]) == {str(s) for s in STATUS_OPTIONS}
    assert set(STRINGS["entity"]["select"]["activity_type"]["state"]) == set(ACTIVITY_TYPE_OPTIONS)


@pytest.mark.parametrize("tier", list(RULES))
def test_quality_scale_complete(tier: str) -> None:
    """Every rule of every tier is done or exempt with a comment; none left todo."""
    rules = QUALITY["rules"]
    for rule in RULES[tier].split():
        assert rule in rules, rule
        status = rules[rule] if isinstance(rules[rule], str) else rules[rule]["status"]
        assert status in ("done", "exempt"), rule
        if status == "exempt":
            assert rules[rule]["comment"], rule


def test_platforms_parallel_updates() -> None:
    """Every platform module sets PARALLEL_UPDATES."""
    import importlib

    for platform in integration.PLATFORMS:
        module = importlib.import_module(f"custom_components.discord_presence.{platform}")
        assert isinstance(module.PARALLEL_UPDATES, int)


def test_services_do_not_import_platforms() -> None:
    """Actions share constants through const/helpers, never through an entity platform."""
    text = (PACKAGE / "services.py").read_text(encoding="utf-8")
    for platform in integration.PLATFORMS:
        assert f"from .{platform} import" not in text, platform
