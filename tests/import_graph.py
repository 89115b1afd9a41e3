"""The project's import graph, read from the source (AST), for the layout tests.

Every import counts: those under ``if TYPE_CHECKING:``, inside functions and in
``try`` blocks too, because a type-only dependency still ties two modules
together. An edge is "module A names module B in an import"; the implicit
import of the parent package that Python performs is not an edge, or every
module would form a circle with its ``__init__.py``.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def module_name(path: Path, root: Path = ROOT) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_in(
    source: str, module: str, *, is_package: bool = False, modules_only: bool = False
) -> set[str]:
    """Absolute names ``source`` (the text of ``module``) imports.

    ``from x import y`` gives x and x.y (y may be a module), unless
    ``modules_only``: then only x, the module the names come from. So
    ``from . import const`` imports the package itself, as Python runs it.
    """
    package = module if is_package else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
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
            if not modules_only:
                found |= {f"{origin}.{alias.name}" for alias in node.names}
    return found


def imports_of(path: Path, *, root: Path = ROOT, modules_only: bool = False) -> set[str]:
    """What the file at ``path`` imports (see imports_in)."""
    return imports_in(
        path.read_text(encoding="utf-8"),
        module_name(path, root),
        is_package=path.name == "__init__.py",
        modules_only=modules_only,
    )


def sources(*folders: str | Path, root: Path = ROOT) -> list[Path]:
    """The Python files under ``folders`` (relative to ``root``), sorted."""
    return sorted(
        p
        for folder in folders
        for p in (root / folder).rglob("*.py")
        if "__pycache__" not in p.parts
    )


def graph_of(paths: list[Path], root: Path = ROOT) -> dict[str, set[str]]:
    """module -> the modules among ``paths`` it imports (itself excluded)."""
    names = {module_name(p, root): p for p in paths}
    return {
        name: {i for i in imports_of(path, root=root) if i in names and i != name}
        for name, path in names.items()
    }


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one module, sorted (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group: list[str] = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(groups)


def within(name: str, prefix: str) -> bool:
    """``name`` is the module ``prefix`` or inside it."""
    return name == prefix or name.startswith(f"{prefix}.")
