"""Every shipped language is complete: each key of strings.json, resolved, and nothing else.

tests/repo/test_translations.py lets a language leave keys out (Home Assistant
falls back to English); this holds the languages the integration promises to
a stricter rule, so a string added to strings.json later fails here until
every language has it. References such as ``[%key:common::...%]`` are
resolved first, as Home Assistant's translation build does, because the
shipped files hold text, not references.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import homeassistant
import pytest
from homeassistant.helpers.translation import async_get_translations

import custom_components.discord_presence as integration
from custom_components.discord_presence.const import DOMAIN

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant

PACKAGE = Path(integration.__file__).parent
TRANSLATIONS = PACKAGE / "translations"
STRINGS = json.loads((PACKAGE / "strings.json").read_text(encoding="utf-8"))
CORE_STRINGS = json.loads(
    (Path(homeassistant.__file__).parent / "strings.json").read_text(encoding="utf-8")
)
PROMISED = {"de", "es", "fr", "it", "nl", "pl", "pt-BR"}
SHIPPED = sorted(p.stem for p in TRANSLATIONS.glob("*.json") if p.stem != "en")
PLACEHOLDER = re.compile(r"\{([A-Za-z0-9_]+)\}")
REFERENCE = re.compile(r"\[%key:([a-z0-9_:]+)%\]")
# A markdown link's target, so a translated link still points at the placeholder.
LINK_TARGET = re.compile(r"\]\(([^)]*)\)")
# Short labels may rightly stay as in English (Online, API URL, Offline, v10 ...),
# a file that is mostly English was copied, not translated.
MOST_LEFT_IN_ENGLISH = 0.2


def _flatten(data: Any, prefix: str = "") -> dict[str, str]:
    if isinstance(data, dict):
        flat: dict[str, str] = {}
        for key, value in data.items():
            flat |= _flatten(value, f"{prefix}::{key}" if prefix else key)
        return flat
    assert isinstance(data, str), f"{prefix} is neither an object nor a string"
    return {prefix: data}


def _resolve(flat: dict[str, str], domain: str, core: dict[str, str]) -> dict[str, str]:
    """Replace each [%key:...%] by the text it names (within the domain or core's common)."""
    known = core | {f"component::{domain}::{key}": text for key, text in flat.items()}

    def expand(text: str, seen: tuple[str, ...]) -> str:
        def one(match: re.Match[str]) -> str:
            key = match.group(1)
            assert key not in seen, f"reference cycle through {key}"
            assert key in known, f"reference to an unknown key {key}"
            return expand(known[key], (*seen, key))

        return REFERENCE.sub(one, text)

    return {key: expand(text, (f"component::{domain}::{key}",)) for key, text in flat.items()}


def _source() -> dict[str, str]:
    return _resolve(_flatten(STRINGS), DOMAIN, _flatten(CORE_STRINGS))


def _problems(source: dict[str, str], translation: dict[str, str]) -> list[str]:
    problems = [f"missing {key}" for key in sorted(set(source) - set(translation))]
    problems += [f"unknown key {key}" for key in sorted(set(translation) - set(source))]
    for key in sorted(set(source) & set(translation)):
        wanted, given = source[key], translation[key]
        if not given.strip():
            problems.append(f"{key}: empty")
        if REFERENCE.search(given):
            problems.append(f"{key}: holds a reference, not text")
        if sorted(PLACEHOLDER.findall(given)) != sorted(PLACEHOLDER.findall(wanted)):
            problems.append(f"{key}: placeholders differ")
        if LINK_TARGET.findall(given) != LINK_TARGET.findall(wanted):
            problems.append(f"{key}: link targets differ")
    return problems


def _left_in_english(source: dict[str, str], translation: dict[str, str]) -> float:
    same = sum(1 for key, text in source.items() if translation.get(key) == text)
    return same / len(source)


def test_the_checker_catches_each_kind_of_mistake() -> None:
    source = {"a::b": "At most {max} characters, see [the portal]({url})", "a::c": "Hello"}
    good = {"a::b": "Höchstens {max} Zeichen, siehe [Portal]({url})", "a::c": "Hallo"}
    assert _problems(source, good) == []
    assert _problems(source, {"a::b": good["a::b"]}) == ["missing a::c"]
    assert _problems(source, good | {"a::d": "x"}) == ["unknown key a::d"]
    assert _problems(source, good | {"a::c": " "}) == ["a::c: empty"]
    assert _problems(source, good | {"a::b": "Höchstens {maximum} Zeichen ({url})"}) == [
        "a::b: placeholders differ",
        "a::b: link targets differ",
    ]
    assert _problems(source, good | {"a::b": "{max} [Portal](https://x) {url}"}) == [
        "a::b: link targets differ"
    ]
    assert _problems(source, good | {"a::c": "[%key:common::x%]"}) == [
        "a::c: holds a reference, not text"
    ]
    assert _left_in_english(source, good | {"a::c": "Hello"}) == 0.5


def test_references_are_resolved_like_home_assistant_does() -> None:
    core = {"common::config_flow::data::api_token": "API token"}
    flat = {
        "config::step::user::data::token": "[%key:common::config_flow::data::api_token%]",
        "config::step::reauth::data::token": (
            "New [%key:component::demo::config::step::user::data::token%]"
        ),
    }
    assert _resolve(flat, "demo", core) == {
        "config::step::user::data::token": "API token",
        "config::step::reauth::data::token": "New API token",
    }
    with pytest.raises(AssertionError, match="unknown key"):
        _resolve({"a": "[%key:common::nothing%]"}, "demo", core)


def test_english_is_strings_json_resolved() -> None:
    english = _flatten(json.loads((TRANSLATIONS / "en.json").read_text(encoding="utf-8")))
    assert english == _source()


def test_the_promised_languages_are_shipped() -> None:
    assert set(SHIPPED) >= PROMISED


@pytest.mark.parametrize("language", SHIPPED)
def test_language_is_complete(language: str) -> None:
    translation = _flatten(
        json.loads((TRANSLATIONS / f"{language}.json").read_text(encoding="utf-8"))
    )
    assert _problems(_source(), translation) == []
    assert _left_in_english(_source(), translation) < MOST_LEFT_IN_ENGLISH


@pytest.mark.parametrize(
    ("language", "key", "text"),
    [
        ("de", "entity.select.status.state.idle", "Abwesend"),
        ("fr", "entity.select.status.state.dnd", "Ne pas déranger"),
        ("pt-BR", "services.set_game.name", "Definir atividade"),
        (
            "pl",
            "exceptions.name_too_long.message",
            "Nazwa aktywności jest dłuższa niż {max} znaków.",
        ),
    ],
)
async def test_home_assistant_loads_the_language(
    hass: HomeAssistant, language: str, key: str, text: str
) -> None:
    """Home Assistant's own loader finds each file under the code it asks for (pt-BR, not pt_BR)."""
    category = key.split(".", 1)[0]
    loaded = await async_get_translations(hass, language, category, {DOMAIN})
    assert loaded[f"component.{DOMAIN}.{key}"] == text
