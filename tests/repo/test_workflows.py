"""The GitHub workflows: they parse, name the right commands and actions, and pin every action.

They cannot run here, so these tests hold them to what they promise: hassfest
and HACS validation, ``script/test`` on the newest and ``script/test --min`` on
the oldest Home Assistant (on the Python each one needs), and a release that
checks the tag and attaches the zip.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = ROOT / ".github" / "workflows"
FULL_SHA = re.compile(r"^[0-9a-f]{40}$")
# `uses: owner/repo[/path]@ref  # version` on one line: the comment names what the SHA is.
USES_LINE = re.compile(r"^\s*(?:-\s+)?uses:\s*(?P<ref>\S+)(?:\s+#\s*(?P<comment>.+))?$")


def _load(name: str) -> dict[str, Any]:
    data = yaml.safe_load((WORKFLOWS / name).read_text(encoding="utf-8"))
    assert isinstance(data, dict), f"{name} is not a mapping"
    return data


def _triggers(workflow: dict[str, Any]) -> dict[str, Any]:
    # YAML 1.1 reads the bare key `on` as True.
    triggers = workflow.get("on", workflow.get(True))
    assert isinstance(triggers, dict), "triggers must be a mapping"
    return triggers


def _steps(workflow: dict[str, Any], job: str) -> list[dict[str, Any]]:
    steps = workflow["jobs"][job].get("steps")
    assert isinstance(steps, list), f"job {job} has no steps"
    return steps


def _runs(workflow: dict[str, Any], job: str) -> list[str]:
    return [step["run"].strip() for step in _steps(workflow, job) if "run" in step]


def _uses(workflow: dict[str, Any], job: str) -> list[str]:
    return [step["uses"].split("@")[0] for step in _steps(workflow, job) if "uses" in step]


def _step_using(workflow: dict[str, Any], job: str, action: str) -> dict[str, Any]:
    found = [s for s in _steps(workflow, job) if s.get("uses", "").split("@")[0] == action]
    assert len(found) == 1, f"job {job} should use {action} once"
    return found[0]


def _all_workflow_files() -> list[Path]:
    return sorted(WORKFLOWS.glob("*.y*ml"))


def test_the_expected_workflows_exist() -> None:
    names = {p.name for p in _all_workflow_files()}
    assert names == {"validate.yml", "tests.yml", "release.yml"}


@pytest.mark.parametrize("path", _all_workflow_files(), ids=lambda p: p.name)
def test_workflow_parses_with_name_triggers_jobs_and_least_privilege(path: Path) -> None:
    workflow = _load(path.name)
    assert isinstance(workflow.get("name"), str)
    assert workflow.get("name")
    assert _triggers(workflow)
    assert workflow["jobs"]
    # Read-only by default; a job that must write says so itself.
    assert workflow.get("permissions") == {"contents": "read"}
    for name, job in workflow["jobs"].items():
        assert "uses" in job or job.get("runs-on"), f"{name} has no runner"
        if "runs-on" in job:
            assert isinstance(job.get("timeout-minutes"), int), f"{name} has no timeout"


@pytest.mark.parametrize("path", _all_workflow_files(), ids=lambda p: p.name)
def test_every_action_is_pinned_to_a_commit_with_its_version_named(path: Path) -> None:
    pinned = 0
    for line in path.read_text(encoding="utf-8").splitlines():
        match = USES_LINE.match(line)
        if match is None:
            continue
        ref = match.group("ref").strip("\"'")
        if ref.startswith("./"):
            continue  # a workflow of this repository: pinned by being here
        action, _, version = ref.partition("@")
        assert FULL_SHA.match(version), f"{path.name}: {action} is not pinned to a commit SHA"
        assert match.group("comment"), f"{path.name}: say which version {action}@{version} is"
        pinned += 1
    assert pinned, f"{path.name} uses no action"


@pytest.mark.parametrize("path", _all_workflow_files(), ids=lambda p: p.name)
def test_no_expression_is_pasted_into_a_shell_script(path: Path) -> None:
    """Event data reaches `run:` through env, never as ${{ }} inside the script (injection)."""
    workflow = _load(path.name)
    for name, job in workflow["jobs"].items():
        for step in job.get("steps", []):
            assert "${{" not in step.get("run", ""), f"{path.name} {name}: {step.get('name')}"


@pytest.mark.parametrize("path", _all_workflow_files(), ids=lambda p: p.name)
def test_every_repository_command_a_workflow_runs_exists(path: Path) -> None:
    workflow = _load(path.name)
    commands = [
        word
        for job in workflow["jobs"].values()
        for step in job.get("steps", [])
        for word in re.findall(
            r"(?:^|\s)((?:script|\.github/scripts)/[\w./-]+)", step.get("run", "")
        )
    ]
    for command in commands:
        target = ROOT / command
        assert target.is_file(), f"{path.name} runs {command}, which does not exist"
        if command.startswith("script/"):
            assert target.stat().st_mode & 0o111, f"{command} is not executable"


def test_validate_runs_hassfest_and_hacs_as_the_projects_document() -> None:
    workflow = _load("validate.yml")
    triggers = _triggers(workflow)
    assert {"push", "pull_request", "schedule"} <= set(triggers)
    jobs = workflow["jobs"]
    assert _uses(workflow, "hassfest") == ["actions/checkout", "home-assistant/actions/hassfest"]
    assert _uses(workflow, "hacs") == ["actions/checkout", "hacs/action"]
    hacs = _step_using(workflow, "hacs", "hacs/action")
    assert hacs["with"]["category"] == "integration"
    # Only the brands check may be skipped: the icons ship in the integration's brand/.
    assert hacs["with"].get("ignore", "") in ("", "brands")
    if hacs["with"].get("ignore"):
        assert (ROOT / "custom_components" / "discord_presence" / "brand" / "icon.png").is_file()
    assert set(jobs) == {"hassfest", "hacs"}


def _python_of(script_variant: str) -> str:
    """The Python version script/setup provisions for a variant ("" or "--min")."""
    setup = (ROOT / "script" / "setup").read_text(encoding="utf-8")
    versions = re.findall(r"py_version=(\d+\.\d+)", setup)
    assert len(versions) == 2, "script/setup should name the --min and the default Python"
    minimum, newest = versions
    return minimum if script_variant == "--min" else newest


def test_tests_run_the_suite_on_the_newest_and_the_oldest_home_assistant() -> None:
    workflow = _load("tests.yml")
    triggers = _triggers(workflow)
    assert {"push", "pull_request", "workflow_call"} <= set(triggers)
    newest, oldest = _runs(workflow, "newest"), _runs(workflow, "oldest")
    assert "script/test" in newest
    assert "script/demo --check" in newest
    soak = [r for r in newest if r.startswith("script/soak ")]
    assert soak, "CI runs a short seeded soak"
    assert re.fullmatch(r"script/soak --seed \d+ --faults \d+", soak[0]), "seeded and short"
    assert int(soak[0].rsplit(" ", 1)[1]) <= 1000
    assert "script/test --min" in oldest
    assert "script/test" not in oldest
    for job, variant in (("newest", ""), ("oldest", "--min")):
        python = _step_using(workflow, job, "actions/setup-python")["with"]["python-version"]
        assert str(python) == _python_of(variant), f"{job} must run on script/setup's Python"
        assert _uses(workflow, job)[0] == "actions/checkout", "check out before anything else"


def test_release_checks_the_tag_runs_the_tests_and_uploads_the_zip() -> None:
    workflow = _load("release.yml")
    assert _triggers(workflow) == {"release": {"types": ["published"]}}
    jobs = workflow["jobs"]
    check_runs = _runs(workflow, "check")
    assert check_runs == ['python3 .github/scripts/release.py check "$TAG"']
    check_env = next(s["env"] for s in _steps(workflow, "check") if "run" in s)
    assert check_env["TAG"] == "${{ github.event.release.tag_name }}"
    assert jobs["tests"]["uses"] == "./.github/workflows/tests.yml"
    assert jobs["tests"]["needs"] == "check"
    upload = jobs["upload"]
    assert set(upload["needs"]) == {"check", "tests"}
    assert upload["permissions"] == {"contents": "write"}, "only the upload may write"
    runs = _runs(workflow, "upload")
    assert "python3 .github/scripts/release.py zip discord_presence.zip" in runs
    assert any(r.startswith('gh release upload "$TAG" discord_presence.zip') for r in runs), (
        "the zip goes onto the release"
    )
    for name, job in jobs.items():
        if name != "upload" and "permissions" in job:
            assert job["permissions"] == {"contents": "read"}


def test_hacs_json_and_the_release_zip_agree() -> None:
    """With zip_release, HACS downloads `filename` from the release: the one the workflow builds."""
    hacs = json.loads((ROOT / "hacs.json").read_text(encoding="utf-8"))
    text = (WORKFLOWS / "release.yml").read_text(encoding="utf-8")
    if hacs.get("zip_release"):
        assert hacs.get("filename") == "discord_presence.zip"
    else:
        assert "filename" not in hacs, "filename only means something with zip_release"
        assert "no zip_release" in text, "the release workflow says how HACS installs"


def test_dependabot_keeps_the_pinned_actions_current() -> None:
    config = yaml.safe_load((ROOT / ".github" / "dependabot.yml").read_text(encoding="utf-8"))
    ecosystems = {u["package-ecosystem"] for u in config["updates"]}
    assert "github-actions" in ecosystems
