"""softmax-regression (d2l 3.6): the reference against the book's definitions, and pinned example scores."""

from __future__ import annotations

import importlib.util
import inspect
import re

import pytest
import torch
from conftest import ROOT

from grader import api

NAME = "softmax-regression"
EXAMPLES = ROOT / "submissions" / NAME

GOLDEN = {
    "correct": (11.0, {}),
    "softmax-sums-columns": (4.3333, {"softmax-given": "failed", "softmax-rows": "partial", "net-given": "failed",
                                      "sgd-step-given": "failed", "softmax-hidden": "failed", "net-hidden": "failed",
                                      "sgd-step-hidden": "failed", "train-hidden": "failed"}),
    "sgd-forgets-batch-size": (7.5, {"sgd-step-given": "failed", "sgd-step-hidden": "failed", "train-hidden": "failed"}),
    "reshape-wrong-dimension": (4.5, {c: "error" for c in ("net-given", "sgd-step-given", "step-sizes", "net-hidden",
                                                           "sgd-step-hidden", "train-hidden")}),
    "accuracy-as-fraction": (9.25, {"accuracy-given": "failed", "accuracy-forms": "failed", "accuracy-forms-hidden": "failed",
                                    "accuracy-hidden": "partial"}),
}

def _load(folder: str, name: str):
    spec = importlib.util.spec_from_file_location(name, ROOT / "assignments" / NAME / folder / "softmax_regression.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def ref():
    return _load("reference", "softmax_regression_reference")


@pytest.fixture(scope="module")
def graded(engine):
    assignment = api.load_assignment(ROOT / "assignments" / NAME)
    prepared = engine.prepare(assignment)
    results = {path.name: engine.grade(prepared, path) for path in sorted(EXAMPLES.iterdir())}
    results["<reference>"] = engine.grade(prepared, assignment.reference_dir)
    return results


def test_reference_follows_the_book(ref) -> None:
    gen = torch.Generator().manual_seed(0)
    X, y = torch.randn(8, 1, 2, 3, generator=gen), torch.tensor([0, 1, 2, 0, 1, 2, 0, 1])
    W, b = torch.normal(0, 0.01, (6, 3), generator=gen), torch.zeros(3)
    y_hat = ref.net(X, W, b)
    torch.testing.assert_close(y_hat.sum(1), torch.ones(8))
    torch.testing.assert_close(y_hat, torch.softmax(X.reshape(8, 6) @ W + b, dim=1))
    torch.testing.assert_close(ref.cross_entropy(y_hat, y).mean(), torch.nn.functional.cross_entropy(X.reshape(8, 6) @ W + b, y))
    assert ref.accuracy(y_hat, y) == float((y_hat.argmax(1) == y).sum()) == ref.accuracy(y_hat.argmax(1), y)
    W1, b1 = ref.sgd_step(X, y, W, b, 0.5)
    model = torch.nn.Linear(6, 3)
    with torch.no_grad():
        model.weight.copy_(W.T)
        model.bias.copy_(b)
    optimiser = torch.optim.SGD(model.parameters(), lr=0.5)
    torch.nn.functional.cross_entropy(model(X.reshape(8, 6)), y).backward()   # mean loss = sum / batch size
    optimiser.step()
    torch.testing.assert_close(W1, model.weight.detach().T)
    torch.testing.assert_close(b1, model.bias.detach())


def test_starter_has_the_reference_signatures(ref) -> None:
    starter = _load("starter", "softmax_regression_starter")
    for name, func in inspect.getmembers(ref, inspect.isfunction):
        if func.__module__ == ref.__name__:
            assert inspect.signature(getattr(starter, name)) == inspect.signature(func)
    with pytest.raises(NotImplementedError):
        starter.softmax(torch.zeros(1, 2))


def test_every_example_is_pinned() -> None:
    assert sorted(p.name for p in EXAMPLES.iterdir()) == sorted(GOLDEN)


def test_reference_scores_full_marks(graded) -> None:
    assert graded["<reference>"].score == graded["<reference>"].max_score == 11.0


@pytest.mark.parametrize("name", sorted(GOLDEN))
def test_golden_score_and_statuses(graded, name: str) -> None:
    score, not_passed = GOLDEN[name]
    result = graded[name]
    assert result.status == "graded"
    assert {c.id: c.status for c in result.checks if c.status != "passed"} == not_passed
    assert result.score == score


def test_row_sum_message_names_the_axis(graded) -> None:
    check = next(c for c in graded["softmax-sums-columns"].checks if c.id == "softmax-rows")
    assert "each row of softmax(logits) should sum to 1 along axis 1" in check.message


def test_hidden_messages_reveal_no_expected_values(graded) -> None:
    for result in graded.values():
        for check in result.checks:
            if check.visibility == "hidden":
                assert not re.search(r"expected -?[0-9.]", check.message) and "expected_at_worst" not in check.details
