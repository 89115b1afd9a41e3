"""CONTRIBUTING.md stays true: every file, folder and script it names exists."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TEXT = (ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8")
# Where a short name is meant (the integration's files, demo modules, workflows).
BASES = (
    ROOT,
    ROOT / "custom_components" / "discord_presence",
    ROOT / "demo",
    ROOT / ".github" / "workflows",
    ROOT / "tests" / "simulator",
)
# Written by a tool on demand, or the demo's git-ignored state folders: they
# may not exist in a fresh checkout (CI's clean clone).
GENERATED = {"docs/reliability.md", ".demo/", ".demo/check", ".demo"}
# Placeholders for files a contributor creates.
TEMPLATES = re.compile(r"<\w+>|\bbench_<|de\.json$")


def _named_paths() -> set[str]:
    names = set()
    for code in re.findall(r"`([^`\s]+)`", TEXT):
        if TEMPLATES.search(code) or code.startswith(("http", "-")):
            continue
        if "/" in code or re.search(r"\.(py|json|md|yml|yaml)$", code):
            names.add(code)
    return names


def _exists(name: str) -> bool:
    return name in GENERATED or any(any(base.glob(name.rstrip("/"))) for base in BASES)


def test_every_named_path_exists() -> None:
    names = _named_paths()
    assert "simulator/faults.py" in names
    assert "script/test" in names
    missing = sorted(n for n in names if not _exists(n))
    assert not missing, f"CONTRIBUTING.md names what does not exist: {missing}"


def test_every_script_it_runs_exists_and_is_executable() -> None:
    scripts = set(re.findall(r"(?<![\w/])(script/[\w-]+)", TEXT))
    assert {"script/test", "script/demo", "script/soak", "script/setup"} <= scripts
    for script in scripts:
        path = ROOT / script
        assert path.is_file(), script
        assert path.stat().st_mode & 0o111, f"{script} is not executable"


def test_the_fault_recipe_names_what_the_simulator_has() -> None:
    faults = (ROOT / "simulator" / "faults.py").read_text(encoding="utf-8")
    server = (ROOT / "simulator" / "server.py").read_text(encoding="utf-8")
    assert "FAULTS" in TEXT
    assert re.search(r"^FAULTS\b", faults, re.M), "the fault table moved: update CONTRIBUTING.md"
    assert "def _target(" in server, "faults no longer use _target: update CONTRIBUTING.md"
    assert "class FaultTarget(Protocol)" in faults, "the fault Protocol moved: update CONTRIBUTING"
    assert "FaultTarget" in TEXT


def test_the_benchmark_command_names_a_module_that_exists() -> None:
    for module in re.findall(r"python -m (benchmarks\.\w+)", TEXT):
        if not module.endswith("_"):  # bench_<what> is a placeholder
            assert (ROOT / (module.replace(".", "/") + ".py")).is_file(), module
