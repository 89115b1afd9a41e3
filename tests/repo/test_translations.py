"""Every translations/<language>.json fits strings.json: known keys, the same placeholders.

tests/integration/test_hassfest.py checks that en.json is strings.json; this
holds any further language to the source, as Home Assistant's translation
tooling would (a missing key falls back to English; an unknown key or a
changed placeholder is a mistake).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

INTEGRATION = Path(__file__).resolve().parents[2] / "custom_components" / "discord_presence"
STRINGS = json.loads((INTEGRATION / "strings.json").read_text(encoding="utf-8"))
LANGUAGES = sorted((INTEGRATION / "translations").glob("*.json"))
# Placeholders such as {max}; Home Assistant's [%key:...%] references are left alone.
PLACEHOLDER = re.compile(r"\{([A-Za-z0-9_]+)\}")


def _flatten(data: Any, prefix: str = "") -> dict[str, str]:
    if isinstance(data, dict):
        flat: dict[str, str] = {}
        for key, value in data.items():
            flat |= _flatten(value, f"{prefix}.{key}" if prefix else key)
        return flat
    assert isinstance(data, str), f"{prefix} is neither an object nor a string"
    return {prefix: data}


def _problems(source: dict[str, Any], translation: dict[str, Any]) -> list[str]:
    wanted, given = _flatten(source), _flatten(translation)
    problems = [f"unknown key {key}" for key in sorted(set(given) - set(wanted))]
    for key in sorted(set(given) & set(wanted)):
        if set(PLACEHOLDER.findall(given[key])) != set(PLACEHOLDER.findall(wanted[key])):
            problems.append(f"{key}: placeholders differ")
        if not given[key].strip():
            problems.append(f"{key}: empty")
    return problems


def test_the_checker_catches_unknown_keys_and_changed_placeholders() -> None:
    source = {"a": {"b": "At most {max} characters", "c": "Hello"}}
    assert _problems(source, {"a": {"b": "Höchstens {max} Zeichen"}}) == []
    assert _problems(source, {"a": {"b": "Höchstens {maximum} Zeichen"}}) == [
        "a.b: placeholders differ"
    ]
    assert _problems(source, {"a": {"d": "x"}}) == ["unknown key a.d"]
    assert _problems(source, {"a": {"c": " "}}) == ["a.c: empty"]


def test_english_is_there() -> None:
    assert "en.json" in {p.name for p in LANGUAGES}


@pytest.mark.parametrize("path", LANGUAGES, ids=lambda p: p.stem)
def test_translation_fits_strings_json(path: Path) -> None:
    assert re.fullmatch(r"[a-z]{2,3}(-[A-Za-z]{2,4})?", path.stem), "a language code"
    translation = json.loads(path.read_text(encoding="utf-8"))
    assert _problems(STRINGS, translation) == []
