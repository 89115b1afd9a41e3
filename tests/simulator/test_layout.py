"""The simulator's layout: imports point one way, and nothing comes from the client.

The graph is read from the source (``tests/import_graph.py``): imports under
``if TYPE_CHECKING:`` and inside functions count too. That the simulator
imports nothing of the client, and every module's size, are checked for the
whole project in ``tests/repo/test_layout.py``.

Run ``python -m tests.simulator.test_layout`` to print the graph and its cycles.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from tests.import_graph import ROOT, cycles, graph_of, sources

if TYPE_CHECKING:
    from pathlib import Path

PACKAGE = "simulator"


def import_graph(package: Path = ROOT / PACKAGE, root: Path = ROOT) -> dict[str, set[str]]:
    """module -> the package's modules it imports (itself excluded)."""
    return graph_of(sources(package, root=root), root)


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


def _main() -> None:
    graph = import_graph()
    for name in sorted(graph):
        print(f"{name} -> {', '.join(sorted(graph[name])) or '-'}")
    found = cycles(graph)
    print("cycles:", found or "none")
    sys.exit(1 if found else 0)


if __name__ == "__main__":
    _main()
