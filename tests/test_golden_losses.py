"""losses: the reference against PyTorch, and the example submissions' pinned scores."""

from __future__ import annotations

import importlib.util
import inspect
import re

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from conftest import ROOT

from grader import api

NAME = "losses"
EXAMPLES = ROOT / "submissions" / NAME

GOLDEN = {
    "correct": (16.0, {}),
    "notebook.ipynb": (16.0, {}),   # script style: everything at top level, a plot, plt.show(), magics
    "naive-softmax": (10.95, {"softmax-given": "failed", "softmax-is-a-distribution": "partial", "cross-entropy-given": "failed",
                             "cross-entropy-grad-given": "failed", "softmax-extreme-hidden": "partial",
                             "cross-entropy-extreme-hidden": "failed", "cross-entropy-grad-hidden": "failed"}),
    "log-of-softmax": (14.8333, {"cross-entropy-given": "failed", "cross-entropy-extreme-hidden": "partial"}),
    "mse-equals-half-sse": (13.6667, {"mse-vs-half-sse": "partial", "mse-hidden": "failed",
                                      "mse-vs-half-sse-hidden": "partial", "mse-grad-hidden": "failed"}),
    "ce-grad-not-averaged": (14.5, {"cross-entropy-grad-given": "failed", "cross-entropy-grad-hidden": "failed"}),
    "mse-sum-reduction": (12.2083, {"mse-given": "failed", "mse-vs-half-sse": "partial", "mse-grad-given": "failed",
                                   "prints-homework-losses": "partial", "mse-hidden": "failed",
                                   "mse-vs-half-sse-hidden": "partial", "mse-grad-hidden": "failed"}),
    # part 4 carries the sigmoid's derivative over from the squared error: every gradient about p(1 − p) ≈ ¼ of the truth
    "ce-keeps-sigmoid-derivative": (13.5, {"ce-gradients-given": "failed", "ce-training-given": "failed",
                                           "ce-gradients-hidden": "failed", "ce-training-hidden": "failed"}),
}


def _load(folder: str, name: str):
    spec = importlib.util.spec_from_file_location(name, ROOT / "assignments" / NAME / folder / "losses.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def ref():
    return _load("reference", "losses_reference")


@pytest.fixture(scope="module")
def graded(engine):
    assignment = api.load_assignment(ROOT / "assignments" / NAME)
    prepared = engine.prepare(assignment)
    results = {path.name: engine.grade(prepared, path) for path in sorted(EXAMPLES.iterdir())}
    results["<reference>"] = engine.grade(prepared, assignment.reference_dir)
    return results


def test_reference_matches_pytorch_on_extreme_logits(ref) -> None:
    rng = np.random.default_rng(1)
    for scale in (1.0, 1000.0):
        Z, labels = rng.uniform(-scale, scale, (16, 7)), rng.integers(0, 7, 16)
        zt = torch.tensor(Z, requires_grad=True)
        expected = F.cross_entropy(zt, torch.tensor(labels))
        (grad,) = torch.autograd.grad(expected, zt)
        assert ref.cross_entropy(Z, labels) == pytest.approx(expected.item(), rel=1e-12)
        np.testing.assert_allclose(ref.cross_entropy_grad(Z, labels), grad.numpy(), rtol=0, atol=1e-15)
        np.testing.assert_allclose(ref.softmax(Z), torch.softmax(torch.tensor(Z), -1).numpy(), rtol=1e-12, atol=1e-300)
        assert np.all(np.isfinite(ref.log_softmax(Z)))


def test_mse_is_two_over_n_times_half_sse(ref) -> None:
    o, y = np.array([0.476946, 0.528696]), np.array([0.23, -0.07])
    assert ref.mse(o, y) == pytest.approx(ref.half_sse(o, y), rel=1e-15)
    rng = np.random.default_rng(2)
    o, y = rng.uniform(size=5), rng.uniform(size=5)
    assert ref.mse(o, y) == pytest.approx(2 / 5 * ref.half_sse(o, y), rel=1e-12)
    x, W1, W2 = np.array([0.5, 0.3]), np.array([[0.2, 0.5], [-0.4, 0.6]]), np.array([[0.1, -0.3], [-0.5, 0.8]])
    half, mse = ref.network_losses(x, np.array([0.23, -0.07]), W1, W2)
    assert half == pytest.approx(0.209710, abs=1e-6) and mse == pytest.approx(half, rel=1e-15)


def test_starter_has_the_reference_signatures(ref) -> None:
    starter = _load("starter", "losses_starter")
    for name, func in inspect.getmembers(ref, inspect.isfunction):
        if func.__module__ == ref.__name__ and not name.startswith("_"):   # private helpers are the reference's own
            assert inspect.signature(getattr(starter, name)) == inspect.signature(func)
    with pytest.raises(NotImplementedError):
        starter.softmax(np.zeros((1, 2)))


def test_every_example_is_pinned() -> None:
    assert sorted(p.name for p in EXAMPLES.iterdir()) == sorted(GOLDEN)


def test_reference_scores_full_marks(graded) -> None:
    assert graded["<reference>"].score == graded["<reference>"].max_score == 16.0


@pytest.mark.parametrize("name", sorted(GOLDEN))
def test_golden_score_and_statuses(graded, name: str) -> None:
    score, not_passed = GOLDEN[name]
    result = graded[name]
    assert result.status == "graded"
    assert {c.id: c.status for c in result.checks if c.status != "passed"} == not_passed
    assert result.score == score


def test_overflow_messages_say_how_to_fix_it(graded) -> None:
    checks = {c.id: c for c in graded["naive-softmax"].checks}
    assert "subtract each row's maximum before exp" in checks["softmax-is-a-distribution"].message
    checks = {c.id: c for c in graded["log-of-softmax"].checks}
    assert "log(softmax) underflows to log 0" in checks["cross-entropy-extreme-hidden"].message


def test_mse_misconception_is_caught_only_beyond_two_outputs(graded) -> None:
    checks = {c.id: c for c in graded["mse-equals-half-sse"].checks}
    assert checks["mse-given"].status == "passed"
    assert "MSELoss with 5 outputs should match 2 / 5 * five.half" in checks["mse-vs-half-sse"].message


def test_hidden_messages_reveal_no_expected_values(graded) -> None:
    for result in graded.values():
        for check in result.checks:
            if check.visibility == "hidden":
                assert not re.search(r"expected -?[0-9.]", check.message) and "expected_at_worst" not in check.details


def test_printed_losses_are_matched_with_the_printed_precision(graded) -> None:
    check = next(c for c in graded["mse-sum-reduction"].checks if c.id == "prints-homework-losses")
    assert check.message == ("Your script printed 3 of 4 expected numbers in order. Expected the number 0.2097 "
                             "(after 'MSE loss') but your output never printed it; the closest was 0.4194 "
                             "(in 'MSE loss=0.4194') — about 2× too large.")
    # naive-softmax prints full float64 reprs, ce-grad-not-averaged a list and all three on one line
    for name in ("naive-softmax", "ce-grad-not-averaged", "correct"):
        assert next(c for c in graded[name].checks if c.id == "prints-homework-losses").status == "passed"


def test_a_notebook_runs_top_to_bottom_with_its_plot(graded) -> None:
    result = graded["notebook.ipynb"]
    assert result.score == result.max_score
    assert result.output["stdout"].count("MSE loss = 0.2097") == 2   # imported, then run for the output check
    assert "non-interactive" not in result.output.get("stderr", "")


def test_part_4_matches_torch_autograd_on_the_homework_network(ref) -> None:
    x, w = np.array([0.5, 0.3]), np.array([0.2, -0.4, 0.5, 0.6, 0.1, -0.5, -0.3, 0.8])
    tw = torch.tensor(w, requires_grad=True)
    h = torch.sigmoid(torch.stack([tw[0] * x[0] + tw[2] * x[1], tw[1] * x[0] + tw[3] * x[1]]))
    z = torch.stack([tw[4] * h[0] + tw[6] * h[1], tw[5] * h[0] + tw[7] * h[1]])
    loss = F.cross_entropy(z[None, :], torch.tensor([0]))
    loss.backward()
    assert ref.network_ce(x, 0, w) == pytest.approx(float(loss), rel=1e-12) == pytest.approx(0.8021, abs=1e-4)
    assert np.allclose(ref.network_ce_grad(x, 0, w), tw.grad.numpy(), rtol=1e-10, atol=1e-12)
    _final, losses = ref.train_ce(x, 0, w, 0.5, 5)
    assert len(losses) == 5 and all(b < a for a, b in zip(losses, losses[1:])) and np.array_equal(w, [0.2, -0.4, 0.5, 0.6, 0.1, -0.5, -0.3, 0.8])


def test_carrying_the_sigmoid_derivative_into_cross_entropy_is_named(graded) -> None:
    check = next(c for c in graded["ce-keeps-sigmoid-derivative"].checks if c.id == "ce-gradients-given")
    assert "Wrong gradient: ∂CE/∂w1" in check.message and "× the true values" in check.message
