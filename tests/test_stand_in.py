"""The demo's offline stand-in for Fashion-MNIST: scikit-learn's bundled handwritten digits at 28×28.

Fast: nothing trains here (the CLI tests run the demo itself). What must hold: the stand-in
is real data read from the installed scikit-learn without a download, upscaled as torch's
bilinear interpolation would, split the same way every time; the worker gets no test labels;
the verdict says loudly what it trained on; and only an engine told to (the demo's) uses it.
"""

from __future__ import annotations

import importlib.util
import json

import numpy as np
import pytest
from conftest import ROOT

from grader import api, datasets
from grader.checks.base import Evaluation, Harness, JudgeContext
from grader.checks.train import Train, TrainSpec
from grader.submission import read
from grader.values import ArrayValue, ScalarValue

needs_sklearn = pytest.mark.skipif(importlib.util.find_spec("sklearn") is None,
                                   reason="scikit-learn is not installed (pip install -e '.[test]')")
SPEC = TrainSpec.model_validate({"id": "train-it", "kind": "train", "train": "fit(X, y)", "predict": "model(X)",
                                 "tiers": [{"min_accuracy": 0.8, "credit": 1.0}, {"min_accuracy": 0.7, "credit": 0.5}]})


@pytest.fixture
def no_data(monkeypatch, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.setenv("GRADER_DATA", str(empty))
    monkeypatch.delenv("GRADER_DOWNLOAD", raising=False)
    return empty


def judge(harness, correct_fraction: float, spec: TrainSpec = SPEC):
    labels = datasets.test_labels(harness.root, harness.dataset)
    predictions = labels.copy()
    wrong = round((1 - correct_fraction) * len(labels))
    predictions[:wrong] = (predictions[:wrong] + 1) % 10
    got = Evaluation(True, value={"predictions": ArrayValue(predictions, "numpy.ndarray"), "device": "cpu",
                                  "train_seconds": ScalarValue(1.0, "float"), "train_loss": ScalarValue(0.4, "float"),
                                  "nonfinite_rows": ScalarValue(0, "int"), "predict_seconds": ScalarValue(0.1, "float")})
    return Train().judge(spec, JudgeContext([got], [Evaluation(True)], [{}], {}, None, None, harness))


def test_upscaling_gives_the_numbers_of_torch_bilinear_interpolation() -> None:
    import torch

    images = np.random.default_rng(0).uniform(0, 1, (5, 8, 8))
    want = torch.nn.functional.interpolate(torch.from_numpy(images)[:, None], size=(28, 28), mode="bilinear",
                                           align_corners=False)[:, 0].numpy()
    np.testing.assert_allclose(datasets.upscale(images), want, rtol=0, atol=1e-12)


@needs_sklearn
def test_the_stand_in_is_the_real_digits_split_the_same_way_every_time(tmp_path) -> None:
    from sklearn.datasets import load_digits

    root, info = datasets.stand_in(datasets.FASHION_MNIST, tmp_path, "Fashion-MNIST is not in /nowhere")
    assert sorted(p.name for p in root.iterdir()) == ["meta.json", "test_images.npy", "train_images.npy",
                                                      "train_labels.npy"]  # the test labels are never written
    train_labels = np.load(root / "train_labels.npy")
    test_labels = datasets.test_labels(str(root), datasets.DIGITS)
    digits = load_digits()
    assert (info["train_images"], info["test_images"]) == (len(train_labels), len(test_labels)) == (1433, 364)
    assert np.bincount(test_labels).min() >= 34 and np.bincount(np.concatenate([train_labels, test_labels])).tolist() \
        == np.bincount(digits.target).tolist()                                  # every image, stratified
    test_mask = np.zeros(len(digits.target), dtype=bool)
    for digit in range(10):
        test_mask[np.flatnonzero(digits.target == digit)[::5]] = True
    assert test_labels.tolist() == digits.target[test_mask].tolist()
    first = np.load(root / "test_images.npy")[0]
    assert first.dtype == np.uint8 and first.shape == (28, 28)
    want = np.rint(datasets.upscale(digits.images[test_mask][:1] / 16.0)[0] * 255)
    assert np.abs(first.astype(int) - want).max() == 0
    again, _ = datasets.stand_in(datasets.FASHION_MNIST, tmp_path)
    assert again == root and (np.load(again / "train_labels.npy") == train_labels).all()


@needs_sklearn
def test_the_worker_holds_28x28_uint8_images_and_no_test_labels(tmp_path) -> None:
    import torch

    root, _ = datasets.stand_in(datasets.FASHION_MNIST, tmp_path)
    data = datasets.load_in_worker(datasets.DIGITS, str(root))
    assert data.train_images.dtype == torch.uint8 and tuple(data.train_images.shape) == (1433, 28, 28)
    assert tuple(data.test_images.shape) == (364, 28, 28) and data.train_labels.dtype == torch.int64
    assert not any("label" in f and "test" in f for f in vars(data))
    images = datasets.as_float_images(data.train_images[:3], torch.device("cpu"))
    assert images.shape == (3, 1, 28, 28) and float(images.min()) >= 0.0 and float(images.max()) <= 1.0


@needs_sklearn
def test_a_check_without_its_data_trains_on_the_stand_in_only_when_asked_and_says_so(no_data, tmp_path) -> None:
    missing = Train().harness(SPEC)
    assert missing.wire()["skip"] and "dataset" not in missing.wire()
    verdict = Train().judge(SPEC, JudgeContext([Evaluation(True)], [Evaluation(True)], [{}], {}, None, None, missing))
    assert verdict.status == "error" and f"Fashion-MNIST is not in {no_data}" in verdict.message
    assert verdict.details["dataset"]["missing"] and "stand" not in verdict.message  # never silently swapped

    harness = Train().stand_in(SPEC, missing, tmp_path / "scratch")
    assert harness.dataset == datasets.DIGITS and not harness.skip
    full = judge(harness, 0.9)
    assert (full.status, full.score_fraction) == ("passed", 1.0)          # the spec's own tiers
    assert full.message.startswith("DEMO STAND-IN, NOT A GRADE: trained and tested on scikit-learn's handwritten "
                                   "digits (1433 training and 364 test images, 8×8 upscaled to 28×28) instead of "
                                   f"Fashion-MNIST, because Fashion-MNIST is not in {no_data};")
    assert "test accuracy of 90." in full.message
    data = full.details["dataset"]
    assert data["stand_in"] and data["stand_in_for"] == "fashion-mnist" and data["name"] == "digits"
    assert datasets.provisional(full.details)
    line = datasets.describe(data)
    assert line.startswith("the offline stand-in for Fashion-MNIST: scikit-learn's handwritten digits "
                           "(1433 training images, 364 test images, 8×8 upscaled to 28×28), because Fashion-MNIST is not in ")
    assert line.endswith("a demonstration, not a grade")
    assert judge(harness, 0.75).status == "partial"


@needs_sklearn
def test_the_spec_can_set_the_stand_ins_own_training_call_and_tiers(no_data, tmp_path) -> None:
    """Issue 16: on 1,433 digits the Fashion-MNIST tiers let a buggy example reach full marks; a spec sets its own."""
    spec = SPEC.model_copy(update={"stand_in_train": "fit(X, y, 16)",
                                   "stand_in_tiers": TrainSpec.model_validate({
                                       **SPEC.model_dump(), "tiers": [{"min_accuracy": 0.95, "credit": 1.0},
                                                                      {"min_accuracy": 0.85, "credit": 0.5}]}).tiers})
    missing = Train().harness(spec)
    harness = Train().stand_in(spec, missing, tmp_path / "scratch")
    assert harness.train == "fit(X, y, 16)"
    verdict = judge(harness, 0.9, spec)
    assert (verdict.status, verdict.score_fraction) == ("partial", 0.5)     # 0.9 is full marks by the spec's own tiers
    assert "with the spec's tiers for the stand-in" in verdict.message
    assert judge(harness, 0.96, spec).status == "passed"
    with pytest.raises(ValueError, match="z not among the check's inputs"):
        TrainSpec.model_validate({**SPEC.model_dump(), "stand_in_train": "fit(X, z)"})


def test_without_scikit_learn_the_demo_says_what_to_install(no_data, tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None)
    missing = Train().harness(SPEC)
    harness = Train().stand_in(SPEC, missing, tmp_path).wire()   # what the child reads
    assert harness["skip"] and "dataset" not in harness
    assert "could not be used either" in harness["missing"] and "pip install 'grader[demo]'" in harness["missing"]
    assert str(no_data) in harness["missing"]


def test_data_that_is_present_is_never_replaced(monkeypatch, tmp_path) -> None:
    present = Harness(dataset="fashion-mnist", root="/data", data={"name": "fashion-mnist"})
    assert Train().stand_in(SPEC, present, tmp_path) is present


def test_results_that_used_the_stand_in_or_found_no_data_are_graded_again(tmp_path) -> None:
    assignment = api.load_assignment(ROOT / "assignments" / "mlp")
    submission = ROOT / "submissions" / "mlp" / "correct"
    key = "k"
    base = {"cache_key": key, "status": "graded", "submission_hash": read(submission, assignment.spec.files).hash,
            "assignment": "mlp", "submission": "correct", "score": 1.0, "max_score": 1.0}
    for dataset, reused in (({"name": "fashion-mnist", "stand_in": False}, True), ({"name": "digits", "stand_in": True}, False),
                            ({"name": "fashion-mnist", "missing": "Fashion-MNIST is not in /x."}, False)):
        path = tmp_path / "result.json"
        train = {"id": "t", "kind": "train", "visibility": "public", "status": "passed", "score": 1.0, "max_score": 1.0,
                 "message": "", "details": {"dataset": dataset}}
        path.write_text(json.dumps({**base, "checks": [train]}))
        assert (api._current_result(path, key, submission, assignment) is not None) == reused
