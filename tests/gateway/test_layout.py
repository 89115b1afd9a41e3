"""The gateway package's layout, read from its source: imports point one way.

Every import counts, those under ``if TYPE_CHECKING:`` too: a type-only
dependency still ties two modules together, and a cycle there is a cycle a
reader has to untangle.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = "custom_components.discord_presence"
GATEWAY = f"{PACKAGE}.gateway"
GATEWAY_DIR = ROOT / "custom_components" / "discord_presence" / "gateway"
INTEGRATION_DIR = GATEWAY_DIR.parent
MAX_LINES = 500


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path) -> set[str]:
    """Absolute names ``path`` imports: for ``from x import y`` both x and x.y."""
    module = _module_name(path)
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


def _gateway_modules() -> dict[str, Path]:
    return {_module_name(p): p for p in sorted(GATEWAY_DIR.glob("*.py"))}


def _graph() -> dict[str, set[str]]:
    """module -> the package's modules it imports (the face excluded: it imports all)."""
    modules = _gateway_modules()
    inner = set(modules) - {GATEWAY}
    return {
        name: {i for i in _imports(path) if i in inner and i != name}
        for name, path in modules.items()
        if name != GATEWAY
    }


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one module, and self-imports (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph.get(node, ()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1 or node in graph.get(node, ()):
                groups.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return groups


def test_the_cycle_finder_finds_cycles() -> None:
    """The rule below is only as good as this: check it on known graphs."""
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_the_import_reader_sees_type_checking_imports() -> None:
    graph = _graph()
    # keepalive.py imports Session only under TYPE_CHECKING.
    assert f"{GATEWAY}.session" in graph[f"{GATEWAY}.keepalive"]
    assert f"{GATEWAY}.connection" in graph[f"{GATEWAY}.supervisor"]


def test_no_import_cycles_in_the_gateway() -> None:
    assert _cycles(_graph()) == []


@pytest.mark.parametrize("path", sorted(GATEWAY_DIR.glob("*.py")), ids=lambda p: p.name)
def test_the_gateway_imports_no_home_assistant(path: Path) -> None:
    bad = {
        i
        for i in _imports(path)
        if i == "homeassistant"
        or i.startswith("homeassistant.")
        or (i.startswith(f"{PACKAGE}.") and not (i == GATEWAY or i.startswith(f"{GATEWAY}.")))
    }
    assert not bad, f"{path.name} imports {sorted(bad)}"


@pytest.mark.parametrize("path", sorted(GATEWAY_DIR.glob("*.py")), ids=lambda p: p.name)
def test_each_module_is_small_and_says_its_job(path: Path) -> None:
    source = path.read_text(encoding="utf-8")
    assert ast.get_docstring(ast.parse(source)), f"{path.name} has no opening docstring"
    assert len(source.splitlines()) <= MAX_LINES, f"{path.name} is over {MAX_LINES} lines"


@pytest.mark.parametrize(
    "path",
    sorted(INTEGRATION_DIR.glob("*.py")),
    ids=lambda p: p.name,
)
def test_the_integration_imports_only_the_gateways_face(path: Path) -> None:
    """``from .gateway import X`` only; never ``.gateway.client`` and the like."""
    submodules = set(_gateway_modules()) - {GATEWAY}
    bad = {i for i in _imports(path) if i in submodules}
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
