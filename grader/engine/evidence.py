"""What ``grader similar`` needs from a graded run, kept for instructors only (``instructor.json``).

Two things, both written by the judge beside the hidden checks' unredacted details and never
into a :class:`~grader.results.Result`:

* :func:`wrong_values`: for a hidden check that did not pass, a sketch of the values the
  student's code returned on each case where they are not the reference's (within the spec's
  tolerance). Two submissions that copied one bug return the same wrong numbers on the secret
  inputs; independent work almost never does. The sketch is the values themselves for small
  outputs, else :data:`SKETCH` evenly spaced ones plus the count and the sum, so the file stays
  small whatever a check returns.
* :func:`sources`: the submission's Python text (``.py`` files; notebooks as the script the
  grader ran), so ``grader similar RESULTS_DIR`` compares code without the submissions' folders,
  and :func:`normal_form`, its tokens normalised (:mod:`grader.normal_form`), so ``similar`` need
  not tokenise a whole class again (the slow part of comparing code).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from grader.checks.base import Evaluation
from grader.errors import SubmissionError
from grader.normal_form import normal_forms
from grader.redaction import NormalForm, WrongValue
from grader.submission import Submission, notebook_to_script
from grader.values import ArrayValue, ScalarValue

SKETCH = 64                      # values kept per case at most
MAX_SOURCE_CHARS = 200_000       # per submission: more is not a student's homework
_FALLBACK_RTOL, _FALLBACK_ATOL = 1e-5, 1e-8


def numbers(value: Any) -> np.ndarray | None:
    """Every number in a decoded value, flattened in a fixed order (tuple parts, dict keys sorted);
    None when it holds none (text, an opaque object, nothing)."""
    parts: list[np.ndarray] = []
    _collect(value, parts, 0)
    if not parts:
        return None
    return np.concatenate(parts)


def _collect(value: Any, parts: list[np.ndarray], depth: int) -> None:
    if depth > 8:
        return
    if isinstance(value, ArrayValue):
        array = value.array
        if array.dtype.kind in "biuf" and array.size:
            parts.append(np.asarray(array, dtype=np.float64).ravel())
        elif array.dtype.kind == "c" and array.size:
            parts.append(np.abs(array).astype(np.float64).ravel())
    elif isinstance(value, ScalarValue) and isinstance(value.value, (bool, int, float)):
        parts.append(np.array([float(value.value)]))
    elif isinstance(value, (bool, int, float)):
        parts.append(np.array([float(value)]))
    elif isinstance(value, (list, tuple)):
        for item in value:
            _collect(item, parts, depth + 1)
    elif isinstance(value, dict):
        for key in sorted(value, key=str):
            _collect(value[key], parts, depth + 1)


def sketch(values: np.ndarray) -> tuple[list[float | str], float]:
    """At most :data:`SKETCH` of ``values`` (all of them when there are no more; else evenly spaced
    ones; a non-finite one as ``"inf"``, ``"-inf"`` or ``"nan"``) and the sum of the finite ones."""
    if values.size > SKETCH:
        picked = values[np.linspace(0, values.size - 1, SKETCH).astype(np.int64)]
    else:
        picked = values
    finite = values[np.isfinite(values)]
    kept: list[float | str] = [v if math.isfinite(v) else repr(v) for v in picked.tolist()]
    return kept, float(finite.sum()) if finite.size else 0.0


def wrong_values(got: list[Evaluation], expected: list[Evaluation], rtol: float | None,
                 atol: float | None) -> list[WrongValue]:
    """Per case, the student's values where they are numbers and not the reference's within
    ``rtol``/``atol`` (the spec's tolerance; NumPy's defaults without one). Cases that raised,
    returned no numbers, or returned only zeros or non-finite numbers (an unfinished function)
    are left out: they say nothing about whose work it is."""
    rtol = _FALLBACK_RTOL if rtol is None else rtol
    atol = _FALLBACK_ATOL if atol is None else atol
    kept = []
    for case, (mine, theirs) in enumerate(zip(got, expected)):
        if not mine.ok:
            continue
        values = numbers(mine.value)
        if values is None or not np.isfinite(values).any() or not np.any(values[np.isfinite(values)]):
            continue
        reference = numbers(theirs.value) if theirs.ok else None
        if reference is not None and reference.shape == values.shape and \
                np.allclose(values, reference, rtol=rtol, atol=atol, equal_nan=True):
            continue
        picked, total = sketch(values)
        kept.append(WrongValue(case=case, n=int(values.size), values=picked, sum=total))
    return kept


def sources(submission: Submission) -> dict[str, str]:
    """The submission's Python files as text (notebooks as the script the grader runs), by name,
    up to :data:`MAX_SOURCE_CHARS` in all."""
    kept: dict[str, str] = {}
    budget = MAX_SOURCE_CHARS
    for name in sorted(submission.files):
        if budget <= 0 or "__pycache__" in name or not name.endswith((".py", ".ipynb")):
            continue
        data = submission.files[name]
        if name.endswith(".ipynb"):
            try:
                data = notebook_to_script(data, name)
            except SubmissionError:
                continue
        text = data.decode("utf-8", errors="replace")[:budget]
        kept[name] = text
        budget -= len(text)
    return kept



def normal_form(sources: dict[str, str]) -> list[NormalForm]:
    """``sources`` in normal form, file by file."""
    return [NormalForm(file=name, forms=forms, lines=lines) for name, forms, lines in normal_forms(sources)]
