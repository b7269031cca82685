"""forms: an assignment handed in either way (functions or a script) is graded in the form that earns most."""

from __future__ import annotations

import pytest
from conftest import write_assignment

from grader import spec
from grader.engine import forms
from grader.errors import SpecError
from grader.redaction import InstructorRecord
from grader.results import CheckResult

SPEC = """\
name: two-forms
title: Two forms
files: [a.py]
forms:
  functions: [f]
  script: [s, s2]
checks:
  - {id: f, kind: compare, call: "f()", points: 2}
  - {id: s, kind: source, points: 1}
  - {id: s2, kind: source, points: 1}
  - {id: shared, kind: source, points: 1}
"""


def result(check_id: str, score: float, points: float) -> CheckResult:
    return CheckResult(id=check_id, kind="source", visibility="public", status="passed" if score == points else "failed",
                       score=score, max_score=points, message="")


def test_max_score_counts_one_form(tmp_path) -> None:
    assignment = spec.load(write_assignment(tmp_path / "a", SPEC, {"a.py": "def f():\n    return 1\n"}))
    assert assignment.max_score == 3.0


@pytest.mark.parametrize(("change", "error"), [
    ("  script: [s, s2]", "forms must be two or more, each worth the same points"),
    ("  script: [s, s2]\n  other: [s]", "is in two forms"),
    ("  script: [s, nope]", "no check 'nope'"),
])
def test_bad_forms_are_spec_errors(tmp_path, change: str, error: str) -> None:
    text = SPEC.replace("  script: [s, s2]", change) if "other" in change or "nope" in change else \
        SPEC.replace("  functions: [f]\n", "")
    with pytest.raises(SpecError, match=error):
        spec.load(write_assignment(tmp_path / "a", text, {"a.py": "def f():\n    return 1\n"}))


def test_the_form_that_earns_most_is_kept_and_named(tmp_path) -> None:
    assignment = spec.load(write_assignment(tmp_path / "a", SPEC, {"a.py": "def f():\n    return 1\n"}))
    checks = [result("f", 0, 2), result("s", 1, 1), result("s2", 1, 1), result("shared", 1, 1)]
    kept, _ = forms.keep(assignment, checks, InstructorRecord(submission="x", checks=[]))
    assert [c.id for c in kept] == ["s", "s2", "shared"]
    assert forms.max_score(assignment, kept) == 3.0
    assert forms.note(assignment, kept) == ["Graded as script: this form earns the most here; the checks for "
                                            "functions (f) are not counted."]
    tie = [result("f", 0, 2), result("s", 0, 1), result("s2", 0, 1), result("shared", 1, 1)]
    kept, _ = forms.keep(assignment, tie, InstructorRecord(submission="x", checks=[]))
    assert [c.id for c in kept] == ["f", "shared"] and forms.note(assignment, kept) == []
