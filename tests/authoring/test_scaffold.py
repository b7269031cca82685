"""``grader new``, ``grader starter`` and what ``grader validate`` asks of an assignment's author."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from conftest import write_assignment

from grader import api
from grader.authoring import lint, scaffold, starter
from grader.errors import GraderError


def grader(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(cwd / "home"), "GRADER_SECRET": "scaffold-test"}
    return subprocess.run([sys.executable, "-m", "grader", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=300)


def test_new_scaffolds_an_assignment_that_validates_and_bundles(tmp_path: Path) -> None:
    made = grader("new", "my-relu", cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    folder = tmp_path / "assignments" / "my-relu"
    assert (folder / "reference" / "my_relu.py").is_file() and (folder / "README.md").is_file()
    assert "raise NotImplementedError" in (folder / "starter" / "my_relu.py").read_text()
    assert (tmp_path / "submissions" / "my-relu" / "correct" / "my_relu.py").is_file()
    checked = grader("validate", "my-relu", cwd=tmp_path)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "reference: 3 / 3" in checked.stdout and "starter: 0 / 3" in checked.stdout
    example = grader("check", "my-relu", "submissions/my-relu/correct", cwd=tmp_path)
    assert example.returncode == 0, example.stdout
    again = grader("new", "my-relu", cwd=tmp_path)
    assert again.returncode == 3 and "already exists" in again.stderr


def test_new_refuses_a_name_that_cannot_be_a_folder(tmp_path: Path) -> None:
    with pytest.raises(GraderError, match="cannot name an assignment"):
        scaffold.create("../escape", tmp_path)
    assert scaffold.module_name("2024-hw.3") == "hw_2024_hw_3"


SPEC = """\
name: tiny
title: Tiny
files: [tiny.py]
sandbox: {preload: [numpy]}
inputs:
  random: {cases: 3, x: {uniform: [-1, 1], shape: [3]}}
checks:
  - {id: double, kind: compare, title: Doubling, visibility: hidden, inputs: random, call: double(x)}
%s
"""
MARKED = {"tiny.py": """\
def double(x):
    \"\"\"Twice x.\"\"\"
    # BEGIN SOLUTION
    return 2 * x
    # END SOLUTION
"""}


def test_validate_reports_a_stale_starter_until_grader_starter_rewrites_it(tmp_path: Path) -> None:
    assignment = api.load_assignment(write_assignment(tmp_path / "tiny", SPEC % "", MARKED))
    assert lint.starter_freshness(assignment) == [
        "starter/ is out of date with reference/ (tiny.py); run `grader starter tiny`"]
    starter.write(assignment)
    assert lint.starter_freshness(assignment) == []
    (assignment.starter_dir / "tiny.py").write_text("def double(x):\n    return 2 * x\n")
    assert lint.starter_freshness(assignment) != []
    found = api.validate(assignment)
    assert found.reference_full and not found.ok
    assert any("scores 1 of 1 on hidden check 'double'" in p for p in found.problems)


def test_validate_wants_words_for_students_on_every_check(tmp_path: Path) -> None:
    spec_text = (SPEC % "  - {id: mute, kind: compare, visibility: public, inputs: random, call: double(x)}")
    assignment = api.load_assignment(write_assignment(tmp_path / "tiny", spec_text, MARKED))
    assert lint.check_texts(assignment) == [
        "check 'mute' has neither a title nor a description, so a student who fails it is not told what it is "
        "about; add `title:` (and `description:` for what it proves)"]


def test_starter_without_markers_is_refused_rather_than_leaking_the_solution(tmp_path: Path) -> None:
    plain = {"tiny.py": "def double(x):\n    return 2 * x\n"}
    assignment = api.load_assignment(write_assignment(tmp_path / "tiny", SPEC % "", plain))
    with pytest.raises(GraderError, match="has no solution markers"):
        starter.write(assignment)
    assert lint.starter_freshness(assignment) == []  # a hand-written starter is the author's business
