"""The documented course repository: its workflow's grader commands, run here on a student's repository."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import ROOT

COURSE_REPO = ROOT / "docs" / "course-repo"
WORKFLOW = COURSE_REPO / ".github" / "workflows" / "grader.yml"


def _grader_steps() -> list[str]:
    """The workflow's shell lines that run the grader (installs need the network and are skipped)."""
    steps = yaml.safe_load(WORKFLOW.read_text())["jobs"]["check"]["steps"]
    lines = [line.strip() for step in steps if "run" in step for line in step["run"].splitlines()]
    return [line for line in lines if line.startswith("grader ")]


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The template repository, made the way docs/course-repo/README.md says."""
    repo = tmp_path_factory.mktemp("course") / "bp-manual-template"
    made = subprocess.run([sys.executable, "-m", "grader", "bundle", "bp-manual", "--out", str(repo / ".grader")],
                          cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert made.returncode == 0, made.stderr
    shutil.copy(repo / ".grader" / "README.md", repo / "README.md")
    for path in (repo / ".grader" / "starter").iterdir():
        shutil.copy(path, repo / path.name)
    shutil.copytree(COURSE_REPO / ".github", repo / ".github")
    return repo


def _run_workflow(repo: Path, tmp_path: Path) -> tuple[list[subprocess.CompletedProcess[str]], Path]:
    summary = tmp_path / "step-summary.md"
    env = {"PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin", "HOME": str(tmp_path / "home"),
           "GITHUB_STEP_SUMMARY": str(summary)}
    runs = [subprocess.run(line, shell=True, cwd=repo, env=env, capture_output=True, text=True, timeout=300)
            for line in _grader_steps()]
    return runs, summary


def test_the_workflow_checks_with_the_bundle_and_no_reference() -> None:
    assert _grader_steps() == ["grader check .grader . --junit grader-junit.xml"]
    assert "reference" not in WORKFLOW.read_text().replace("reference's answers", "").replace("No reference", "")


@pytest.mark.parametrize("work, exit_code, shown", [
    ("starter", 1, "0 / 4 on public checks"),
    ("update-sign-error", 1, "3.5 / 4 on public checks"),
    ("correct", 0, "4 / 4 on public checks"),
])
def test_a_student_push_goes_red_until_the_public_checks_pass(template: Path, tmp_path: Path, work: str,
                                                               exit_code: int, shown: str) -> None:
    repo = tmp_path / "student-repo"
    shutil.copytree(template, repo)
    if work != "starter":
        shutil.copy(ROOT / "submissions" / "bp-manual" / work / "bp.py", repo / "bp.py")
    runs, summary = _run_workflow(repo, tmp_path)
    assert [r.returncode for r in runs] == [exit_code], runs[0].stderr
    assert shown in runs[0].stdout
    assert (repo / "grader-junit.xml").read_text().startswith("<?xml")
    assert "One SGD step" in summary.read_text()
    assert not (repo / "reference").exists() and not list(repo.rglob("oracle.py"))


def test_docs_ci_shows_the_same_workflow_as_the_template() -> None:
    assert WORKFLOW.read_text() in (ROOT / "docs" / "ci.md").read_text()
