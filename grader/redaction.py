"""What a student may see of a hidden check: one policy, applied where verdicts become results.

A hidden check's inputs, weights and targets are drawn from the course secret, so anything
computed from them (the expected values, the inputs themselves, the student's values at the
worst element) would let a student reconstruct them. The judge (:mod:`grader.engine.judge`)
passes every hidden check's details through :func:`redact` before a :class:`~grader.results.Result`
exists; reports and exports read results and apply the same :func:`student_details` again, so a
``result.json`` written by an older grader is shown under today's policy too.

Messages are redacted by the kinds themselves (they know which of their words quote values), and
a hidden check's exception text by :mod:`grader.explain`.
"""

from __future__ import annotations

from typing import Any

from grader.assignment import Visibility
from grader.results import CheckResult

# Details a hidden check may carry: how wrong, never what was expected or what went in.
HIDDEN_DETAILS = frozenset({"step", "case", "mismatched", "size", "max_abs_err", "max_rel_err", "wrong", "rel_err",
                            "nonfinite", "curves", "bars", "properties", "prompt", "rubric", "dataset"})


def student_details(visibility: Visibility, details: dict[str, Any]) -> dict[str, Any]:
    """The details a student may see: all of a public check's, the allow-listed ones of a hidden check's."""
    if visibility == "public":
        return dict(details)
    return {key: value for key, value in details.items() if key in HIDDEN_DETAILS}


def redact(check: CheckResult) -> CheckResult:
    """``check`` as a student may see it (unchanged when public)."""
    if check.visibility == "public":
        return check
    return check.model_copy(update={"details": student_details(check.visibility, check.details)})
