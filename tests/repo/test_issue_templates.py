"""The issue forms parse as GitHub issue forms and ask for what a bug report needs."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / ".github" / "ISSUE_TEMPLATE"
FORMS = ("bug_report.yml", "feature_request.yml")
ELEMENT_TYPES = {"markdown", "textarea", "input", "dropdown", "checkboxes"}
DOMAIN = "discord_presence"


def _load(name: str) -> dict[str, Any]:
    data = yaml.safe_load((TEMPLATES / name).read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def _element(form: dict[str, Any], element_id: str) -> dict[str, Any]:
    found = [e for e in form["body"] if e.get("id") == element_id]
    assert len(found) == 1, f"no element {element_id!r}"
    return found[0]


def _required(element: dict[str, Any]) -> bool:
    return bool(element.get("validations", {}).get("required"))


def test_only_the_expected_files() -> None:
    assert {p.name for p in TEMPLATES.iterdir()} == {*FORMS, "config.yml"}


@pytest.mark.parametrize("name", FORMS)
def test_form_has_the_issue_form_shape(name: str) -> None:
    form = _load(name)
    assert isinstance(form["name"], str)
    assert form["name"]
    assert isinstance(form["description"], str)
    assert form["description"]
    body = form["body"]
    assert isinstance(body, list)
    assert body
    ids = [e["id"] for e in body if "id" in e]
    assert len(ids) == len(set(ids)), "ids must be unique"
    assert any(e["type"] != "markdown" for e in body), "a form needs at least one field"
    for element in body:
        assert element["type"] in ELEMENT_TYPES
        attributes = element["attributes"]
        if element["type"] == "markdown":
            assert attributes["value"].strip()
            continue
        assert re.fullmatch(r"[a-z0-9_-]+", element["id"])
        assert attributes["label"].strip()
        if element["type"] == "dropdown":
            assert attributes["options"]
            assert all(isinstance(o, str) for o in attributes["options"])
        if element["type"] == "checkboxes":
            assert all(o["label"].strip() for o in attributes["options"])


def test_bug_report_warns_never_to_paste_the_token() -> None:
    form = _load("bug_report.yml")
    intro = form["body"][0]
    assert intro["type"] == "markdown", "the warning comes before any field"
    assert "Never paste your bot token" in intro["attributes"]["value"]
    assert "Reset Token" in intro["attributes"]["value"], "say what to do after a leak"
    checks = _element(form, "checks")["attributes"]["options"]
    token_check = [o for o in checks if "token" in o["label"]]
    assert token_check
    assert all(o.get("required") for o in token_check)


def test_bug_report_asks_for_diagnostics_and_debug_logs() -> None:
    form = _load("bug_report.yml")
    diagnostics = _element(form, "diagnostics")
    assert diagnostics["type"] == "textarea"
    assert _required(diagnostics)
    assert "Download diagnostics" in diagnostics["attributes"]["description"]
    logs = _element(form, "logs")
    assert logs["type"] == "textarea"
    assert _required(logs)
    assert logs["attributes"]["render"] == "text"
    description = logs["attributes"]["description"]
    assert "Enable debug logging" in description
    # The configuration.yaml alternative is valid YAML for this integration's logger.
    snippet = re.search(r"```yaml\n(.*?)```", description, re.S)
    assert snippet
    config = yaml.safe_load(snippet.group(1))
    assert config["logger"]["logs"][f"custom_components.{DOMAIN}"] == "debug"


def test_bug_report_asks_for_versions() -> None:
    form = _load("bug_report.yml")
    for element_id in ("version", "ha_version", "server", "what_happened"):
        assert _required(_element(form, element_id)), element_id


def test_config_turns_off_blank_issues_and_sends_security_reports_to_advisories() -> None:
    config = _load("config.yml")
    assert config["blank_issues_enabled"] is False
    links = config["contact_links"]
    for link in links:
        assert link["name"].strip()
        assert link["about"].strip()
        assert link["url"].startswith("https://")
    assert any(link["url"].endswith("/security/advisories/new") for link in links)
