"""The mlp assignment (d2l 4.2/4.3): pinned example scores, reproducibility, and the reference under 20 seeds.

Training is real (10 epochs on the 60,000 Fashion-MNIST images, ~15-30 s per model on one
core here), so every grading of this module runs two at a time on the session's warm engine.
"""

from __future__ import annotations

import os
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from conftest import ROOT, write_assignment

from grader import api, datasets

SHARED = Path(os.environ.get("GRADER_DATA") or ROOT.parent / "shared" / "data" / "fashion-mnist").resolve()
pytestmark = pytest.mark.skipif(not datasets._present(SHARED), reason=f"no Fashion-MNIST in {SHARED} (set GRADER_DATA)")
ASSIGNMENT = ROOT / "assignments" / "mlp"
EXAMPLES = ROOT / "submissions" / "mlp"
SEEDS = int(os.environ.get("GRADER_TRAIN_SEEDS", "20"))  # per training function

# submission -> (score, {check id: status} for every check that does not pass)
GOLDEN = {
    "correct": (10.0, {}),
    "std-one-init": (7.7917, {"init-params": "partial", "init-params-scale": "failed", "train-scratch": "partial"}),
    "grad-not-zeroed": (6.75, {"train-scratch": "failed"}),
}


@pytest.fixture(scope="module", autouse=True)
def data_env():
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("GRADER_DATA", str(SHARED))
        yield


@pytest.fixture(scope="module")
def graded(engine, data_env):
    prepared = engine.prepare(api.load_assignment(ASSIGNMENT))
    paths = {p.name: p for p in sorted(EXAMPLES.iterdir())} | {"reference": ASSIGNMENT / "reference"}
    with ThreadPoolExecutor(2) as pool:
        results = dict(zip(paths, pool.map(lambda p: engine.grade(prepared, p), paths.values())))
    return results


def check(result, check_id):
    return next(c for c in result.checks if c.id == check_id)


def test_every_example_is_pinned() -> None:
    assert sorted(p.name for p in EXAMPLES.iterdir()) == sorted(GOLDEN)


@pytest.mark.parametrize("name", sorted(GOLDEN))
def test_golden_statuses(graded, name: str) -> None:
    score, not_passed = GOLDEN[name]  # std-one-init: 74.3% -> the half-credit tier (70-78%)
    result = graded[name]
    assert result.status == "graded"
    statuses = {c.id: c.status for c in result.checks if c.status != "passed"}
    assert statuses == not_passed
    assert result.score == score


def test_reference_scores_full_marks(graded) -> None:
    assert graded["reference"].score == graded["reference"].max_score == 10.0


def test_std_one_init_gets_the_tier_its_accuracy_earns(graded) -> None:
    train = check(graded["std-one-init"], "train-scratch")
    accuracy = train.details["accuracy"]
    assert 0.5 < accuracy < 0.82  # it learns, but worse than std 0.01 (~0.85 with this seed)
    tiers = {0: 1.0, 1: 0.5, None: 0.0}
    assert train.score == pytest.approx(3.25 * tiers[train.details["tier"]])
    init = check(graded["std-one-init"], "init-params")
    assert "must be drawn from N(0, 0.01²)" in init.message and "standard deviations are 1" in init.message
    if train.details["tier"] != 0:
        assert "initialisation scale (the assignment asks for std 0.01)" in train.message


def test_gradients_never_zeroed_is_near_chance_and_told_it_diverged(graded) -> None:
    train = check(graded["grad-not-zeroed"], "train-scratch")
    assert train.details["accuracy"] < 0.2 and train.score == 0
    assert "no better than guessing" in train.message and "diverged" in train.message
    assert "never reset to zero" in train.message
    assert check(graded["grad-not-zeroed"], "train-concise").status == "passed"


def test_correct_models_land_where_the_reference_does(graded) -> None:
    for check_id in ("train-scratch", "train-concise"):
        accuracy = check(graded["correct"], check_id).details["accuracy"]
        assert 0.80 <= accuracy <= 0.87
        assert check(graded["correct"], check_id).details["device"] == "cpu"


def _one_check_assignment(folder: Path, train_call: str, predict: str, epochs: int, runs: int) -> Path:
    write_assignment(folder, f"""
        name: mlp-{folder.name}
        title: one training check
        files: [mlp.py]
        seed: 7
        sandbox: {{timeout_s: 300, memory_mb: 2048}}
        checks:
          - id: train
            kind: train
            train: {train_call}
            predict: {predict}
            inputs: {{num_epochs: {epochs}, lr: 0.1, batch_size: 256}}
            runs: {runs}
            tiers: [{{min_accuracy: 0.78, credit: 1.0}}, {{min_accuracy: 0.70, credit: 0.5}}]
        """, {})
    (folder / "reference").mkdir(exist_ok=True)
    shutil.copy(ASSIGNMENT / "reference" / "mlp.py", folder / "reference" / "mlp.py")
    return folder


def test_grading_twice_gives_the_same_accuracy_to_the_last_digit(engine, tmp_path) -> None:
    folder = _one_check_assignment(tmp_path / "once", "train_concise(X, y, num_epochs, lr, batch_size)", "model(X)", 1, 1)
    assignment = api.load_assignment(folder)
    first = engine.grade(engine.prepare(assignment), folder / "reference").checks[0].details
    second = engine.grade(engine.prepare(assignment), folder / "reference").checks[0].details
    assert first["accuracy"] == second["accuracy"] and first["train_loss"] == second["train_loss"]
    assert 0.6 < first["accuracy"] < 0.85  # one epoch of real training
    assert first["dataset"] == {"name": "fashion-mnist", "title": "Fashion-MNIST", "root": str(SHARED), "stand_in": False,
                                "train_images": 60_000, "test_images": 10_000}   # what it trained on, recorded


@pytest.mark.slow
def test_reference_clears_full_credit_under_many_seeds(engine, tmp_path) -> None:
    """Each training function of the reference, from 20 seeds (one sandboxed batch each, two at a time)."""
    calls = {"scratch": ("train_scratch(X, y, num_epochs, lr, batch_size)", "net(X, model)"),
             "concise": ("train_concise(X, y, num_epochs, lr, batch_size)", "model(X)")}
    folders = [_one_check_assignment(tmp_path / name, *call, 10, SEEDS) for name, call in calls.items()]

    def grade(folder: Path):
        return engine.grade(engine.prepare(api.load_assignment(folder)), folder / "reference").checks[0]

    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(grade, folders))
    for name, result in zip(calls, results):
        accuracies = result.details["accuracies"]
        print(f"{name}: {len(accuracies)} seeds, accuracy min {min(accuracies):.4f} max {max(accuracies):.4f}")
        assert len(accuracies) == SEEDS and len(set(accuracies)) > 1  # really different seeds
        assert min(accuracies) >= 0.78 + 0.01, f"{name}: a seed came within 1 point of the full-credit tier"

