"""The release helper the release workflow runs (.github/scripts/release.py), run here for real."""

from __future__ import annotations

import importlib.util
import json
import shutil
import sys
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from types import ModuleType

ROOT = Path(__file__).resolve().parents[2]
INTEGRATION = ROOT / "custom_components" / "discord_presence"


def _load_release() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "release_script", ROOT / ".github" / "scripts" / "release.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


release = _load_release()
VERSION = json.loads((INTEGRATION / "manifest.json").read_text(encoding="utf-8"))["version"]


def _fake_repo(tmp_path: Path, version: str, changelog: str) -> Path:
    integration = tmp_path / "custom_components" / "discord_presence"
    integration.mkdir(parents=True)
    (integration / "manifest.json").write_text(json.dumps({"version": version}), encoding="utf-8")
    (tmp_path / "CHANGELOG.md").write_text(changelog, encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize("tag", [VERSION, f"v{VERSION}"])
def test_the_current_version_is_releasable(tag: str) -> None:
    assert release.check_release(tag) == VERSION
    assert release.main(["check", tag]) == 0


@pytest.mark.parametrize("tag", ["0.0.1", f"{VERSION}.1", f"x{VERSION}", ""])
def test_a_tag_other_than_the_manifest_version_is_refused(
    tag: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(release.ReleaseError, match="does not match manifest"):
        release.check_release(tag)
    assert release.main(["check", tag]) == 1
    assert "::error::" in capsys.readouterr().err


def test_a_version_without_a_changelog_section_is_refused(tmp_path: Path) -> None:
    root = _fake_repo(
        tmp_path, "2.0.0", "# Changelog\n\n## [Unreleased]\n\n## [1.0.0] - 2026-01-01\n"
    )
    with pytest.raises(release.ReleaseError, match=r"no section ## \[2\.0\.0\]"):
        release.check_release("v2.0.0", root)


def test_an_undated_changelog_section_is_refused(tmp_path: Path) -> None:
    root = _fake_repo(tmp_path, "2.0.0", "# Changelog\n\n## [2.0.0]\n\n- things\n")
    with pytest.raises(release.ReleaseError, match="no release date"):
        release.check_release("2.0.0", root)


def test_a_dated_section_in_a_fake_repository_passes(tmp_path: Path) -> None:
    root = _fake_repo(tmp_path, "2.0.0", "# Changelog\n\n## [2.0.0] - 2027-03-04\n")
    assert release.check_release("v2.0.0", root) == "2.0.0"


def test_the_zip_holds_the_integration_folder_at_its_root(tmp_path: Path) -> None:
    out = tmp_path / "discord_presence.zip"
    names = release.build_zip(out)
    with zipfile.ZipFile(out) as archive:
        assert sorted(archive.namelist()) == sorted(names)
        manifest = json.loads(archive.read("manifest.json"))
    assert manifest["domain"] == "discord_presence"
    shipped = {
        p.relative_to(INTEGRATION).as_posix()
        for p in INTEGRATION.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"
    }
    assert set(names) == shipped
    for required in (
        "__init__.py",
        "gateway/__init__.py",
        "translations/en.json",
        "brand/icon.png",
    ):
        assert required in names


def test_the_zip_leaves_build_leftovers_out(tmp_path: Path) -> None:
    source = tmp_path / "repo" / "custom_components" / "discord_presence"
    shutil.copytree(INTEGRATION, source, ignore=shutil.ignore_patterns("__pycache__"))
    (source / "__pycache__").mkdir()
    (source / "__pycache__" / "const.cpython-314.pyc").write_bytes(b"\0")
    (source / "stray.pyc").write_bytes(b"\0")
    names = release.build_zip(tmp_path / "out.zip", tmp_path / "repo")
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]
    assert "manifest.json" in names


def test_a_folder_without_manifest_is_refused(tmp_path: Path) -> None:
    (tmp_path / "custom_components" / "discord_presence").mkdir(parents=True)
    (tmp_path / "custom_components" / "discord_presence" / "x.py").write_text("", encoding="utf-8")
    with pytest.raises(release.ReleaseError, match=r"no manifest\.json"):
        release.build_zip(tmp_path / "out.zip", tmp_path)


def test_bad_usage_exits_2() -> None:
    assert release.main([]) == 2
    assert release.main(["publish", "x"]) == 2
