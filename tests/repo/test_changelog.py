"""CHANGELOG.md follows Keep a Changelog and has a section for the manifest's version."""

from __future__ import annotations

import itertools
import json
import re
import tomllib
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHANGELOG = ROOT / "CHANGELOG.md"
HEADING = re.compile(r"^## \[(?P<name>[^\]]+)\](?: - (?P<date>\d{4}-\d{2}-\d{2}))?$")
SEMVER = re.compile(r"^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?$")
# Keep a Changelog's kinds of change.
KINDS = {"Added", "Changed", "Deprecated", "Removed", "Fixed", "Security"}
REPO_URL = "https://github.com/discord-presence/ha-discord-presence"


def _lines() -> list[str]:
    return CHANGELOG.read_text(encoding="utf-8").splitlines()


def _sections() -> list[tuple[str, str | None]]:
    found = []
    for line in _lines():
        if line.startswith("## "):
            match = HEADING.match(line)
            assert match, f"not a Keep a Changelog heading: {line!r}"
            found.append((match.group("name"), match.group("date")))
    return found


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("-", maxsplit=1)[0].split("."))


def test_title_and_format_reference() -> None:
    lines = _lines()
    assert lines[0] == "# Changelog"
    text = "\n".join(lines)
    assert "https://keepachangelog.com/en/1.1.0/" in text
    assert "https://semver.org/" in text


def test_unreleased_comes_first_then_dated_versions_newest_first() -> None:
    sections = _sections()
    assert sections[0] == ("Unreleased", None)
    released = sections[1:]
    assert released, "at least one released version"
    for name, day in released:
        assert SEMVER.match(name), f"{name} is not a semantic version"
        assert day is not None, f"[{name}] has no date"
        assert date.fromisoformat(day) <= date.today()
    versions = [name for name, _ in released]
    assert versions == sorted(versions, key=_version_key, reverse=True)
    assert len(set(versions)) == len(versions)
    days = [day for _, day in released]
    assert days == sorted(days, reverse=True)


def test_the_manifest_version_has_a_released_section() -> None:
    manifest = json.loads(
        (ROOT / "custom_components" / "discord_presence" / "manifest.json").read_text("utf-8")
    )
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    released = dict(_sections()[1:])
    assert manifest["version"] in released, f"CHANGELOG.md lacks ## [{manifest['version']}]"
    assert project["project"]["version"] in released
    # The manifest names the newest release: anything newer belongs under [Unreleased].
    assert max(released, key=_version_key) == manifest["version"]


def test_only_keep_a_changelog_kinds_under_each_section() -> None:
    for line in _lines():
        if line.startswith("### "):
            assert line[4:] in KINDS, f"unknown kind of change {line!r}"
        assert not line.startswith("#### "), "one level of kinds only"


def test_every_section_has_a_comparison_link() -> None:
    text = CHANGELOG.read_text(encoding="utf-8")
    sections = _sections()
    links = dict(re.findall(r"^\[([^\]]+)\]: (\S+)$", text, re.M))
    assert set(links) == {name for name, _ in sections}
    newest = sections[1][0]
    assert links["Unreleased"] == f"{REPO_URL}/compare/v{newest}...HEAD"
    released = [name for name, _ in sections[1:]]
    for name, older in itertools.pairwise(released):
        assert links[name] == f"{REPO_URL}/compare/v{older}...v{name}"
    # The first release has nothing to compare with.
    assert links[released[-1]] == f"{REPO_URL}/releases/tag/v{released[-1]}"


def test_every_section_lists_something() -> None:
    text = CHANGELOG.read_text(encoding="utf-8")
    bodies = re.split(r"^## .*$", text, flags=re.M)[1:]
    for (name, _), body in zip(_sections(), bodies, strict=True):
        assert re.search(r"^- \S", body, re.M), f"[{name}] lists no change"
