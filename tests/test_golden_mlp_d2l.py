"""mlp-d2l: the d2l book's script as students write it, run unchanged in the sandbox.

``from d2l import torch as d2l``, ``d2l.load_data_fashion_mnist`` (a DataLoader with four
worker processes, reading image by image) and ``d2l.train_ch3`` with its asserts. Each run
trains for 10 epochs the d2l way (about 100 s here), so the module grades its two examples
two at a time after the reference, and stands the ``correct`` example in for the
reference's own run of ``grader validate`` (their code is the same).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from conftest import ROOT

from grader import api
from grader.authoring import lint

ASSIGNMENT = ROOT / "assignments" / "mlp-d2l"
EXAMPLES = ROOT / "submissions" / "mlp-d2l"
pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("fashion_mnist", "d2l_installed")]   # skip, or fail in CI


@pytest.fixture(scope="module")
def graded(golden_results):
    """(assignment, results): the examples and ``<starter>`` graded once per session (pins: tests/golden/mlp-d2l.yaml)."""
    return api.load_assignment(ASSIGNMENT), golden_results("mlp-d2l")


def check(result, check_id):
    return next(c for c in result.checks if c.id == check_id)


def test_the_assignment_validates(graded) -> None:
    """What ``grader validate`` proves: the reference scores full marks (the correct example is the
    reference's code), the starter earns no hidden points, every check has words, the starter is current."""
    assignment, results = graded

    def code(path: Path) -> str:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        if tree.body and isinstance(tree.body[0], ast.Expr) and isinstance(tree.body[0].value, ast.Constant):
            tree.body = tree.body[1:]   # the module docstring
        return ast.dump(tree)

    assert code(EXAMPLES / "correct" / "mlp_d2l.py") == code(ASSIGNMENT / "reference" / "mlp_d2l.py")
    assert results["correct"].score == assignment.max_score
    problems = lint.check_texts(assignment) + lint.starter_freshness(assignment) + lint.starter_scores(assignment, results["<starter>"])
    assert problems == []


def test_the_book_code_trains_to_the_accuracy_the_grader_measures(graded) -> None:
    trained = check(graded[1]["correct"], "trained")
    assert 0.80 <= trained.details["accuracy"] <= 0.87
    assert trained.details["dataset"]["name"] == "fashion-mnist"   # its notes: tests/golden/mlp-d2l.yaml


def test_train_ch3s_own_assert_is_explained_and_the_trained_model_still_graded(graded) -> None:
    result = graded[1]["std-one-init"]
    trained = check(result, "trained")
    assert 0.70 <= trained.details["accuracy"] < 0.80 and trained.score == 3.0
    assert len(result.notes) == 2
    assert result.notes[0].startswith("Fashion-MNIST reached this code from tensors preloaded")   # the fast data path
    note = result.notes[1]
    assert note.startswith("mlp_d2l.py stopped at line 36 (`d2l.train_ch3(net, train_iter, test_iter, loss, num_epochs, updater)`): "
                           "d2l's train_ch3 checks the model after the last epoch, and the final training loss, ")
    assert "is not below 0.5 (its `assert train_loss < 0.5` failed)" in note
    assert "torch.randn(...) * 0.01" in note and note.endswith("The checks ran on what it had defined and trained by then.")


def test_the_starter_stops_early_and_earns_nothing_hidden(graded) -> None:
    result = graded[1]["<starter>"]
    assert all(c.score == 0 for c in result.checks if c.visibility == "hidden")
    assert check(result, "trained").score == 0
