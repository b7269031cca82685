"""``train``: train the student's model in the sandbox, then the grader measures its test accuracy.

    - id: train-concise
      kind: train
      dataset: fashion-mnist
      train: train_concise(X, y, num_epochs, lr, batch_size)   # X, y: the training images and labels
      predict: model(X)            # model: what train returned; X: a batch of held-out test images
      inputs: {num_epochs: 10, lr: 0.1, batch_size: 256}
      tiers:
        - {min_accuracy: 0.78, credit: 1.0}
        - {min_accuracy: 0.65, credit: 0.5}
      device: auto                 # CUDA when the child can use it, else CPU
      timeout_s: 300               # the wall-clock budget for training and predicting
      predict_budget_s: 2.0        # the most seconds predicting on all the test images may take

``X`` is float32 of shape (N, 1, 28, 28) in [0, 1] (what d2l's ``ToTensor`` gives),
``y`` int64 of shape (N,). The child seeds every generator from the grader's seed and
runs single-threaded, so a submission graded twice gets the same accuracy to the last
digit. Only the predicted labels come back; the grader holds the test labels and
computes the accuracy itself, on the official test images with seeded noise of a few grey
levels on every pixel (a lookup of the public images matches none of them; the verdict's
``evaluated_on`` says so); predicting on them all must fit in ``predict_budget_s`` (a search
through the 60,000 training images does not). ``runs: N`` trains N times from N seeds and scores the
mean accuracy (each run's accuracy is in the details).

With ``predict: reference`` and ``forward: softmax|mlp|mlp-linear`` (where the spec fixes the
architecture) the child sends back only the trained parameters (the ``parameters`` call,
default ``model``) and the grader predicts with the reference's forward pass in NumPy
(:mod:`grader.forwards`) on the test images it read itself: the accuracy then comes from the
weights alone, whatever the submission's own forward does.

Every verdict records the dataset it used in ``details["dataset"]``. Only ``grader demo``
lets an engine swap in the offline stand-in (:meth:`Train.stand_in`, scikit-learn's
digits at 28×28) when the spec's dataset is not on disk; that verdict is scored with the
spec's own tiers and its message starts by saying it is a demonstration, not a grade.
"""

from __future__ import annotations

import math
import time
from pathlib import Path
from typing import Any, ClassVar, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from grader import calls, charts, datasets, forwards, training
from grader import inputs as inp
from grader.assignment import Assignment
from grader.checks.base import CheckSpec, Harness, JudgeContext, KindBase, Status, Task, Verdict
from grader.checks.display import MAX_TEXT_CHARS, DetailRow, clip, plain_rows
from grader.values import ArrayValue, ScalarValue

REFERENCE = "reference"
TRAIN_NAMES = {"X", "y"}
PREDICT_NAMES = {"X", "model"}


class Tier(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    min_accuracy: float = Field(ge=0, le=1)
    credit: float = Field(ge=0, le=1)


class TrainSpec(CheckSpec):
    kind: str = "train"
    dataset: Literal["fashion-mnist"] = "fashion-mnist"
    train: str = Field(description="training call; X and y are the training images and labels")
    predict: str = Field(description="prediction call; model is what train returned, X a batch of test images")
    inputs: dict[str, Any] = Field(default_factory=dict, description="other arguments: literal numbers")
    tiers: list[Tier] = Field(min_length=1, description="credit by test accuracy, best tier first")
    stand_in_train: str | None = Field(default=None, description="grader demo only: the training call on its stand-in")
    stand_in_tiers: list[Tier] | None = Field(default=None, min_length=1,
                                              description="grader demo only: the tiers on its offline stand-in data")
    device: Literal["auto", "cpu", "cuda"] = "auto"
    runs: int = Field(default=1, ge=1, le=100, description="train this many times from different seeds")
    predict_budget_s: float = Field(default=2.0, gt=0, le=600,
                                    description="the most seconds predicting on all the test images may take")
    parameters: str | None = Field(default=None, description="predict: reference: the call giving the trained "
                                   "parameters (model: what train returned; default model)")
    forward: Literal["softmax", "mlp", "mlp-linear"] | None = Field(
        default=None, description="predict: reference: the forward pass the grader predicts with (grader/forwards.py)")

    @property
    def by_reference(self) -> bool:
        """The grader predicts, with the reference's forward pass on the parameters the child returns."""
        return self.predict == REFERENCE

    @field_validator("train", "predict", "parameters", "stand_in_train")
    @classmethod
    def _call(cls, expr: str | None) -> str | None:
        if expr is not None:
            calls.parse(expr)  # CallSyntaxError is a ValueError: pydantic reports it with the key path
        return expr

    @field_validator("inputs")
    @classmethod
    def _inputs(cls, values: dict[str, Any]) -> dict[str, Any]:
        for key, raw in values.items():
            if not isinstance(key, str) or not key.isidentifier() or key in TRAIN_NAMES | PREDICT_NAMES:
                raise ValueError(f"input names must be identifiers other than X, y and model; got {key!r}")
            inp.parse_value(raw)
        return values

    @field_validator("tiers", "stand_in_tiers")
    @classmethod
    def _tiers(cls, tiers: list[Tier] | None) -> list[Tier] | None:
        if tiers is None:
            return None
        ordered = sorted(tiers, key=lambda t: -t.min_accuracy)
        if [t.credit for t in ordered] != sorted((t.credit for t in ordered), reverse=True):
            raise ValueError("a tier with a higher min_accuracy must give at least as much credit")
        return ordered

    @model_validator(mode="after")
    def _names(self) -> TrainSpec:
        if self.by_reference != (self.forward is not None):
            raise ValueError("predict: reference needs forward: (softmax, mlp or mlp-linear), and forward: "
                             "needs predict: reference")
        if self.parameters is not None and not self.by_reference:
            raise ValueError("parameters: is read only with predict: reference")
        predict = self.parameter_call if self.by_reference else self.predict
        for expr, allowed in ((self.train, TRAIN_NAMES), (predict, PREDICT_NAMES | TRAIN_NAMES),
                              (self.stand_in_train or self.train, TRAIN_NAMES)):
            used, _called = calls.names(calls.parse(expr))
            unknown = sorted(used - allowed - set(self.inputs))
            if unknown:
                raise ValueError(f"{expr}: {', '.join(unknown)} not among the check's inputs "
                                 f"({', '.join(sorted(allowed | set(self.inputs)))})")
        return self


    @property
    def parameter_call(self) -> str:
        """The call the child evaluates after training (predict: reference): the parameters, by default the model."""
        return self.parameters or "model"


class Train(KindBase):
    """Proves the student's training code learns: trained in the sandbox on the training set from
    the grader's seed within the time and memory budget, the model's predictions on held-out test
    images (whose labels never enter the sandbox) reach the accuracy of the tier it is credited."""

    name: ClassVar[str] = "train"
    Spec: ClassVar[type[CheckSpec]] = TrainSpec
    held_out: ClassVar[bool] = True    # scored on test labels no submission ever sees

    def draw(self, spec: TrainSpec, assignment: Assignment | None, seed: int) -> list[dict[str, inp.InputValue]]:
        """One case per run (every run gets the same inputs and its own seed)."""
        rng = np.random.default_rng(seed)
        case = {name: inp.draw(inp.parse_value(raw), rng) for name, raw in spec.inputs.items()}
        return [dict(case) for _ in range(spec.runs)]

    def harness(self, spec: TrainSpec, assignment: Assignment | None = None, data_dir: Path | None = None) -> Harness:
        """What the child runs around the call (the engine hands it to every run of this check).

        Without the data nothing runs: the judge then reports, in one sentence, where the
        grader looked and what to set, and the assignment's other checks still grade.
        """
        try:
            root = datasets.locate(spec.dataset, root=data_dir)
        except datasets.DataMissing as exc:
            data = {"name": spec.dataset, "title": datasets.TITLES[spec.dataset], "missing": str(exc),
                    "looked_in": str(exc.folder) if exc.folder else None}
            return Harness(skip=True, missing=str(exc), skip_reference=True, data=data)
        return _harness(spec, str(root), spec.dataset, datasets.describe_located(spec.dataset, root))

    def stand_in(self, spec: TrainSpec, harness: Harness, folder: Path) -> Harness:
        """For ``grader demo`` only: when the spec's dataset is missing, train on the offline stand-in.

        ``harness`` is what :meth:`harness` gave; with the data present it is returned as
        it is. ``folder`` is the engine's own scratch folder for the stand-in's files.
        """
        if not harness.missing:
            return harness
        looked = (harness.data or {}).get("looked_in")
        reason = f"{datasets.TITLES[spec.dataset]} is not in {looked}" if looked else harness.missing
        try:
            root, data = datasets.stand_in(spec.dataset, folder, reason)
        except datasets.DataMissing as exc:
            return harness.model_copy(update={
                "missing": f"{harness.missing.rstrip('.')}; and the demo's offline stand-in could not be used either: {exc}",
                "data": {**(harness.data or {}), "stand_in_error": str(exc)}})
        trains = spec.model_copy(update={"train": spec.stand_in_train}) if spec.stand_in_train else spec
        return _harness(trains, str(root), data["name"], data)

    def tasks(self, spec: TrainSpec, cases: int) -> list[Task]:
        return [Task(spec.id, case, spec.train, f"{spec.id}/{case}") for case in range(cases)]

    def judge(self, spec: TrainSpec, ctx: JudgeContext) -> Verdict:
        harness = ctx.harness if ctx.harness is not None else self.harness(spec)  # the engine's: what the child trained on
        data = dict(harness.data or {"name": spec.dataset, "title": datasets.TITLES[spec.dataset]})
        if data.get("stand_in") and spec.stand_in_tiers:   # the demo's stand-in: tiers set for that data
            spec = spec.model_copy(update={"tiers": spec.stand_in_tiers})
            data["stand_in_tiers"] = True
        if harness.missing or harness.root is None or harness.dataset is None:
            data["missing"] = harness.missing or "the grader did not say where the data is"
            return Verdict("error", 0.0, f"This check could not run: {data['missing']}", {"dataset": data})
        try:
            labels = datasets.test_labels(harness.root, harness.dataset)
        except datasets.DataMissing as exc:
            data["missing"] = str(exc)
            return Verdict("error", 0.0, f"This check could not run: {exc}", {"dataset": data})
        runs = []
        for index, got in enumerate(ctx.got):
            if spec.by_reference:
                run, problem = _reference_run(got.value, spec, harness.root, harness.dataset)
            else:
                run, problem = _run(got.value, len(labels), spec.predict_budget_s)
            if problem:
                where = f" (run {index + 1} of {len(ctx.got)})" if len(ctx.got) > 1 else ""
                said = spec.parameter_call if spec.by_reference else spec.predict
                return Verdict.failed(_stand_in_note(data) + f"{said} {problem}{where}.", dataset=data)
            run["accuracy"] = float(np.mean(run.pop("predictions") == labels))
            runs.append(run)
        accuracy = float(np.mean([r["accuracy"] for r in runs]))
        credit, tier = _credit(spec.tiers, accuracy)
        details = {"accuracy": accuracy, "accuracies": [r["accuracy"] for r in runs], "tier": tier,
                   "credit": credit, "tiers": [t.model_dump() for t in spec.tiers],
                   "train_loss": [r["train_loss"] for r in runs], "device": runs[0]["device"],
                   "train_seconds": [round(r["train_seconds"], 3) for r in runs],
                   "predict_seconds": [round(r["predict_seconds"], 3) for r in runs],
                   "evaluated_on": training.REFERENCE_EVALUATION if spec.by_reference else training.EVALUATION,
                   "dataset": data}
        if spec.by_reference:
            details["forward"] = spec.forward
        if spec.visibility == "public":   # the first run's per-epoch curves, for the report (never scored)
            details.update(charts.train_charts(_curves(ctx.got[0].value), [(t.min_accuracy, t.credit) for t in spec.tiers],
                                               runs[0]["accuracy"]))
        message = _stand_in_note(data) + (_message(spec, accuracy, credit, runs) if spec.visibility == "public"
                                          else _hidden_message(spec, credit, tier))
        status: Status = "passed" if credit >= 1 else "partial" if credit > 0 else "failed"
        return Verdict(status, credit, message, details)

    def detail_rows(self, details: dict[str, Any]) -> list[DetailRow]:
        """What the check trained and tested on (an alert when it was the demo's stand-in); then its plain
        figures (accuracy, tier, credit, losses, device, seconds) as they are."""
        data = details.get("dataset")
        rows = []
        if isinstance(data, dict) and data:
            rows.append(DetailRow("Dataset", clip(datasets.describe(data), MAX_TEXT_CHARS), "dataset",
                                  css="alert" if data.get("stand_in") else "proves"))
        return rows + plain_rows(details, {"dataset"})


def _harness(spec: TrainSpec, root: str, dataset: str, data: dict[str, Any]) -> Harness:
    """With predict: reference the child evaluates the parameter call where it would predict, and returns its value."""
    if spec.by_reference:
        used, _ = calls.names(calls.parse(spec.train))
        return Harness(dataset=dataset, root=root, train=spec.train, predict=spec.parameter_call, device=spec.device,
                       forward=spec.forward, child_data=False if not used & TRAIN_NAMES else None,
                       skip_reference=True, data=data)
    return Harness(dataset=dataset, root=root, train=spec.train, predict=spec.predict, device=spec.device,
                   predict_budget_s=spec.predict_budget_s, skip_reference=True, data=data)


def _run(value: Any, count: int, budget: float) -> tuple[dict[str, Any], str | None]:
    """Validate what one run sent back (plain data decoded by the grader), prediction time included."""
    if not isinstance(value, dict):
        return {}, "returned nothing the grader could read"
    took = value.get("predict_seconds")
    timed = isinstance(took, ScalarValue) and isinstance(took.value, (int, float))
    slow = (f"took longer than the {budget:g} s allowed for predicting on all {count} test images "
            "(a trained model answers in a fraction of that; a search through stored images does not)")
    if timed and not took.value <= budget:  # type: ignore[union-attr]
        return {}, slow
    pred = value.get("predictions")
    if not isinstance(pred, ArrayValue) or pred.array.shape != (count,) or pred.array.dtype.kind not in "iu":
        return {}, f"did not give one predicted class per test image ({count})"
    if not timed:
        return {}, slow
    out: dict[str, Any] = {"predictions": pred.array}
    for key, default in (("train_loss", math.nan), ("train_seconds", 0.0), ("nonfinite_rows", 0), ("predict_seconds", 0.0)):
        item = value.get(key)
        out[key] = float(item.value) if isinstance(item, ScalarValue) and not isinstance(item.value, complex) else default
    device = value.get("device")
    out["device"] = device if isinstance(device, str) else "unknown"
    return out, None


def _reference_run(value: Any, spec: TrainSpec, root: str, dataset: str) -> tuple[dict[str, Any], str | None]:
    """The grader's own predictions: the reference's forward pass on the trained parameters one run sent back."""
    assert spec.forward is not None
    params = value.get("parameters") if isinstance(value, dict) else None
    items = list(params) if isinstance(params, (list, tuple)) else [params] if params is not None else []
    if not items or not all(isinstance(item, ArrayValue) for item in items):
        return {}, ("did not give the trained parameters as tensors (a list of them, or an nn.Module); "
                    f"{forwards.FORWARDS[spec.forward].title} needs {', '.join(forwards.FORWARDS[spec.forward].names)}")
    checked = forwards.validate(spec.forward, [item.array for item in items])
    if isinstance(checked, str):
        return {}, checked
    test, train, train_labels = datasets.grader_images(root, dataset)
    began = time.perf_counter()
    scores = forwards.logits(spec.forward, checked, test)
    seconds = time.perf_counter() - began
    device = value.get("device")
    took = value.get("train_seconds")
    return {"predictions": scores.argmax(axis=1),
            "nonfinite_rows": int((~np.isfinite(scores)).any(axis=1).sum()),
            "train_loss": forwards.cross_entropy(forwards.logits(spec.forward, checked, train), train_labels),
            "device": device if isinstance(device, str) else "unknown", "predict_seconds": seconds,
            "train_seconds": float(took.value) if isinstance(took, ScalarValue) and isinstance(took.value, (int, float)) else 0.0,
            }, None


def _curves(value: Any) -> Any:
    """What the child recorded of the training curves (validated by :func:`grader.charts.train_charts`)."""
    return value.get("curves") if isinstance(value, dict) else None


def _stand_in_note(data: dict[str, Any]) -> str:
    """The first words of a verdict reached on the demo's stand-in: loud, so it is never taken for a grade."""
    if not data.get("stand_in"):
        return ""
    meant = datasets.TITLES.get(str(data.get("stand_in_for")), "the assignment's dataset")
    why = f", because {data['reason']}" if data.get("reason") else ""
    return (f"DEMO STAND-IN, NOT A GRADE: trained and tested on {data.get('title')} ({data.get('train_images')} "
            f"training and {data.get('test_images')} test images, {data.get('images')}) instead of {meant}{why}; "
            + ("with the spec's tiers for the stand-in. " if data.get("stand_in_tiers") else
               f"the tiers written for {meant} were applied unchanged. "))


def _credit(tiers: list[Tier], accuracy: float) -> tuple[float, int | None]:
    for index, tier in enumerate(tiers):  # best first (sorted at load)
        if accuracy >= tier.min_accuracy:
            return tier.credit, index
    return 0.0, None


def _message(spec: TrainSpec, accuracy: float, credit: float, runs: list[dict[str, Any]]) -> str:
    """What happened, in words a student can act on."""
    top = spec.tiers[0].min_accuracy
    mean = "mean test accuracy" if len(runs) > 1 else "test accuracy"
    head = f"Your trained model reached a {mean} of {accuracy:.2%}"
    if credit >= 1:
        return f"{head} (full credit needs {top:.0%})."
    earned = (f"; that earns {credit:.0%} of the points (full credit needs {top:.0%})" if credit > 0
              else f"; full credit needs {top:.0%}, and no tier was reached")
    loss = runs[0]["train_loss"]
    chance = 1.0 / datasets.CLASSES
    if accuracy < 2 * chance:
        if not math.isfinite(loss) or loss > math.log(datasets.CLASSES) + 0.15 or any(r["nonfinite_rows"] for r in runs):
            why = (f" That is no better than guessing, and the training loss ended at {_loss(loss)}, worse than "
                   "the 2.30 of a uniform guess: training diverged. Typical causes are weights initialised far too large (e.g. std 1 instead of 0.01), "
                   "a learning rate that is too high, or gradients that are never reset to zero between steps.")
        elif abs(loss - math.log(datasets.CLASSES)) < 0.15:
            why = (f" That is no better than guessing, and the training loss stayed near {loss:.2f} (= ln 10, the "
                   "loss of a uniform guess): the parameters barely changed. Check that the optimiser updates "
                   "them (requires_grad, the SGD step, the learning rate) and that the model uses them.")
        else:
            why = (f" That is no better than guessing (the training loss ended at {_loss(loss)}). Check that the "
                   "model's outputs line up with the labels and that training actually ran.")
    else:
        why = (f" The training loss ended at {_loss(loss)}. A correct model learns more within the same budget; "
               "typical causes are the initialisation scale (the assignment asks for std 0.01), the learning "
               "rate, or the way minibatches and the update are computed.")
    return head + earned + "." + why


def _hidden_message(spec: TrainSpec, credit: float, tier: int | None) -> str:
    """A hidden training check in words that quote no measured number: the tier reached (its threshold
    is the spec's), never the accuracy or the loss (the child could write hidden values into either)."""
    if tier is None:
        return f"Your trained model reached no tier (the lowest needs {spec.tiers[-1].min_accuracy:.0%} test accuracy)."
    return (f"Your trained model reached the tier for {spec.tiers[tier].min_accuracy:.0%} test accuracy; "
            f"that earns {credit:.0%} of the points.")


def _loss(loss: float) -> str:
    return f"{loss:.3g}" if math.isfinite(loss) else "NaN/infinity"
