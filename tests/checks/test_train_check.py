"""The ``train`` kind without training: spec validation and judging of hand-made predictions."""

from __future__ import annotations

import functools
import math
import os
from pathlib import Path

import numpy as np
import pytest
from conftest import ROOT
from pydantic import ValidationError

from grader import datasets
from grader.checks.base import Evaluation, JudgeContext
from grader.checks.train import Train, TrainSpec
from grader.values import ArrayValue, ScalarValue

SHARED = Path(os.environ.get("GRADER_DATA") or ROOT.parent / "shared" / "data" / "fashion-mnist").resolve()
pytestmark = pytest.mark.skipif(not datasets._present(SHARED), reason=f"no Fashion-MNIST in {SHARED} (set GRADER_DATA)")

BASE = {"id": "train-it", "kind": "train", "train": "fit(X, y, epochs)", "predict": "model(X)",
        "inputs": {"epochs": 10}, "tiers": [{"min_accuracy": 0.7, "credit": 0.5}, {"min_accuracy": 0.8, "credit": 1.0}]}


@pytest.fixture(autouse=True)
def data_env(monkeypatch) -> None:
    monkeypatch.setenv("GRADER_DATA", str(SHARED))


def spec(**overrides) -> TrainSpec:
    return TrainSpec.model_validate({**BASE, **overrides})


def run_value(correct_fraction: float, loss: float = 0.4) -> Evaluation:
    labels = datasets.test_labels(str(SHARED))
    predictions = labels.copy()
    wrong = round((1 - correct_fraction) * len(labels))
    predictions[:wrong] = (predictions[:wrong] + 1) % 10
    return Evaluation(True, value={"predictions": ArrayValue(predictions, "numpy.ndarray"), "device": "cpu",
                                   "train_seconds": ScalarValue(1.0, "float"), "train_loss": ScalarValue(loss, "float"),
                                   "nonfinite_rows": ScalarValue(0, "int"),
                                   "predict_seconds": ScalarValue(0.1, "float")})


def judge(check: TrainSpec, *evaluations: Evaluation):
    ctx = JudgeContext(list(evaluations), [Evaluation(True)] * len(evaluations), [{}] * len(evaluations), {}, None, None)
    return Train().judge(check, ctx)


def test_tiers_are_sorted_best_first_and_must_not_pay_more_for_less() -> None:
    assert [t.min_accuracy for t in spec().tiers] == [0.8, 0.7]
    with pytest.raises(ValidationError, match="at least as much credit"):
        spec(tiers=[{"min_accuracy": 0.8, "credit": 0.5}, {"min_accuracy": 0.7, "credit": 1.0}])


def test_expressions_may_use_only_the_data_the_model_and_the_inputs() -> None:
    with pytest.raises(ValidationError, match="lr not among the check's inputs"):
        spec(train="fit(X, y, lr)")
    with pytest.raises(ValidationError, match="other than X, y and model"):
        spec(inputs={"X": 1})
    with pytest.raises(ValidationError):
        spec(predict="model(X) + 1")


def test_accuracy_is_computed_by_the_grader_and_scored_in_tiers() -> None:
    full = judge(spec(), run_value(0.85))
    assert (full.status, full.score_fraction) == ("passed", 1.0)
    assert full.details["accuracy"] == pytest.approx(0.85) and "85.00%" in full.message
    half = judge(spec(), run_value(0.75))
    assert (half.status, half.score_fraction) == ("partial", 0.5) and "earns 50% of the points" in half.message
    none = judge(spec(), run_value(0.5))
    assert (none.status, none.score_fraction) == ("failed", 0.0) and "no tier was reached" in none.message


def test_every_verdict_records_the_dataset_it_used() -> None:
    verdict = judge(spec(), run_value(0.85))
    assert verdict.details["dataset"] == {"name": "fashion-mnist", "title": "Fashion-MNIST", "root": str(SHARED),
                                          "stand_in": False, "train_images": 60_000, "test_images": 10_000}
    assert not verdict.message.startswith("DEMO") and not datasets.provisional(verdict.details)
    assert datasets.describe(verdict.details["dataset"]) == \
        f"Fashion-MNIST (60000 training images, 10000 test images, {SHARED})"


def test_near_chance_with_a_huge_loss_says_training_diverged() -> None:
    verdict = judge(spec(), run_value(0.1, loss=math.nan))
    assert verdict.status == "failed"
    assert "no better than guessing" in verdict.message and "diverged" in verdict.message
    assert "std 1 instead of 0.01" in verdict.message


def test_near_chance_with_the_uniform_loss_says_nothing_moved() -> None:
    verdict = judge(spec(), run_value(0.1, loss=2.302))
    assert "stayed near 2.30" in verdict.message and "barely changed" in verdict.message


def test_several_runs_score_their_mean_and_list_each_accuracy() -> None:
    verdict = judge(spec(runs=2), run_value(0.9), run_value(0.72))
    assert verdict.details["accuracies"] == pytest.approx([0.9, 0.72])
    assert verdict.score_fraction == 1.0 and "mean test accuracy of 81.00%" in verdict.message


def test_malformed_predictions_fail_with_a_reason() -> None:
    bad = Evaluation(True, value={"predictions": ArrayValue(np.zeros(3, dtype=np.int64), "numpy.ndarray")})
    verdict = judge(spec(), bad)
    assert verdict.status == "failed" and "one predicted class per test image (10000)" in verdict.message
    floats = Evaluation(True, value={"predictions": ArrayValue(np.zeros(10_000), "numpy.ndarray")})
    assert judge(spec(), floats).status == "failed"


def test_without_data_nothing_trains_and_the_check_says_where_it_looked(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("GRADER_DATA", str(tmp_path))
    monkeypatch.delenv("GRADER_DOWNLOAD", raising=False)
    harness = Train().harness(spec()).wire()   # what the child reads
    assert harness["skip"] and "dataset" not in harness  # the worker loads nothing, the child trains nothing
    verdict = judge(spec(), Evaluation(True, value=None))
    assert verdict.status == "error" and verdict.score_fraction == 0
    assert str(tmp_path) in verdict.message and "GRADER_DATA" in verdict.message
    assert verdict.details["dataset"]["missing"] and datasets.provisional(verdict.details)


def test_predicting_over_the_budget_or_without_a_time_fails_and_says_why() -> None:
    slow = run_value(0.95)
    slow.value["predict_seconds"] = ScalarValue(2.5, "float")
    verdict = judge(spec(), slow)
    assert verdict.status == "failed" and verdict.score_fraction == 0 and "longer than the 2 s allowed" in verdict.message
    assert judge(spec(predict_budget_s=3.0), slow).status == "passed"
    untimed = run_value(0.95)
    del untimed.value["predict_seconds"]
    assert judge(spec(), untimed).status == "failed"


def test_the_verdict_says_the_test_images_were_perturbed_and_the_child_gets_the_budget() -> None:
    verdict = judge(spec(), run_value(0.85))
    assert "noise" in verdict.details["evaluated_on"] and verdict.details["predict_seconds"] == [0.1]
    assert Train().harness(spec(predict_budget_s=1.5)).wire()["predict_budget_s"] == 1.5


def test_perturbed_test_images_match_no_public_hash_and_stay_within_a_few_grey_levels() -> None:
    import hashlib

    import torch

    from grader import training

    images = torch.from_numpy(datasets.read_idx(datasets.raw_folder(SHARED) / datasets.FILES["test_images"],
                                                datasets.IMAGES_MAGIC)[:200].copy())
    first = training.perturb(images, torch.Generator().manual_seed(training._noise_seed(7)))
    again = training.perturb(images, torch.Generator().manual_seed(training._noise_seed(7)))
    assert torch.equal(first, again) and first.dtype == torch.uint8   # seeded: grading twice gives the same images
    assert int((first.int() - images.int()).abs().max()) <= training.EVAL_NOISE
    public = {hashlib.sha256(image.numpy().tobytes()).digest() for image in images}
    assert not public & {hashlib.sha256(image.numpy().tobytes()).digest() for image in first}


# ------------------------------------------------ predict: reference (issue 15 item 11)

@functools.lru_cache(maxsize=1)
def _fitted() -> tuple[np.ndarray, np.ndarray]:
    """A least-squares linear map from pixels to one-hot labels (fitted on the loss sample): well above
    chance, so an accuracy near it proves the grader's forward computed real predictions."""
    _test, train, labels = datasets.grader_images(str(SHARED))
    X = train.reshape(len(train), -1).astype(np.float64) / 255
    W = np.linalg.lstsq(np.c_[X, np.ones(len(X))], np.eye(10)[labels], rcond=None)[0]
    return W[:-1].astype(np.float32), W[-1].astype(np.float32)


def _linear_params() -> list[np.ndarray]:
    return [a.copy() for a in _fitted()]


def by_reference(forward: str = "softmax", **overrides) -> TrainSpec:
    return spec(predict="reference", forward=forward, **overrides)


def params_value(arrays: list[np.ndarray], as_list: bool = True) -> Evaluation:
    items = [ArrayValue(a, "torch.Tensor") for a in arrays]
    return Evaluation(True, value={"parameters": items if as_list else items[0], "device": "cpu",
                                   "train_seconds": ScalarValue(1.0, "float")})


def test_predict_reference_needs_a_forward_and_reads_parameters_only_then() -> None:
    assert by_reference().parameter_call == "model"
    assert by_reference(parameters="get_params(model)", forward="mlp").parameters == "get_params(model)"
    with pytest.raises(ValidationError, match="needs forward"):
        spec(predict="reference")
    with pytest.raises(ValidationError, match="needs predict: reference"):
        spec(forward="mlp")
    with pytest.raises(ValidationError, match="only with predict: reference"):
        spec(parameters="params")
    with pytest.raises(ValidationError, match="lr not among"):
        by_reference(parameters="get(lr)")
    harness = Train().harness(by_reference(parameters="params", forward="mlp"))
    assert (harness.predict, harness.forward, harness.predict_budget_s) == ("params", "mlp", None)


def test_by_reference_the_grader_computes_the_accuracy_from_the_parameters_alone() -> None:
    params = _linear_params()
    test, _, _ = datasets.grader_images(str(SHARED))
    expected = np.mean((test.reshape(len(test), -1) / 255 @ params[0] + params[1]).argmax(1) == datasets.test_labels(str(SHARED)))
    verdict = judge(by_reference(), params_value(params))
    assert verdict.details["accuracy"] == pytest.approx(expected, abs=2e-4) and expected > 0.7
    assert verdict.details["forward"] == "softmax" and "predicted by the grader" in verdict.details["evaluated_on"]
    assert math.isfinite(verdict.details["train_loss"][0])
    zero = judge(by_reference(), params_value([np.zeros_like(p) for p in params]))
    assert zero.details["accuracy"] == pytest.approx(0.1) and "2.30" in zero.message   # uniform: loss ln 10


def test_by_reference_wrong_or_missing_parameters_fail_with_the_shapes_needed() -> None:
    wrong = judge(by_reference(forward="mlp"), params_value(_linear_params()))
    assert wrong.status == "failed" and "gave 2 parameter arrays" in wrong.message and "W1 (784, H)" in wrong.message
    shapes = judge(by_reference(), params_value([np.zeros((10, 784), np.float32), np.zeros(10, np.float32)]))
    assert shapes.status == "failed" and "(10, 784), (10,)" in shapes.message and "W (784, 10)" in shapes.message
    nothing = judge(by_reference(), Evaluation(True, value={"parameters": None, "device": "cpu"}))
    assert nothing.status == "failed" and "did not give the trained parameters" in nothing.message


def test_by_reference_a_diverged_model_counts_its_nonfinite_rows() -> None:
    params = _linear_params()
    params[0][0, 0] = np.nan
    verdict = judge(by_reference(), params_value(params))
    assert verdict.status == "failed" and "diverged" in verdict.message
