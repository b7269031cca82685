"""Hidden inputs and expected values never reach what a student sees."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader import report, spec
from grader.engine import Engine

from conftest import write_assignment, write_submission

SPEC = """\
name: leaks
title: Leaks
files: [work.py]
sandbox: {timeout_s: 5, preload: [numpy]}
checks:
  - id: hidden-first
    kind: compare
    visibility: hidden
    inputs: {x: {uniform: [1000, 2000], shape: [3]}}
    call: work(x)
  - id: public
    kind: compare
    inputs: {x: [1.0, 2.0, 3.0]}
    call: work(x)
"""
PRINTS = """\
import numpy as np


def work(x):
    print("INPUT", np.round(x, 3).tolist())
    if x[0] > 100:
        raise ValueError(f"INPUT {x.tolist()}")
    return 2 * x
"""


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = tmp_path_factory.mktemp("leaks")
    folder = write_assignment(root / "a", SPEC, {"work.py": "def work(x):\n    return 2 * x\n"})
    with Engine(jobs=1, secret="leaks", preload=["numpy"], require=[]) as engine:
        prepared = engine.prepare(spec.load(folder))
        hidden_x = prepared.case_inputs["hidden-first"][0]["x"]
        result = engine.grade(prepared, write_submission(root / "s", {"work.py": PRINTS}))
    return result, hidden_x


def test_public_checks_run_first_and_their_output_is_shown(graded) -> None:
    result, _ = graded
    assert "INPUT [1.0, 2.0, 3.0]" in result.output["stdout"]


def test_output_of_hidden_checks_is_kept_apart_from_what_students_see(graded) -> None:
    result, hidden_x = graded
    first = f"{hidden_x[0]:.3f}".rstrip("0")[:6]
    assert first not in result.output["stdout"] + result.output.get("stderr", "")
    assert first in result.output["hidden_stdout"]
    html = report.render_result(result.to_dict())
    assert first not in html


def test_exception_text_of_hidden_checks_is_not_shown(graded) -> None:
    result, hidden_x = graded
    check = next(c for c in result.checks if c.id == "hidden-first")
    assert check.status == "error"
    assert "ValueError (its message is not shown for hidden checks)" in check.message
    assert f"{hidden_x[0]:.3f}"[:6] not in check.message
