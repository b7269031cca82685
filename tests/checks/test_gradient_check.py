"""gradient: hand-derived gradients against autograd, naming each wrong parameter."""

import numpy as np

from grader.checks.base import Evaluation, JudgeContext
from grader.checks.gradient import Gradient, GradientSpec, oracle_module
from grader.values import ArrayValue

TRUE = np.array([-0.0084215, 0.0126067, -0.0050529, 0.0075640, 0.0346330, 0.0838661, 0.0304946, 0.0738447])
NAMES = [f"w{i}" for i in range(1, 9)]


def spec(**kw) -> GradientSpec:
    return GradientSpec(id="grad", kind="gradient", call="backward(x, y, w)", names=NAMES,
                        autograd={"function": "hidden/oracle.py:loss", "args": ["x", "y", "w"], "wrt": "w"},
                        rtol=1e-6, atol=1e-6, **kw)


def judge(got: np.ndarray, **kw):
    arr = lambda v: ArrayValue(np.asarray(v, dtype=np.float64), "numpy.ndarray")  # noqa: E731
    ctx = JudgeContext([Evaluation(True, arr(got))], [Evaluation(True, arr(TRUE))], [], {}, None, None)
    return Gradient().judge(spec(**kw), ctx)


def test_correct_gradient_passes() -> None:
    assert judge(TRUE + 1e-9).status == "passed"


def test_names_only_the_wrong_weights() -> None:
    got = TRUE.copy()
    got[[0, 2]] *= 4.0
    outcome = judge(got)
    assert outcome.status == "failed"
    assert outcome.details["wrong"] == ["w1", "w3"]
    assert "∂E/∂w1, ∂E/∂w3" in outcome.message and "about 4× the true values" in outcome.message
    assert "w2, w4, w5, w6, w7, w8 are right" in outcome.message


def test_tiny_derivative_bug_at_1e5_fails() -> None:
    got = TRUE.copy()
    got[1] += 3e-5
    outcome = judge(got)
    assert outcome.status == "failed" and outcome.details["wrong"] == ["w2"]


def test_wrong_shape_is_reported_before_values() -> None:
    assert judge(TRUE[:4]).details["step"] == "shape"


def test_oracle_module_names() -> None:
    assert oracle_module("hidden/oracle.py:loss") == ("hidden/oracle.py", "grader_hidden_oracle", "loss")


def test_tasks_carry_the_oracle_for_the_reference_run() -> None:
    task = Gradient().tasks(spec(), 2)[1]
    assert task.case == 1 and task.oracle == {"module": "grader_hidden_oracle", "function": "loss",
                                              "args": ["x", "y", "w"], "wrt": ["w"]}


def test_a_wrong_gradient_where_the_truth_is_zero_says_so() -> None:
    arr = lambda v: ArrayValue(np.asarray(v, dtype=np.float64), "numpy.ndarray")  # noqa: E731
    truth = TRUE.copy()
    truth[5] = 0.0
    got = truth.copy()
    got[5] = 0.01
    ctx = JudgeContext([Evaluation(True, arr(got))], [Evaluation(True, arr(truth))], [], {}, None, None)
    outcome = Gradient().judge(spec(), ctx)
    assert outcome.details["wrong"] == ["w6"]
    assert "worst w6: abs err 0.01, the true value is 0" in outcome.message
