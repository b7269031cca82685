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


SNOOPS = """\
import gc
import glob
import os
import sys

import numpy as np

FOUND = []
for obj in gc.get_objects():  # every array and dict the process inherited from the grader's worker
    try:
        if isinstance(obj, np.ndarray) and obj.size and obj.dtype.kind == "f" and float(np.max(obj)) > 100:
            FOUND.append(np.round(obj, 3).ravel().tolist())
        elif isinstance(obj, dict) and isinstance(obj.get("inputs"), str) and obj["inputs"].endswith(".npz"):
            for path in glob.glob(os.path.join(os.path.dirname(os.path.dirname(obj["inputs"])), "*", "*.npz")):
                with np.load(path) as archive:
                    FOUND += [np.round(archive[k], 3).ravel().tolist() for k in archive.files]
    except Exception as exc:
        FOUND.append(repr(exc)[:80])
for name, module in list(sys.modules.items()):
    cached = getattr(module, "_INPUTS", None)
    if isinstance(cached, dict):
        for arrays in cached.values():
            FOUND += [np.round(a, 3).ravel().tolist() for a in arrays.values()]
print("SNOOPED", FOUND)


def work(x):
    return 2 * x
"""


def test_a_public_run_holds_no_hidden_input_to_print(tmp_path: Path) -> None:
    """Student code in the public run can search its memory and the files it can read; the hidden
    inputs are in neither, so nothing it prints (shown to the student) can reveal them (a bug fixed here)."""
    folder = write_assignment(tmp_path / "a", SPEC, {"work.py": "def work(x):\n    return 2 * x\n"})
    with Engine(jobs=1, secret="leaks", preload=["numpy"], require=[]) as engine:
        prepared = engine.prepare(spec.load(folder))
        hidden_x = prepared.case_inputs["hidden-first"][0]["x"]
        first = write_submission(tmp_path / "s1", {"work.py": SNOOPS})
        result = engine.grade(prepared, first)
        again = engine.grade(prepared, write_submission(tmp_path / "s2", {"work.py": SNOOPS}))  # a warm worker's cache
    for graded in (result, again):
        shown = graded.output.get("stdout", "") + graded.output.get("stderr", "")
        assert "SNOOPED" in shown
        assert f"{hidden_x[0]:.3f}".rstrip("0")[:6] not in shown
