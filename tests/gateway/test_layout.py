"""The gateway package's layout, read from its source: imports point one way.

Every import counts, those under ``if TYPE_CHECKING:`` too (``tests/import_graph.py``).
That the gateway imports no Home Assistant, and every module's size, are
checked for the whole project in ``tests/repo/test_layout.py``.
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

import pytest

from tests.import_graph import ROOT, cycles, imports_of, module_name

if TYPE_CHECKING:
    from pathlib import Path

PACKAGE = "custom_components.discord_presence"
GATEWAY = f"{PACKAGE}.gateway"
GATEWAY_DIR = ROOT / "custom_components" / "discord_presence" / "gateway"
INTEGRATION_DIR = GATEWAY_DIR.parent


def _gateway_modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(GATEWAY_DIR.glob("*.py"))}


def _graph() -> dict[str, set[str]]:
    """module -> the package's modules it imports (the face excluded: it imports all)."""
    modules = _gateway_modules()
    inner = set(modules) - {GATEWAY}
    return {
        name: {i for i in imports_of(path) if i in inner and i != name}
        for name, path in modules.items()
        if name != GATEWAY
    }


def test_the_import_reader_sees_type_checking_imports() -> None:
    graph = _graph()
    # keepalive.py imports Session only under TYPE_CHECKING.
    assert f"{GATEWAY}.session" in graph[f"{GATEWAY}.keepalive"]
    assert f"{GATEWAY}.connection" in graph[f"{GATEWAY}.supervisor"]


def test_no_import_cycles_in_the_gateway() -> None:
    assert cycles(_graph()) == []


@pytest.mark.parametrize(
    "path",
    sorted(INTEGRATION_DIR.glob("*.py")),
    ids=lambda p: p.name,
)
def test_the_integration_imports_only_the_gateways_face(path: Path) -> None:
    """``from .gateway import X`` only; never ``.gateway.client`` and the like."""
    submodules = set(_gateway_modules()) - {GATEWAY}
    bad = {i for i in imports_of(path) if i in submodules}
    assert not bad, f"{path.name} imports {sorted(bad)}"


def test_the_face_exports_what_it_imports() -> None:
    """Every name the face imports is in __all__, so `from gateway import X` is the API."""
    tree = ast.parse((GATEWAY_DIR / "__init__.py").read_text(encoding="utf-8"))
    imported = {
        alias.asname or alias.name
        for node in tree.body
        if isinstance(node, ast.ImportFrom) and node.module != "__future__"
        for alias in node.names
    }
    exported = next(
        ast.literal_eval(node.value)
        for node in tree.body
        if isinstance(node, ast.Assign)
        and any(isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets)
    )
    assert imported == set(exported)
    assert "Clock" in exported
