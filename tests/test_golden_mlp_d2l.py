"""mlp-d2l: the d2l book's script as students write it, run unchanged in the sandbox.

``from d2l import torch as d2l``, ``d2l.load_data_fashion_mnist`` (a DataLoader with four
worker processes, reading image by image) and ``d2l.train_ch3`` with its asserts. Each run
trains for 10 epochs the d2l way (about 100 s here), so the module grades its two examples
two at a time after the reference, and stands the ``correct`` example in for the
reference's own run of ``grader validate`` (their code is the same).
"""

from __future__ import annotations

import ast
import importlib.util
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from conftest import ROOT

from grader import api, datasets
from grader.authoring import lint
from grader.engine import Engine

SHARED = Path(os.environ.get("GRADER_DATA") or ROOT.parent / "shared" / "data" / "fashion-mnist").resolve()
ASSIGNMENT = ROOT / "assignments" / "mlp-d2l"
EXAMPLES = ROOT / "submissions" / "mlp-d2l"
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not datasets._present(SHARED), reason=f"no Fashion-MNIST in {SHARED} (set GRADER_DATA)"),
    pytest.mark.skipif(importlib.util.find_spec("d2l") is None,
                       reason="d2l is not installed (pip install '.[d2l]' && pip install --no-deps d2l==0.17.6)"),
]

# submission -> (score, {check id: status} for every check that does not pass)
GOLDEN = {
    "correct": (10.0, {}),
    "std-one-init": (7.0, {"trained": "partial"}),   # ~0.78 test accuracy: the half-credit tier (0.70-0.80)
}


@pytest.fixture(scope="module")
def graded():
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("GRADER_DATA", str(SHARED))
        assignment = api.load_assignment(ASSIGNMENT)
        with Engine(workers=2, secret="test-secret", preload=assignment.spec.sandbox.preload) as engine:
            prepared = engine.prepare(assignment)
            paths = {p.name: p for p in sorted(EXAMPLES.iterdir())}
            with ThreadPoolExecutor(2) as pool:
                results = dict(zip(paths, pool.map(lambda p: engine.grade(prepared, p), paths.values())))
            results["starter"] = engine.grade(prepared, ASSIGNMENT / "starter")
    return assignment, results


def check(result, check_id):
    return next(c for c in result.checks if c.id == check_id)


def test_every_example_is_pinned() -> None:
    assert sorted(p.name for p in EXAMPLES.iterdir()) == sorted(GOLDEN)


@pytest.mark.parametrize("name", sorted(GOLDEN))
def test_golden_statuses(graded, name: str) -> None:
    score, not_passed = GOLDEN[name]
    result = graded[1][name]
    assert result.status == "graded"
    assert {c.id: c.status for c in result.checks if c.status != "passed"} == not_passed
    assert result.score == pytest.approx(score, abs=1e-4)


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
    problems = lint.check_texts(assignment) + lint.starter_freshness(assignment) + lint.starter_scores(assignment, results["starter"])
    assert problems == []


def test_the_book_code_trains_to_the_accuracy_the_grader_measures(graded) -> None:
    trained = check(graded[1]["correct"], "trained")
    assert 0.80 <= trained.details["accuracy"] <= 0.87
    assert trained.details["dataset"]["name"] == "fashion-mnist"
    assert graded[1]["correct"].notes == []


def test_train_ch3s_own_assert_is_explained_and_the_trained_model_still_graded(graded) -> None:
    result = graded[1]["std-one-init"]
    trained = check(result, "trained")
    assert 0.70 <= trained.details["accuracy"] < 0.80 and trained.score == 3.0
    assert len(result.notes) == 1
    note = result.notes[0]
    assert note.startswith("mlp_d2l.py stopped at line 36 (`d2l.train_ch3(net, train_iter, test_iter, loss, num_epochs, updater)`): "
                           "d2l's train_ch3 checks the model after the last epoch, and the final training loss, ")
    assert "is not below 0.5 (its `assert train_loss < 0.5` failed)" in note
    assert "torch.randn(...) * 0.01" in note and note.endswith("The checks ran on what it had defined and trained by then.")


def test_the_starter_stops_early_and_earns_nothing_hidden(graded) -> None:
    result = graded[1]["starter"]
    assert all(c.score == 0 for c in result.checks if c.visibility == "hidden")
    assert check(result, "trained").score == 0
