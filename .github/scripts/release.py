"""Release checks and the release zip, run by .github/workflows/release.yml.

Standard library only, so the workflow runs it with the runner's own python3
before any environment exists; tests/repo/test_release.py runs the same code.

    python3 .github/scripts/release.py check TAG    # tag == manifest version, CHANGELOG section
    python3 .github/scripts/release.py zip OUT.zip  # the integration folder, files at the root
"""

from __future__ import annotations

import json
import re
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOMAIN = "discord_presence"
INTEGRATION = Path("custom_components") / DOMAIN
ZIP_NAME = f"{DOMAIN}.zip"
# Build leftovers that must not ship (a developer's working tree has them).
EXCLUDED_PARTS = {"__pycache__", ".mypy_cache", ".pytest_cache"}
EXCLUDED_SUFFIXES = {".pyc", ".pyo"}


class ReleaseError(Exception):
    """The release does not match the repository."""


def manifest_version(root: Path = ROOT) -> str:
    """The integration's version as its manifest declares it."""
    manifest = json.loads((root / INTEGRATION / "manifest.json").read_text(encoding="utf-8"))
    version = manifest.get("version")
    if not isinstance(version, str) or not version:
        raise ReleaseError("manifest.json has no version")
    return version


def version_of_tag(tag: str) -> str:
    """``v1.2.3`` and ``1.2.3`` name the same release."""
    return tag[1:] if tag[:1] in {"v", "V"} else tag


def changelog_sections(text: str) -> dict[str, str]:
    """Keep a Changelog headings: ``## [1.2.3] - 2026-01-31`` -> {"1.2.3": "2026-01-31"}."""
    sections: dict[str, str] = {}
    for match in re.finditer(r"^## \[([^\]]+)\](?: - (\S+))?\s*$", text, re.M):
        sections[match.group(1)] = match.group(2) or ""
    return sections


def check_release(tag: str, root: Path = ROOT) -> str:
    """Raise ReleaseError unless ``tag`` is the manifest version with a dated CHANGELOG section."""
    version = manifest_version(root)
    if version_of_tag(tag) != version:
        raise ReleaseError(
            f"tag {tag!r} does not match manifest.json version {version!r}: "
            "bump the manifest (and pyproject.toml) before tagging"
        )
    sections = changelog_sections((root / "CHANGELOG.md").read_text(encoding="utf-8"))
    if version not in sections:
        raise ReleaseError(f"CHANGELOG.md has no section ## [{version}]")
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", sections[version]):
        raise ReleaseError(f"CHANGELOG.md section [{version}] has no release date (YYYY-MM-DD)")
    return version


def _ships(path: Path) -> bool:
    return not (EXCLUDED_PARTS & set(path.parts)) and path.suffix not in EXCLUDED_SUFFIXES


def build_zip(out: Path, root: Path = ROOT) -> list[str]:
    """Zip the integration folder with its files at the archive's root; return the names."""
    source = root / INTEGRATION
    names: list[str] = []
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(source.rglob("*")):
            relative = path.relative_to(source)
            if path.is_file() and _ships(relative):
                archive.write(path, relative.as_posix())
                names.append(relative.as_posix())
    if "manifest.json" not in names:
        raise ReleaseError(f"{source} has no manifest.json")
    return names


def main(argv: list[str]) -> int:
    """``check TAG`` or ``zip OUT``; exit status 1 with a message when the release is wrong."""
    if len(argv) != 2 or argv[0] not in {"check", "zip"}:
        print(__doc__, file=sys.stderr)
        return 2
    command, argument = argv
    try:
        if command == "check":
            print(f"release {argument}: manifest and CHANGELOG agree on {check_release(argument)}")
        else:
            names = build_zip(Path(argument))
            print(f"{argument}: {len(names)} files")
    except ReleaseError as err:
        print(f"::error::{err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
