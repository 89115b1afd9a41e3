"""HACS readiness: hacs.json, the manifest's HACS-relevant keys, the licence and brand images.

The manifest's key order and hassfest-style checks live in tests/integration;
these tests keep to what HACS itself validates and the brand image rules.
"""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path
from typing import Any

import pytest
from awesomeversion import AwesomeVersion, AwesomeVersionStrategy
from PIL import Image, ImageChops, ImageStat

ROOT = Path(__file__).resolve().parents[2]
INTEGRATION = ROOT / "custom_components" / "discord_presence"

# Keys HACS accepts in hacs.json, with their types (HACS rejects unknown keys).
HACS_KEYS: dict[str, type | tuple[type, ...]] = {
    "name": str,
    "content_in_root": bool,
    "zip_release": bool,
    "filename": str,
    "hide_default_branch": bool,
    "country": (str, list),
    "homeassistant": str,
    "hacs": str,
    "persistent_directory": str,
}
# OSI-approved licences, as recognised by the first lines of the licence text.
OSI_LICENSE_HEADINGS = {
    "MIT License": "MIT",
    "Apache License": "Apache-2.0",
    "BSD 3-Clause License": "BSD-3-Clause",
    "BSD 2-Clause License": "BSD-2-Clause",
    "GNU GENERAL PUBLIC LICENSE": "GPL",
    "GNU LESSER GENERAL PUBLIC LICENSE": "LGPL",
    "Mozilla Public License Version 2.0": "MPL-2.0",
    "ISC License": "ISC",
}
SEMVER = re.compile(r"^\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.-]+)?$")
BRAND_SIZES = {"icon.png": 256, "icon@2x.png": 512}


def _json(path: Path) -> dict[str, Any]:
    data = json.loads(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict), f"{path.name} must hold a JSON object"
    return data


def _pinned_home_assistant(requirements: Path) -> AwesomeVersion:
    """The Home Assistant release that a requirements file's phcc pin brings."""
    text = requirements.read_text(encoding="utf-8")
    match = re.search(r"^pytest-homeassistant-custom-component==(\S+)", text, re.M)
    assert match, f"{requirements.name} pins no pytest-homeassistant-custom-component"
    # phcc 0.13.316 is the Home Assistant 2026.2.3 test harness (the last on Python 3.13).
    known = {"0.13.316": "2026.2.3", "0.13.375": "2026.10.4"}
    assert match.group(1) in known, f"unknown phcc pin {match.group(1)}: update this table"
    return AwesomeVersion(known[match.group(1)])


def test_hacs_json_has_only_known_keys_with_right_types() -> None:
    hacs = _json(ROOT / "hacs.json")
    assert "name" in hacs, "hacs.json needs a name"
    assert hacs["name"].strip()
    unknown = set(hacs) - set(HACS_KEYS)
    assert not unknown, f"HACS rejects unknown hacs.json keys: {sorted(unknown)}"
    for key, value in hacs.items():
        assert isinstance(value, HACS_KEYS[key]), f"hacs.json {key!r} has the wrong type"
    # An integration lives under custom_components/, not in the repository root.
    assert hacs.get("content_in_root", False) is False
    assert hacs.get("zip_release", False) is False


def test_hacs_minimum_home_assistant_is_the_one_we_test() -> None:
    hacs = _json(ROOT / "hacs.json")
    declared = AwesomeVersion(hacs["homeassistant"])
    assert declared.strategy == AwesomeVersionStrategy.CALVER, "not a Home Assistant version"
    assert re.fullmatch(r"\d{4}\.\d{1,2}\.\d+", hacs["homeassistant"])
    tested = _pinned_home_assistant(ROOT / "requirements_min.txt")
    # The declared minimum is the release series that script/test --min runs.
    assert (declared.section(0), declared.section(1)) == (tested.section(0), tested.section(1))
    assert declared <= tested
    newest = _pinned_home_assistant(ROOT / "requirements_test.txt")
    assert declared < newest


def test_exactly_one_integration_with_a_complete_manifest() -> None:
    integrations = [p for p in (ROOT / "custom_components").iterdir() if p.is_dir()]
    integrations = [p for p in integrations if p.name != "__pycache__"]
    assert [p.name for p in integrations] == ["discord_presence"]
    manifest = _json(INTEGRATION / "manifest.json")
    assert manifest["domain"] == "discord_presence"
    assert manifest["domain"] != "discord", "core owns 'discord': HACS refuses overrides"
    for key in (
        "name",
        "codeowners",
        "config_flow",
        "documentation",
        "integration_type",
        "iot_class",
        "issue_tracker",
        "requirements",
        "version",
    ):
        assert key in manifest, f"manifest.json lacks {key}"
    assert SEMVER.match(manifest["version"]), "manifest version must be semantic"
    assert AwesomeVersion(manifest["version"]).strategy == AwesomeVersionStrategy.SEMVER
    assert manifest["codeowners"]
    assert all(owner.startswith("@") for owner in manifest["codeowners"])
    assert manifest["documentation"].startswith("https://")
    assert manifest["issue_tracker"].startswith("https://")
    assert manifest["config_flow"] is True


def test_manifest_version_matches_project_version() -> None:
    manifest = _json(INTEGRATION / "manifest.json")
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert manifest["version"] == project["project"]["version"]


def test_license_is_osi_approved() -> None:
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    first = text.strip().splitlines()[0].strip()
    assert any(first.startswith(h) for h in OSI_LICENSE_HEADINGS), f"unknown licence {first!r}"
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    spdx = next(v for h, v in OSI_LICENSE_HEADINGS.items() if first.startswith(h))
    assert project["project"]["license"].startswith(spdx)


def test_readme_exists() -> None:
    assert (ROOT / "README.md").read_text(encoding="utf-8").strip()


@pytest.mark.parametrize(("name", "size"), BRAND_SIZES.items())
def test_brand_image(name: str, size: int) -> None:
    path = INTEGRATION / "brand" / name
    with Image.open(path) as image:
        assert image.format == "PNG"
        assert image.size == (size, size)
        assert image.mode in ("RGBA", "LA"), "needs an alpha channel"
        alpha = image.getchannel("A")
        low, high = alpha.getextrema()
        assert low == 0, "background must be transparent"
        assert high == 255, "the mark must be opaque"
        # Corners are background.
        for corner in ((0, 0), (size - 1, 0), (0, size - 1), (size - 1, size - 1)):
            assert alpha.getpixel(corner) == 0
        # Trimmed: the visible pixels span the whole image on the longer axis
        # and leave at most a 1 % margin anywhere.
        bbox = alpha.point(lambda v: 255 if v > 8 else 0).getbbox()
        assert bbox is not None
        left, top, right, bottom = bbox
        margin = max(1, size // 100)
        assert left <= margin
        assert top <= margin
        assert right >= size - margin
        assert bottom >= size - margin


def test_brand_images_are_the_same_artwork() -> None:
    with (
        Image.open(INTEGRATION / "brand" / "icon.png") as small,
        Image.open(INTEGRATION / "brand" / "icon@2x.png") as large,
    ):
        down = large.convert("RGBA").resize(small.size, Image.Resampling.LANCZOS)
        diff = ImageChops.difference(small.convert("RGBA").getchannel("A"), down.getchannel("A"))
        assert ImageStat.Stat(diff).mean[0] < 8


def test_readme_links_hacs_and_config_flow() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert (
        "https://my.home-assistant.io/redirect/hacs_repository/"
        "?owner=discord-presence&repository=ha-discord-presence&category=integration"
    ) in readme
    assert (
        "https://my.home-assistant.io/redirect/config_flow_start/?domain=discord_presence"
    ) in readme
    assert "docs/images/dashboard.png" in readme
    with Image.open(ROOT / "docs" / "images" / "dashboard.png") as shot:
        assert shot.format == "PNG"
        assert shot.width >= 600
