"""``grader strength``: mutants of the reference, graded; survivors listed with their diff."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import write_assignment

from grader import api
from grader.authoring import strength
from grader.authoring.mutation import enumerate_mutants, mutate
from grader.errors import GraderError

SPEC = """\
name: scale
title: Scale
files: [scale.py]
tolerance: {rtol: 1.0e-9, atol: 1.0e-9}
sandbox: {preload: [numpy]}
inputs:
  one: {x: [2.0]}
  random: {cases: 5, x: {uniform: [-3, 3], shape: [4]}}
checks:
  - {id: at-two, kind: compare, title: f at 2, visibility: public, inputs: one, call: f(x)}
%s
"""
SQUARED = "swap operands: `x - 1.0` → `1.0 - x`"
REFERENCE = {"scale.py": """\
import numpy as np


def f(x):
    x = np.asarray(x, dtype=np.float64)  # pragma: no mutate
    return (x - 1.0) ** 2 + 3.0 * x
"""}


def test_mutants_are_single_changes_and_skip_no_mutate_lines() -> None:
    source = REFERENCE["scale.py"]
    mutants = enumerate_mutants("scale.py", source)
    assert mutants and all(m.line == 6 for m in mutants)
    kinds = {m.description.split(":")[0] for m in mutants}
    assert {"flip operator", "drop a factor", "swap operands", "perturb a constant"} <= kinds
    for m in mutants:
        text = mutate(source, m)
        assert text is None or text.count("\n") <= source.count("\n")


def test_weak_checks_leave_survivors_with_a_diff_and_strong_ones_catch_them(tmp_path: Path, engine) -> None:
    weak = api.load_assignment(write_assignment(tmp_path / "weak", SPEC % "", REFERENCE))
    measured = strength.measure(weak, engine, jobs=2)
    assert measured.total > 5 and measured.survivors
    assert measured.caught_hidden == 0  # there is no hidden check at all
    survivor = measured.survivors[0]
    assert survivor.diff.startswith("--- reference/scale.py\n+++ mutant/scale.py")
    assert "-    return (x - 1.0) ** 2 + 3.0 * x" in survivor.diff

    strong_spec = SPEC % "  - {id: random, kind: compare, title: f on random x, visibility: hidden, inputs: random, call: f(x)}"
    strong = api.load_assignment(write_assignment(tmp_path / "strong", strong_spec, REFERENCE))
    measured = strength.measure(strong, engine, jobs=2)
    # (1 - x)² is (x - 1)²: the one mutant no check can catch, because it is not a bug.
    assert [v.mutant.description for v in measured.survivors] == [SQUARED]
    assert measured.caught_hidden == measured.total - 1


def test_reviewed_equivalents_come_from_strength_yaml(tmp_path: Path, engine) -> None:
    weak = api.load_assignment(write_assignment(tmp_path / "weak", SPEC % "", REFERENCE))
    reason = "the difference is squared"
    (weak.root / "strength.yaml").write_text(f"equivalent:\n  '{SQUARED}': {reason}\n")
    measured = strength.measure(weak, engine, jobs=2)
    assert measured.equivalent == 1
    assert [v.equivalent for v in measured.survivors if v.equivalent] == [reason]
    assert measured.rate("rest") > measured.rate()


def test_a_broken_review_file_or_reference_is_one_sentence(tmp_path: Path, engine) -> None:
    folder = write_assignment(tmp_path / "weak", SPEC % "", REFERENCE)
    (folder / "strength.yaml").write_text("equivalent: [not, a, mapping]\n")
    with pytest.raises(GraderError, match=r"strength\.yaml: expected `equivalent:`"):
        strength.reviewed_equivalents(api.load_assignment(folder))
    (folder / "strength.yaml").unlink()
    (folder / "reference" / "scale.py").write_text("def f(x):\n    raise ValueError('unfinished')\n")
    with pytest.raises(GraderError, match="the reference solution of scale fails check 'at-two'"):
        strength.measure(api.load_assignment(folder), engine)


def test_a_package_the_student_writes_is_mutated_only_inside_its_solution_markers() -> None:
    package = (b"import numpy as np\n\n\ndef sigmoid(x):\n    # BEGIN SOLUTION\n    return 1 / (1 + np.exp(-x))\n"
               b"    # END SOLUTION\n\n\ndef helper(x):\n    return x + 1\n")
    files = {"step43.py": b"x = 1\n", "dezero/functions.py": package, "dezero/utils.py": b"def f(x):\n    return x * 2\n"}
    found = strength.marked_elsewhere(files, ["step43.py"])
    assert list(found) == ["dezero/functions.py"]   # no markers in utils.py, and step43.py is the spec's own
    text, lines = found["dezero/functions.py"]
    assert lines == {6}
    assert {m.line for m in enumerate_mutants("dezero/functions.py", text) if m.line in lines} == {6}
