"""compare: the student's return value against the reference's, case by case."""

import numpy as np

from grader.checks.base import Evaluation, JudgeContext
from grader.checks.compare import Compare, CompareSpec
from grader.values import ArrayValue, ScalarValue


def ctx(got, expected) -> JudgeContext:
    return JudgeContext([Evaluation(True, g) for g in got], [Evaluation(True, e) for e in expected], [], {}, 1e-6, 1e-6)


def a(*values) -> ArrayValue:
    return ArrayValue(np.array(values, dtype=np.float64), "numpy.ndarray")


def spec(**kw) -> CompareSpec:
    return CompareSpec(id="fwd", kind="compare", call="forward(x, w)", **kw)


def test_passes_when_every_case_matches() -> None:
    outcome = Compare().judge(spec(), ctx([a(1, 2), a(3)], [a(1, 2), a(3)]))
    assert outcome.status == "passed" and outcome.score_fraction == 1.0
    assert "on 2 cases" in outcome.message


def test_names_label_tuple_parts_in_messages() -> None:
    outcome = Compare().judge(spec(names=["h", "o"]), ctx([(a(1, 2), a(3, 5))], [(a(1, 2), a(3, 4))]))
    assert outcome.status == "failed"
    assert outcome.message.startswith("o: 1 of 2 values differ; worst at [1]: expected 4, got 5")


def test_hidden_check_messages_reveal_no_expected_value() -> None:
    outcome = Compare().judge(spec(visibility="hidden"), ctx([a(1, 2.5)], [a(1, 2.123456)]))
    assert outcome.status == "failed"
    assert "2.12" not in outcome.message and "values are wrong" in outcome.message


def test_names_the_failing_case() -> None:
    outcome = Compare().judge(spec(), ctx([a(1), a(9), a(3)], [a(1), a(2), a(3)]))
    assert "(case 2 of 3)" in outcome.message and outcome.details["case"] == 1


def test_spec_tolerance_overrides_assignment_default() -> None:
    outcome = Compare().judge(spec(atol=0.1), ctx([ScalarValue(1.05, "float")], [ScalarValue(1.0, "float")]))
    assert outcome.status == "passed"
