"""The simulator's layout: imports point one way, and nothing comes from the client.

The graph is read from the source (AST), so imports under ``if TYPE_CHECKING:``
and inside functions count too: a type-only dependency still ties two modules
together. An edge is "module A names module B in an import"; the implicit import
of the parent package that Python performs is not an edge, or every module
would form a circle with ``__init__.py``.

Run ``python -m tests.simulator.test_layout`` to print the graph and its cycles.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = "simulator"
SOURCE = ROOT / PACKAGE
MAX_LINES = 500


def _module_name(path: Path, root: Path = ROOT) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imported(path: Path, root: Path = ROOT) -> set[str]:
    """Absolute names of every module ``path`` imports from (relative ones resolved).

    ``from pkg import name`` yields ``pkg.name`` as well, in case ``name`` is a
    module; the graph keeps only names that are modules of the package.
    """
    module = _module_name(path, root)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                origin = ".".join(base + ([node.module] if node.module else []))
            else:
                origin = node.module or ""
            found.add(origin)
            found |= {f"{origin}.{alias.name}" for alias in node.names}
    return found


def _sources(root: Path = SOURCE) -> list[Path]:
    return sorted(p for p in root.rglob("*.py") if "__pycache__" not in p.parts)


def import_graph(package: Path = SOURCE, root: Path = ROOT) -> dict[str, set[str]]:
    """module -> the package's modules it imports (itself excluded)."""
    paths = _sources(package)
    modules = {_module_name(p, root) for p in paths}
    graph: dict[str, set[str]] = {}
    for path in paths:
        name = _module_name(path, root)
        graph[name] = {i for i in _imported(path, root) if i in modules and i != name}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every strongly connected component with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component: list[str] = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(found)


# -- the checker checks itself, so a broken reader cannot pass vacuously -----


def test_the_reader_sees_type_checking_and_relative_imports(tmp_path: Path) -> None:
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("from pkg.b import x\n")
    (pkg / "b.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .c import y\n"
    )
    (pkg / "c.py").write_text("def f():\n    from pkg import a\n")
    (pkg / "d.py").write_text("import pkg.c\n")
    graph = import_graph(pkg, root=tmp_path)
    assert graph == {
        "pkg": set(),
        "pkg.a": {"pkg.b"},
        "pkg.b": {"pkg.c"},
        "pkg.c": {"pkg", "pkg.a"},
        "pkg.d": {"pkg.c"},
    }
    assert cycles(graph) == [["pkg.a", "pkg.b", "pkg.c"]]


def test_the_graph_holds_the_known_edges() -> None:
    graph = import_graph()
    assert "simulator.server" in graph["simulator"]
    assert "simulator.hub" in graph["simulator.server"]
    assert "simulator.connection" in graph["simulator.v10"]


# -- the rules -----------------------------------------------------------------


def test_the_simulator_has_no_import_cycle() -> None:
    found = cycles(import_graph())
    assert not found, f"import cycles: {found}"


@pytest.mark.parametrize("path", _sources(), ids=lambda p: p.name)
def test_the_simulator_imports_nothing_of_the_client(path: Path) -> None:
    bad = {
        name
        for name in _imported(path)
        if name == "custom_components" or name.startswith("custom_components.")
    }
    assert not bad, f"{path.name} imports {sorted(bad)}"


@pytest.mark.parametrize("path", _sources(), ids=lambda p: p.name)
def test_each_module_is_small_and_says_its_job(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    lines = text.count("\n")
    assert lines <= MAX_LINES, f"{path.name}: {lines} lines"
    docstring = ast.get_docstring(ast.parse(text))
    assert docstring, f"{path.name} has no opening comment saying its job"


def _main() -> None:
    graph = import_graph()
    for name in sorted(graph):
        print(f"{name} -> {', '.join(sorted(graph[name])) or '-'}")
    found = cycles(graph)
    print("cycles:", found or "none")
    sys.exit(1 if found else 0)


if __name__ == "__main__":
    _main()
