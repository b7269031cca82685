"""Training curves: recorded in the child (grader.sandbox.curves), validated in the grader
(grader.charts), and what a student's page may show of them and of the rest of a check."""

from __future__ import annotations

import math

import numpy as np
import pytest

from grader import charts, report
from grader.checks.display import plain_rows
from grader.redaction import student_details
from grader.report.scrub import quiet_stderr, scrub
from grader.sandbox import curves
from grader.values import ArrayValue, ScalarValue

from .html_tree import parse
from .samples import as_result, check, result

torch = pytest.importorskip("torch")


def _data(rows: int = 1000) -> tuple[object, object]:
    generator = torch.Generator().manual_seed(0)
    X = torch.randn(rows, 20, generator=generator)
    return X, (X[:, 0] > 0).long()


def _train(X, y, *, batch: int = 64, epochs: int = 3, drop_last: bool = False, reduction: str = "none"):
    torch.manual_seed(1)
    model = torch.nn.Linear(20, 2)
    loss = torch.nn.CrossEntropyLoss(reduction=reduction)
    trainer = torch.optim.SGD(model.parameters(), lr=0.5)
    for _ in range(epochs):
        for start in range(0, len(X), batch):
            xb, yb = X[start:start + batch], y[start:start + batch]
            if drop_last and len(xb) < batch:
                continue
            trainer.zero_grad()
            value = loss(model(xb), yb)
            (value.sum() / len(xb) if reduction != "mean" else value).backward()
            trainer.step()
        with torch.no_grad():                      # an evaluation: never counted as training
            loss(model(X), y)
    return model


@pytest.mark.parametrize("drop_last", [False, True])
@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
def test_one_point_per_epoch_whatever_the_last_batch_and_the_reduction(drop_last: bool, reduction: str) -> None:
    X, y = _data()
    with curves.recording(len(X)) as recorder:
        _train(X, y, drop_last=drop_last, reduction=reduction)
    assert len(recorder.loss) == 3 and len(recorder.accuracy) == 3
    assert recorder.loss[0] > recorder.loss[-1] > 0          # a mean loss per example, falling
    assert 0.5 < recorder.accuracy[0] < recorder.accuracy[-1] <= 1


def test_the_same_epoch_means_as_computed_by_hand() -> None:
    X, y = _data(256)
    with curves.recording(len(X)) as recorder:
        model = _train(X, y, batch=256, epochs=1)
    assert len(recorder.loss) == 1
    torch.manual_seed(1)
    fresh = torch.nn.Linear(20, 2)                            # the weights the one step started from
    logits = fresh(X).detach()
    assert recorder.loss[0] == pytest.approx(float(torch.nn.functional.cross_entropy(logits, y)), rel=1e-6)
    assert recorder.accuracy[0] == pytest.approx(float((logits.argmax(1) == y).float().mean()))
    assert model is not None


def test_recording_changes_nothing_the_student_computes() -> None:
    X, y = _data()
    plain = _train(X, y)
    with curves.recording(len(X)):
        recorded = _train(X, y)
    assert torch.equal(plain.weight, recorded.weight) and torch.equal(plain.bias, recorded.bias)
    assert torch.nn.functional.cross_entropy.__name__ == "cross_entropy"
    assert not hasattr(torch.nn.functional.cross_entropy, "__wrapped__")      # restored after the block


def test_what_goes_back_is_plain_numbers() -> None:
    X, y = _data()
    with curves.recording(len(X)) as recorder:
        _train(X, y, epochs=2)
    sent = curves.result(recorder, curves.mark())
    assert sent["source"] == "loss" and sent["rows"] == len(X)
    assert sent["series"]["loss"]["x"] == [1.0, 2.0]
    assert all(type(v) is float for s in sent["series"].values() for v in s["y"])
    assert curves.result(curves.EpochRecorder(10), curves.mark()) is None   # nothing recorded, nothing sent


class _Animator:
    """d2l's Animator, as far as the recorder uses it (its __init__ and add)."""

    def __init__(self, xlabel=None, ylabel=None, legend=None, **kwargs) -> None:
        self.X = None

    def add(self, x, y) -> None:
        self.X = x


def test_an_animators_points_are_the_students_own_curves(monkeypatch: pytest.MonkeyPatch) -> None:
    module = type("d2l_torch", (), {"Animator": _Animator})
    monkeypatch.setattr(curves, "_ANIMATORS", [])
    curves._patch_animator(module)
    before = curves.mark()
    animator = module.Animator(xlabel="epoch", legend=["train loss", "train acc", "test acc"])
    for epoch in range(3):
        animator.add(epoch + 1, (1.0 / (epoch + 1), 0.6 + 0.1 * epoch, 0.55 + 0.1 * epoch))
    animator.add(4, (None, float("nan"), 0.9))
    assert animator.X == 4                                    # the original add still ran
    sent = curves.result(None, before)
    assert sent["source"] == "animator" and list(sent["series"]) == ["train loss", "train acc", "test acc"]
    assert sent["series"]["test acc"] == {"x": [1.0, 2.0, 3.0, 4.0], "y": [0.55, 0.65, 0.75, 0.9]}
    assert sent["series"]["train loss"]["x"] == [1.0, 2.0, 3.0]
    assert curves.result(None, curves.mark()) is None         # the next training call: not the same chart again


def _decoded(values: list[float]) -> list[ScalarValue]:
    return [ScalarValue(v, "float") for v in values]


def test_the_grader_bounds_and_cleans_what_the_child_sent() -> None:
    raw = {"source": "loss", "rows": ScalarValue(60000, "int"), "xlabel": "epoch\x1b[31m", "series": {
        "loss": {"x": _decoded([1, 2, 3]), "y": _decoded([2.3, float("nan"), float("inf")])},
        "accuracy": {"x": _decoded(list(range(1, 5001))), "y": ArrayValue(np.linspace(0, 1, 5000), "numpy.ndarray")},
        "x" * 500: {"x": _decoded([1]), "y": _decoded([0.5])}, "junk": {"x": "abc", "y": [object()]}}}
    details = charts.train_charts(raw, [(0.8, 1.0), (0.7, 0.5), (0.1, 0.0)], 0.83)
    loss = details["curves"]["loss"]["training loss"]
    assert loss == {"x": [1.0, 2.0, 3.0], "y": [2.3, None, None]}             # non-finite values are gaps
    accuracy = details["curves"]["accuracy"]
    assert len(accuracy["training accuracy"]["x"]) <= charts.MAX_POINTS
    assert accuracy["test accuracy (graded)"] == {"x": [5000.0], "y": [0.83]}
    assert details["curves_lines"] == {"accuracy": [[0.8, "full credit"], [0.7, "50% credit"]]}
    assert all(len(name) <= charts.MAX_NAME for panel in details["curves"].values() for name in panel)
    assert "60,000 training images" in details["curves_note"]
    for junk in (None, "x", {"series": "x"}, {"series": {"loss": {"x": [], "y": []}}}):
        assert charts.train_charts(junk, [(0.8, 1.0)], 0.5) == {}


def test_an_experiment_draws_histories_as_curves_and_numbers_as_bars() -> None:
    outcomes = {config: {"out": None, "w_final": np.arange(8.0), "losses": np.array([0.03, 0.02 * k, 0.01]),
                         "dead": np.float64(k)} for k, config in enumerate(("tiny", "moderate", "huge"))}
    details = charts.experiment_charts(outcomes, repeated=True)
    assert list(details["curves"]) == ["losses"] and list(details["curves"]["losses"]) == ["tiny", "moderate", "huge"]
    assert details["bars"] == {"dead": {"tiny": 0.0, "moderate": 1.0, "huge": 2.0}}
    assert "w_final" not in details["curves"] and "first repetition" in details["curves_note"]
    assert charts.experiment_charts({"a": {"out": np.ones((3, 3))}}) == {}


def test_a_hidden_check_never_carries_curves_or_a_rubric_to_a_student() -> None:
    details = {"curves": {"loss": {"x": [1.0]}}, "curves_note": "n", "bars": {"a": 1.0}, "accuracy": 0.9,
               "prompt": "Why?", "rubric": "The model answer."}
    assert student_details("hidden", details) == {"prompt": "Why?"}
    assert student_details("public", details) == {k: v for k, v in details.items() if k != "rubric"}


def test_a_students_page_shows_no_internals() -> None:
    box = "/dev/shm/grader-4242-k2j1/boxes/7"
    data = result(checks=[
        check("f", "error", 0, 1, f"f(x) raised FileNotFoundError: '{box}/data.csv' at line 3",
              details={"traceback": f'  File "{box}/work.py", line 3, in f', "expected_numbers": [],
                       "not_found": []}),
        check("fit", "failed", 0, 1, "no tier", kind="train",
              details={"dataset": {"name": "fashion-mnist", "title": "Fashion-MNIST", "root": "/srv/course/data/fm",
                                   "train_images": 60000, "test_images": 10000}}),
    ], stderr="Error in cpuinfo: failed to parse the list of possible processors in /sys/devices/system/cpu/possible\n"
              "my own warning\n")
    data["checks"][0]["score"] = 0.3333
    page = parse(report.render_result(as_result(data)))
    text = page.text()
    assert "grader-4242" not in text and "/srv/course" not in text and "cpuinfo" not in text
    assert "'data.csv'" in text and 'File "work.py", line 3' in text and "my own warning" in text
    assert "the course's data folder" in text
    rows = [(d.text(), v.text()) for d, v in zip(page.find("section", data_check="f").find_all("dt"),
                                                   page.find("section", data_check="f").find_all("dd"))]
    assert rows == [("expected numbers", "none"), ("not found", "none")]
    assert "0.33 / 1" in page.find("section", data_check="f").text() and "0.3333" not in text


def test_helpers_in_words() -> None:
    assert [(r.label, r.text) for r in plain_rows({"accuracies": [0.832418], "tier": 0, "shape": [2, 3]})] == [
        ("accuracies", "0.832418"), ("tier", "0"), ("shape", "2, 3")]
    assert scrub('File "/tmp/grader-1-boxes-ab/3/a.py"') == 'File "a.py"'
    assert quiet_stderr("Error in cpuinfo: x\nkept\n") == "kept\n"
    assert report.fmt_value(math.pi) == "3.14159"


def test_an_import_crash_is_one_banner_and_the_index_says_so() -> None:
    import json
    from pathlib import Path

    from grader.results import Result

    data = Path(__file__).parent / "data"
    crash = Result.from_dict(json.loads((data / "relu-crash.result.json").read_text(encoding="utf-8")))
    fine = Result.from_dict(json.loads((data / "relu-correct.result.json").read_text(encoding="utf-8")))
    page = parse(report.render_result(crash))
    banners = page.find_all("div", id="import-error")
    assert len(banners) == 1 and "relu_bp.py could not be imported: FileNotFoundError" in banners[0].text()
    cards = page.find_all("section", class_="not-run")
    assert len(cards) == sum(1 for c in crash.checks if c.details.get("step") == "import") == 13
    assert all(card.find("p", class_="message").text() == report.NOT_RUN for card in cards)
    assert page.text().count("missing_data.csv") == 2      # once in the message, once in the traceback (13 cards each before)
    assert not parse(report.render_result(fine)).find_all("div", id="import-error")
    index = parse(report.render_index([crash, fine], "activation-relu"))
    statuses = {row.attrs["data-submission"]: row.find_all("td")[3].text() for row in index.find("table", id="submissions")
                .find("tbody").find_all("tr")}
    assert statuses == {"crash": "could not be imported", "ok": "graded"}


def test_a_public_training_check_carries_its_curves_and_a_hidden_one_none(monkeypatch: pytest.MonkeyPatch) -> None:
    import os
    from pathlib import Path

    from conftest import ROOT

    from grader import datasets
    from grader.checks.base import Evaluation, JudgeContext
    from grader.checks.train import Train, TrainSpec

    shared = Path(os.environ.get("GRADER_DATA") or ROOT.parent / "shared" / "data" / "fashion-mnist").resolve()
    if not datasets._present(shared):
        pytest.skip(f"no Fashion-MNIST in {shared} (set GRADER_DATA)")
    monkeypatch.setenv("GRADER_DATA", str(shared))
    labels = datasets.test_labels(str(shared))
    recorded = {"source": "loss", "xlabel": "epoch", "rows": ScalarValue(60000, "int"), "series": {
        "loss": {"x": _decoded([1.0, 2.0]), "y": _decoded([0.9, 0.5])},
        "accuracy": {"x": _decoded([1.0, 2.0]), "y": _decoded([0.7, 0.8])}}}
    value = {"predictions": ArrayValue(labels.copy(), "numpy.ndarray"), "device": "cpu",
             "train_seconds": ScalarValue(1.0, "float"), "train_loss": ScalarValue(0.4, "float"),
             "nonfinite_rows": ScalarValue(0, "int"), "predict_seconds": ScalarValue(0.1, "float"), "curves": recorded}
    ctx = JudgeContext([Evaluation(True, value=value)], [Evaluation(True)], [{}], {}, None, None)
    base = {"id": "t", "kind": "train", "train": "fit(X, y)", "predict": "model(X)",
            "tiers": [{"min_accuracy": 0.8, "credit": 1.0}, {"min_accuracy": 0.7, "credit": 0.5}]}
    public = Train().judge(TrainSpec.model_validate(base), ctx)
    assert public.details["curves"]["loss"] == {"training loss": {"x": [1.0, 2.0], "y": [0.9, 0.5]}}
    assert public.details["curves"]["accuracy"]["test accuracy (graded)"] == {"x": [2.0], "y": [1.0]}
    assert public.details["curves_lines"] == {"accuracy": [[0.8, "full credit"], [0.7, "50% credit"]]}
    hidden = Train().judge(TrainSpec.model_validate({**base, "visibility": "hidden"}), ctx)
    assert not {"curves", "curves_lines", "curves_note"} & hidden.details.keys()
