"""python: an instructor's judge function in hidden/ scores the student's values against the reference's."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import write_assignment, write_submission

from grader import spec
from grader.checks.base import Evaluation, JudgeContext
from grader.checks.python import Judgement, Python, PythonSpec
from grader.engine import Engine
from grader.errors import SpecError
from grader.values import ArrayValue

SPEC = """\
name: judged
title: Judged
files: [work.py]
sandbox: {timeout_s: 10, preload: [numpy]}
inputs:
  given: {x: [1.0, 2.0, 3.0]}
checks:
  - id: doubles
    kind: python
    call: work(x)
    inputs: given
    judge: hidden/judges.py:close_enough
    points: 4
  - id: doubles-hidden
    kind: python
    visibility: hidden
    call: work(x)
    inputs: given
    judge: hidden/judges.py:close_enough
  - id: in-points
    kind: python
    call: work(x)
    inputs: given
    judge: hidden/judges.py:in_points
    score: points
    points: 2
  - id: broken
    kind: python
    call: work(x)
    inputs: given
    judge: hidden/judges.py:broken
"""
REFERENCE = {"work.py": "def work(x):\n    return 2 * x\n"}
JUDGES = {"judges.py": """\
import numpy as np


def close_enough(got, expected, inputs):
    assert isinstance(got, np.ndarray) and isinstance(inputs["x"], np.ndarray)
    right = int(np.sum(np.isclose(got, expected)))
    return right / expected.size, f"{right} of {expected.size} values are right (expected {expected.tolist()})"


def in_points(got, expected, inputs):
    return 5.0, "more points than the check has"


def broken(got, expected, inputs):
    raise ValueError(f"the judge has a bug near {expected.tolist()}")
"""}


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    root = tmp_path_factory.mktemp("python-kind")
    folder = write_assignment(root / "a", SPEC, REFERENCE, JUDGES)
    half_right = "import numpy as np\n\ndef work(x):\n    return np.array([2.0, 4.0, 0.0])\n"
    with Engine(workers=1, secret="python-kind", preload=["numpy"], require=[]) as engine:
        prepared = engine.prepare(spec.load(folder))
        result = engine.grade(prepared, write_submission(root / "s", {"work.py": half_right}))
    return {check.id: check for check in result.checks}


def test_a_judge_awards_partial_credit_with_its_own_message(results) -> None:
    check = results["doubles"]
    assert check.status == "partial" and check.score == pytest.approx(4 * 2 / 3, abs=1e-3)
    assert check.message == "2 of 3 values are right (expected [2.0, 4.0, 6.0])."


def test_a_hidden_check_never_quotes_the_judge(results) -> None:
    check = results["doubles-hidden"]
    assert check.status == "partial" and check.score == pytest.approx(2 / 3, abs=1e-3)
    assert "6.0" not in check.message and "values are right" not in check.message
    assert check.message == "The judge awarded 67% of the points."


def test_points_beyond_the_check_are_clamped(results) -> None:
    check = results["in-points"]
    assert check.status == "passed" and check.score == 2


def test_a_judge_that_raises_is_a_grader_error_in_one_sentence(results) -> None:
    check = results["broken"]
    assert check.status == "error" and check.score == 0
    assert check.message.startswith("The instructor's judge hidden/judges.py:broken raised ValueError: the judge has a bug")
    assert check.message.endswith("this is a fault of the assignment, not of your submission.")


def _judge_alone(tmp_path, judges: dict[str, str], judge: str, visibility: str = "public"):
    folder = write_assignment(tmp_path / "a", SPEC, REFERENCE, judges)
    check = PythonSpec(id="j", call="work(x)", judge=judge, visibility=visibility)
    value = ArrayValue(np.array([2.0, 4.0]), "numpy.ndarray")
    ctx = JudgeContext([Evaluation(True, value)], [Evaluation(True, value)], [{"x": np.array([1.0, 2.0])}], {},
                       None, None, assignment=spec.load(folder))
    return Python().judge(check, ctx)


def test_a_judgement_dataclass_is_accepted(tmp_path) -> None:
    judges = {"j.py": "from grader.checks.python import Judgement\n\n"
                      "def judge(got, expected, inputs):\n    return Judgement(1.0, 'all good')\n"}
    verdict = _judge_alone(tmp_path, judges, "hidden/j.py:judge")
    assert (verdict.status, verdict.score_fraction, verdict.message) == ("passed", 1.0, "all good.")
    assert Judgement(0.5, "x").score == 0.5


def test_a_judge_returning_nonsense_or_missing_is_an_error(tmp_path) -> None:
    judges = {"j.py": "def judge(got, expected, inputs):\n    return 'fine'\n"}
    verdict = _judge_alone(tmp_path, judges, "hidden/j.py:judge")
    assert verdict.status == "error" and "returned str, not a (score, message) pair" in verdict.message
    verdict = _judge_alone(tmp_path, judges, "hidden/j.py:other")
    assert verdict.status == "error" and "defines no function other" in verdict.message
    verdict = _judge_alone(tmp_path, judges, "hidden/none.py:judge")
    assert verdict.status == "error" and "is missing" in verdict.message


def test_a_hidden_judge_that_raises_names_only_the_exception_type(tmp_path) -> None:
    judges = {"j.py": "def judge(got, expected, inputs):\n    raise ValueError(f'secret {expected}')\n"}
    verdict = _judge_alone(tmp_path, judges, "hidden/j.py:judge", visibility="hidden")
    assert verdict.status == "error" and "secret" not in verdict.message and "ValueError" in verdict.message


def test_the_judge_must_live_in_hidden_and_the_call_use_known_inputs(tmp_path) -> None:
    with pytest.raises(ValueError):
        PythonSpec(id="j", call="work(x)", judge="reference/work.py:work")
    bad = SPEC.replace("call: work(x)\n    inputs: given\n    judge: hidden/judges.py:broken",
                       "call: work(y)\n    inputs: given\n    judge: hidden/judges.py:broken")
    folder = write_assignment(tmp_path / "b", bad, REFERENCE, JUDGES)
    with pytest.raises(SpecError, match="y not among the check's inputs"):
        spec.load(folder)
