"""The rules that keep the parts independent (CONTRIBUTING.md), read from the source's imports.

Every import counts, also those under ``if TYPE_CHECKING:``: a type-only
dependency still ties the parts together.
"""

from __future__ import annotations

import ast
import re
from typing import TYPE_CHECKING

import pytest

from tests.import_graph import (
    ROOT,
    cycles,
    graph_of,
    imports_in,
    imports_of,
    module_name,
    sources,
    within,
)

if TYPE_CHECKING:
    from pathlib import Path

PACKAGE = "custom_components.discord_presence"
INTEGRATION = ROOT / "custom_components" / "discord_presence"
GATEWAY = f"{PACKAGE}.gateway"
MAX_LINES = 500
# Everything but the tests: where the size and cycle rules apply.
PROJECT = ("custom_components", "simulator", "soak", "demo", "benchmarks")

# Exceptions to "outside gateway/, import the gateway from its face": none left
# (the inflate benchmark now takes make_inflater from the face). Keep it empty.
FACE_EXCEPTIONS: set[tuple[str, str]] = set()


def _module_name(path: Path) -> str:
    return module_name(path)


def _imports(path: Path, *, modules_only: bool = False) -> set[str]:
    return imports_of(path, modules_only=modules_only)


def _sources(*folders: str) -> list[Path]:
    return sources(*folders)


def test_the_import_reader_resolves_relative_imports() -> None:
    """The rules below are only as good as this reader: check it on a known file."""
    imports = _imports(INTEGRATION / "coordinator.py")
    assert f"{PACKAGE}.const" in imports
    assert f"{GATEWAY}" in imports


@pytest.mark.parametrize(
    "path", _sources("custom_components/discord_presence/gateway"), ids=lambda p: p.name
)
def test_the_gateway_imports_no_home_assistant(path: Path) -> None:
    bad = {i for i in _imports(path) if within(i, "homeassistant")}
    bad |= {i for i in _imports(path) if within(i, PACKAGE) and not within(i, GATEWAY)}
    assert not bad, f"{path.name} imports {sorted(bad)}"


@pytest.mark.parametrize("path", _sources("simulator"), ids=lambda p: p.name)
def test_the_simulator_imports_nothing_of_the_client(path: Path) -> None:
    bad = {i for i in _imports(path) if within(i, "custom_components") or within(i, "tests")}
    assert not bad, f"{path.name} imports {sorted(bad)}"


def test_outside_the_gateway_only_its_face_is_imported() -> None:
    submodules = {_module_name(p) for p in _sources("custom_components/discord_presence/gateway")}
    breaches = set()
    for path in _sources("custom_components", "demo", "benchmarks", "soak"):
        name = _module_name(path)
        if within(name, GATEWAY):
            continue
        # `from .gateway.x import y`, `import ...gateway.x`, and `from .gateway import x`
        # where x is a module of the package rather than a name the face exports.
        imported = _imports(path, modules_only=True) | (_imports(path) & submodules)
        breaches |= {(name, i) for i in imported if within(i, GATEWAY) and i != GATEWAY}
    assert breaches <= FACE_EXCEPTIONS, sorted(breaches - FACE_EXCEPTIONS)


def _entity_platforms() -> set[str]:
    return {
        _module_name(p)
        for p in INTEGRATION.glob("*.py")
        if p.name != "__init__.py" and "async def async_setup_entry(" in p.read_text("utf-8")
    }


@pytest.mark.parametrize("name", ["services.py", "config_flow.py"])
def test_actions_and_flows_never_import_an_entity_platform(name: str) -> None:
    platforms = _entity_platforms()
    assert {f"{PACKAGE}.sensor", f"{PACKAGE}.select", f"{PACKAGE}.text"} <= platforms
    bad = {i for i in _imports(INTEGRATION / name) if any(within(i, p) for p in platforms)}
    assert not bad, f"{name} imports {sorted(bad)}"


def _graph(*folders: str) -> dict[str, set[str]]:
    return graph_of(sources(*folders))


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_the_reader_counts_type_only_imports_and_the_package() -> None:
    source = (
        "from typing import TYPE_CHECKING\n"
        "from . import const\n"
        "if TYPE_CHECKING:\n"
        "    from .coordinator import Coordinator\n"
    )
    imports = imports_in(source, f"{PACKAGE}.services")
    assert {PACKAGE, f"{PACKAGE}.const", f"{PACKAGE}.coordinator"} <= imports
    graph = {
        PACKAGE: {f"{PACKAGE}.services"},
        f"{PACKAGE}.services": imports & {PACKAGE},
    }
    assert cycles(graph) == [[PACKAGE, f"{PACKAGE}.services"]]


def test_the_integration_has_no_importcycles() -> None:
    graph = _graph("custom_components")
    assert {f"{PACKAGE}.coordinator", f"{PACKAGE}.services", PACKAGE} <= set(graph)
    assert cycles(graph) == []


def test_the_project_has_no_importcycles() -> None:
    """Across the parts too: a cycle may run through two folders."""
    graph = _graph(*PROJECT)
    assert cycles(graph) == []


def test_nothing_imports_the_integration_package() -> None:
    """The package's __init__ wires the parts together; a part that imports it
    (``from . import const`` does) closes a loop through all of them."""
    importers = sorted(
        _module_name(path)
        for path in _sources("custom_components", *PROJECT)
        if _module_name(path) != PACKAGE and PACKAGE in _imports(path, modules_only=True)
    )
    assert importers == []


# The integration's layers, lowest first: a module imports only from layers
# below its own, so the dependencies point one way (entities and platforms on
# the coordinator, never the reverse; actions and flows on no entity).
LAYERS: tuple[frozenset[str], ...] = (
    frozenset({"gateway", "compat"}),
    frozenset({"const"}),
    frozenset({"failures", "helpers", "presence_text"}),
    frozenset({"storage", "health"}),
    frozenset({"coordinator"}),
    frozenset({"entity", "services", "config_flow", "diagnostics", "frontend"}),
    frozenset({"applied"}),
    frozenset({"binary_sensor", "select", "sensor", "text"}),
    frozenset({""}),  # the package's __init__
)


def _layer(module: str) -> int:
    local = module.removeprefix(PACKAGE).removeprefix(".").split(".")[0]
    found = [n for n, layer in enumerate(LAYERS) if local in layer]
    assert found, f"{module} has no layer in LAYERS: give it one"
    return found[0]


def _upward(graph: dict[str, set[str]]) -> list[tuple[str, str]]:
    """The imports of the integration (outside gateway/) that do not point down."""
    return sorted(
        (name, target)
        for name, targets in graph.items()
        if within(name, PACKAGE) and not within(name, GATEWAY)
        for target in targets
        if within(target, PACKAGE) and _layer(target) >= _layer(name)
    )


def test_the_layer_rule_flags_an_import_upward() -> None:
    graph = {
        f"{PACKAGE}.coordinator": {f"{PACKAGE}.const", f"{PACKAGE}.sensor"},
        f"{PACKAGE}.services": {f"{PACKAGE}.select", GATEWAY},
        f"{PACKAGE}.sensor": {f"{PACKAGE}.entity"},
    }
    assert _upward(graph) == [
        (f"{PACKAGE}.coordinator", f"{PACKAGE}.sensor"),
        (f"{PACKAGE}.services", f"{PACKAGE}.select"),
    ]


def test_the_integration_imports_point_down_its_layers() -> None:
    assert _upward(_graph("custom_components")) == []


def test_the_demo_has_no_importcycles() -> None:
    graph = _graph("demo")
    assert {"demo.cli", "demo.check", "demo.stack", "demo.processes", "demo.ha_api"} <= set(graph)
    assert cycles(graph) == []


@pytest.mark.parametrize("path", _sources(*PROJECT), ids=lambda p: str(p.relative_to(ROOT)))
def test_each_module_is_small_and_says_its_job(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    lines = len(text.splitlines())
    assert lines <= MAX_LINES, f"{lines} lines: split it by job"
    if text.strip():
        assert ast.get_docstring(ast.parse(text)), f"{path.name} opens without saying its job"


ARCHITECTURE = ROOT / "docs" / "dev" / "architecture.md"


def _architecture_names() -> list[tuple[str, str]]:
    """(cell's first folder, name) for each file the "where each behaviour lives" table names.

    A bare name (`hub.py`) is read in the folder of the first path in its cell.
    """
    text = ARCHITECTURE.read_text(encoding="utf-8")
    table = text[text.index("## Where each behaviour lives") :]
    found = []
    for row in table.splitlines():
        if not row.startswith("|") or row.startswith("|---"):
            continue
        cell = row.rstrip("|").rsplit("|", 1)[-1]
        names = re.findall(r"`([\w./*-]+\.(?:py|js|json|yaml))`", cell)
        folder = names[0].rpartition("/")[0] if names else ""
        found += [(folder, name) for name in names]
    return found


def test_the_architecture_page_names_only_files_that_exist() -> None:
    names = _architecture_names()
    assert ("", "health.py") in names
    bases = (ROOT, INTEGRATION)
    missing = [
        name
        for folder, name in names
        if not any(any(base.glob(name)) or any((base / folder).glob(name)) for base in bases)
    ]
    assert missing == []
    assert "```mermaid" in ARCHITECTURE.read_text(encoding="utf-8")


def test_every_module_of_the_integration_has_a_place_on_the_architecture_page() -> None:
    named = {name.rpartition("/")[2] for _, name in _architecture_names()}
    modules = {p.name for p in _sources("custom_components") if p.name != "__init__.py"}
    assert modules - named == set()
