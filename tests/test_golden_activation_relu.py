"""activation-relu: published numbers of the reference, and the example submissions' pinned scores."""

from __future__ import annotations

import importlib.util
import re

import numpy as np
import pytest
from conftest import ROOT

from grader import api

NAME = "activation-relu"
EXAMPLES = ROOT / "submissions" / NAME

# submission -> (score, {check id: status} for every check that does not pass). The written
# question (a manual check, 1 point) is pending in every result until the instructor grades it.
PENDING = {"compare-with-sigmoid": "pending"}
GOLDEN = {
    "correct": (12.0, {}),
    "sigmoid-derivative-left-in": (7.1667, {"gradients-given": "failed", "dead-units": "partial", "learning-rates": "partial",
                                            "gradients-hidden": "failed", "train-hidden": "failed"}),
    "relu-derivative-always-one": (6.4167, {"gradients-given": "failed", "dead-units": "failed", "learning-rates": "partial",
                                            "relu-grad-hidden": "partial", "gradients-hidden": "failed", "train-hidden": "failed"}),
    "no-relu-on-output": (4.0, {"forward-given": "failed", "loss-given": "failed", "gradients-given": "failed",
                                "dead-units": "failed", "learning-rates": "partial", "forward-hidden": "failed",
                                "gradients-hidden": "failed", "train-hidden": "failed"}),
    "hardcoded": (6.5, {"learning-rates": "partial", "forward-hidden": "failed", "loss-hidden": "failed",
                        "gradients-hidden": "failed", "update-hidden": "failed", "train-hidden": "failed"}),
}

X, Y = np.array([0.5, 0.3]), np.array([0.23, -0.07])
W = np.array([0.2, -0.4, 0.5, 0.6, 0.1, -0.5, -0.3, 0.8])


@pytest.fixture(scope="module")
def assignment():
    return api.load_assignment(ROOT / "assignments" / NAME)


@pytest.fixture(scope="module")
def graded(engine, assignment):
    prepared = engine.prepare(assignment)
    results = {path.name: engine.grade(prepared, path) for path in sorted(EXAMPLES.iterdir())}
    results["<reference>"] = engine.grade(prepared, assignment.reference_dir)
    return results


@pytest.fixture(scope="module")
def ref():
    spec = importlib.util.spec_from_file_location("relu_reference", ROOT / "assignments" / NAME / "reference" / "relu_bp.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_reference_reproduces_the_published_numbers(ref) -> None:
    h, o = ref.forward(X, W)
    np.testing.assert_array_equal(np.round(o, 4), [0.0250, 0.0000])
    assert h[1] == 0.0 and o[1] == 0.0                      # dead units: ReLU(-0.02), ReLU(-0.125)
    assert abs(ref.loss(o, Y) - 0.0234625) < 1e-15
    w1 = ref.update(W, ref.backward(X, Y, W), 1.0)
    # The published 4-decimal values round half up (0.21025 -> 0.2103): agree to half a unit in the 4th place.
    np.testing.assert_allclose(w1[[0, 2, 1, 3]], [0.2103, 0.5062, -0.4000, 0.6000], rtol=0, atol=5e-5 + 1e-12)
    np.testing.assert_allclose(w1[[4, 6, 5, 7]], [0.1513, -0.3000, -0.5000, 0.8000], rtol=0, atol=5e-5 + 1e-12)
    np.testing.assert_allclose(w1[[0, 2, 4]], [0.21025, 0.50615, 0.15125], rtol=0, atol=1e-15)
    np.testing.assert_array_equal(w1[[1, 3, 5, 6, 7]], W[[1, 3, 5, 6, 7]])   # no gradient through dead units


def test_reference_relu_derivative_at_zero_is_zero(ref) -> None:
    np.testing.assert_array_equal(ref.relu_grad(np.array([-1.0, 0.0, 2.0])), [0.0, 0.0, 1.0])


def test_starter_has_the_same_functions_unimplemented(ref) -> None:
    spec = importlib.util.spec_from_file_location("relu_starter", ROOT / "assignments" / NAME / "starter" / "relu_bp.py")
    starter = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(starter)
    import inspect
    for name in ("relu", "relu_grad", "forward", "loss", "backward", "update", "train"):
        assert inspect.signature(getattr(starter, name)) == inspect.signature(getattr(ref, name))
    with pytest.raises(NotImplementedError):
        starter.backward(X, Y, W)


def test_every_example_is_pinned() -> None:
    assert sorted(p.name for p in EXAMPLES.iterdir()) == sorted(GOLDEN)


def test_reference_scores_full_marks(graded) -> None:
    result = graded["<reference>"]
    assert result.max_score == 13.0 and result.pending_points == 1.0
    assert result.score == result.max_score - result.pending_points == 12.0
    assert result.passed


@pytest.mark.parametrize("name", sorted(GOLDEN))
def test_golden_score_and_statuses(graded, name: str) -> None:
    score, not_passed = GOLDEN[name]
    result = graded[name]
    assert result.status == "graded"
    assert {c.id: c.status for c in result.checks if c.status != "passed"} == {**not_passed, **PENDING}
    assert result.score == score and result.max_score == 13.0


def test_dead_unit_message_explains_why(graded) -> None:
    check = next(c for c in graded["relu-derivative-always-one"].checks if c.id == "dead-units")
    assert "w2, w4, w6, w7, w8 after one step should match" in check.message
    assert "h2 and o2 are dead" in check.message and "no gradient reaches w2, w4, w6, w8" in check.message


def test_learning_rate_experiment_names_each_failing_property(graded) -> None:
    check = next(c for c in graded["no-relu-on-output"].checks if c.id == "learning-rates")
    assert "the last loss with lr = 1 should be above 0.00245" in check.message
    assert "o2 is dead and stays 0" in check.message
    assert [p["passed"] for p in check.details["properties"]].count(False) == 3


def test_hidden_messages_reveal_no_expected_values(graded) -> None:
    for result in graded.values():
        for check in result.checks:
            if check.visibility == "hidden":
                assert not re.search(r"expected -?[0-9.]", check.message) and "expected_at_worst" not in check.details
                # ReLU makes many true gradients exactly 0: a hidden message must not say which (a bug fixed here)
                assert "the true value is 0" not in check.message and None not in check.details.get("rel_err", {}).values()
