"""The charts a check's details carry for the report, built in the grader from plain data.

- :func:`train_charts`: a ``train`` check's per-epoch curves as the child recorded them
  (:mod:`grader.sandbox.curves`), validated and bounded here (every name a short string,
  every number finite or a gap, at most :data:`MAX_POINTS` points and :data:`MAX_SERIES`
  series), with the test accuracy the grader measured and the tiers as horizontal lines.
- :func:`experiment_charts`: an ``experiment`` check's outcomes across its configurations
  (a sequence per configuration, e.g. the losses for each learning rate, as curves; a number
  per configuration as bars).

The details they give (``curves``, ``curves_label``, ``curves_lines``, ``curves_note``, ``bars``,
``bars_label``) are drawn by the report (:mod:`grader.report.plots` documents the shapes). A
hidden check's details never carry them: :mod:`grader.redaction` does not allow them, since a
hidden check's values are computed after the child has seen hidden inputs.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from grader.values import ArrayValue, ScalarValue

MAX_SERIES = 8
MAX_POINTS = 2000
MAX_NAME = 48
MAX_PANELS = 3
# Part names that say "a value per step": such a sequence is drawn as a curve.
HISTORY_WORDS = ("loss", "acc", "curve", "history", "cost", "error", "trace")


def _name(value: Any) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return None
    text = "".join(c for c in value if c.isprintable()).strip()
    return text if len(text) <= MAX_NAME else text[: MAX_NAME - 1] + "…"


def _float(value: Any) -> float | None:
    """A finite number from decoded or plain data; None for anything else."""
    if isinstance(value, ScalarValue):
        value = value.value
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def numbers(value: Any) -> list[float | None] | None:
    """A 1-D sequence of numbers (a gap for each non-finite one), or None when ``value`` is not one."""
    if isinstance(value, ArrayValue):
        value = value.array
    if isinstance(value, np.ndarray):
        if value.ndim != 1 or value.dtype.kind not in "biuf" or value.size == 0:
            return None
        return [_float(v) for v in value.tolist()]
    if isinstance(value, Sequence) and not isinstance(value, (str, bytes)) and value:
        items = [_float(v) for v in value]
        numeric = all(isinstance(v, (ScalarValue, int, float, np.generic)) and not isinstance(v, bool) for v in value)
        return items if numeric else None
    return None


def _points(raw: Any) -> dict[str, list[Any]] | None:
    """``{"x": [...], "y": [...]}`` with finite x, y finite or None, thinned to MAX_POINTS."""
    if not isinstance(raw, Mapping):
        return None
    xs, ys = numbers(raw.get("x")), numbers(raw.get("y"))
    if xs is None or ys is None:
        return None
    pairs = [(x, y) for x, y in zip(xs, ys) if x is not None]
    if not any(y is not None for _x, y in pairs):
        return None
    if len(pairs) > MAX_POINTS:   # thinned evenly, the last point kept (where training ended)
        pairs = pairs[: -1: math.ceil(len(pairs) / (MAX_POINTS - 1))] + pairs[-1:]
    return {"x": [x for x, _y in pairs], "y": [y for _x, y in pairs]}


def _panel(name: str) -> str:
    lowered = name.lower()
    return "loss" if "loss" in lowered else "accuracy" if "acc" in lowered else "values"


def train_charts(raw: Any, tiers: Sequence[tuple[float, float]], accuracy: float | None) -> dict[str, Any]:
    """A public ``train`` check's chart details from what its first run recorded (``raw``: the decoded
    ``curves`` of the child's value); ``tiers`` as ``(min_accuracy, credit)``, best first;
    ``accuracy``: the test accuracy the grader measured. Empty when nothing usable was recorded."""
    if not isinstance(raw, Mapping) or not isinstance(raw.get("series"), Mapping):
        return {}
    source = raw.get("source")
    panels: dict[str, dict[str, Any]] = {}
    for name, points in list(raw["series"].items())[:MAX_SERIES]:
        label, kept = _name(name), _points(points)
        if label is None or kept is None:
            continue
        if source == "loss":
            label = {"loss": "training loss", "accuracy": "training accuracy"}.get(label, label)
        panels.setdefault(_panel(label), {})[label] = kept
    if not panels:
        return {}
    last = max(x for panel in panels.values() for s in panel.values() for x in s["x"])
    if accuracy is not None and math.isfinite(accuracy):
        panels.setdefault("accuracy", {})["test accuracy (graded)"] = {"x": [last], "y": [accuracy]}
    lines = [[t, f"{c:.0%} credit" if c < 1 else "full credit"] for t, c in tiers if c > 0]
    xlabel = _name(raw.get("xlabel")) or "epoch"
    return {"curves": {k: panels[k] for k in ("loss", "accuracy", "values") if k in panels},
            "curves_label": xlabel, "curves_lines": {"accuracy": lines} if "accuracy" in panels else {},
            "curves_note": _note(source, raw.get("rows"))}


def _note(source: Any, rows: Any) -> str:
    measured = "The dot is the test accuracy the grader measured on its held-out images after training."
    if source == "animator":
        return ("Your own curves, as your code gave them to d2l's Animator (what train_ch3 plots), "
                "recorded while it ran. " + measured)
    count = _float(rows)
    images = f"{count:,.0f} training images" if count else "the training images"
    return (f"Recorded while your code trained: the mean loss and accuracy of its training batches over each "
            f"pass through the {images} (what it gave nn.CrossEntropyLoss or F.cross_entropy). " + measured)


def experiment_charts(outcomes: Mapping[str, Mapping[str, Any]], repeated: bool = False) -> dict[str, Any]:
    """An ``experiment`` check's chart details from each configuration's outcome (configuration ->
    part name -> plain value, ``out`` being the whole value; ``repeated``: these are the first of
    several repetitions). A part named like a history (``losses``, ``train_acc``, ``errors``...)
    that is a sequence of numbers becomes a panel of curves, one per configuration; a part that is
    one number in every configuration becomes bars. Weight vectors, matrices and anything else are
    not drawn (a vector of weights is no curve)."""
    names = [n for n in dict.fromkeys(p for parts in outcomes.values() for p in parts)]
    if len(names) > 1:
        names.remove("out")    # the named parts say the same, one by one
    curves: dict[str, dict[str, list[float | None]]] = {}
    bars: dict[str, dict[str, float]] = {}
    for part in names:
        label = _name(part) or "value"
        sequences = {config: numbers(parts.get(part)) for config, parts in outcomes.items()}
        drawn = {_name(c) or "?": s[:MAX_POINTS] for c, s in sequences.items() if s is not None and len(s) >= 2}
        if drawn and len(curves) < MAX_PANELS and any(word in part.lower() for word in HISTORY_WORDS):
            curves[label] = dict(list(drawn.items())[:MAX_SERIES])
            continue
        single = {config: _float(_scalar(parts.get(part))) for config, parts in outcomes.items()}
        if single and all(v is not None for v in single.values()) and len(bars) < MAX_PANELS:
            bars[label] = {(_name(c) or "?"): v for c, v in single.items() if v is not None}
    details: dict[str, Any] = {}
    if curves:
        details.update({"curves": curves, "curves_label": "step",
                        "curves_note": "Your code's outcome in each configuration of the experiment"
                                       + (" (its first repetition)." if repeated else ".")})
    if bars:
        details.update({"bars": bars, "bars_label": ", ".join(bars)})
    return details


def _scalar(value: Any) -> Any:
    if isinstance(value, np.ndarray) and value.size == 1:
        return value.reshape(()).item()
    return value

