"""What a student may see of a hidden check: one policy, applied where verdicts become results.

A hidden check's inputs, weights and targets are drawn from the course secret, so any number
computed from them (the expected values, the inputs themselves, an error size, a factor between
the student's values and the true ones, and the student's own values, which the child computes
from hidden inputs) would let a student reconstruct them. A hidden check therefore shows its
status, which named quantities are wrong, counts bounded by the spec's sizes, and coarse bands
(:func:`error_band`, :func:`factor_band`) instead of error sizes; never a number computed from
hidden inputs or expected values.

The judge (:mod:`grader.engine.judge`) passes every hidden check's details through
:func:`redact` before a :class:`~grader.results.Result` exists and keeps the unredacted details
in an :class:`InstructorRecord` beside it (written to ``instructor.json``, which no report,
export or bundle reads); reports and exports apply the same :func:`student_details` again, so
a ``result.json`` written by an older grader is shown under today's policy too.

Messages are redacted by the kinds themselves (they know which of their words quote values, and
they word a hidden check's failure with the bands below), and a hidden check's exception text by
:mod:`grader.explain`.
"""

from __future__ import annotations

import json
import math
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from grader.assignment import Visibility
from grader.results import CheckResult, Result, finite

# Details a hidden check may carry as they are: where and how many, never what was expected or what went in.
HIDDEN_DETAILS = frozenset({"step", "case", "mismatched", "size", "wrong", "nonfinite", "properties", "prompt",
                            "dataset", "error_band", "error_bands", "found"})
# Details no student sees, public check or hidden: a manual check's rubric holds the model answer.
INSTRUCTOR_ONLY = frozenset({"rubric"})
# Error sizes a hidden check shows only as bands: ``max_rel_err`` (else ``max_abs_err``) becomes ``error_band``,
# ``rel_err`` (name -> relative error) becomes ``error_bands`` (name -> band).
BANDED = frozenset({"max_abs_err", "max_rel_err", "rel_err"})
UNDEFINED_BAND = "outside the tolerance"


def error_band(rel: Any) -> str:
    """A relative error as a coarse band (four bands; undefined where the true value is 0)."""
    if not isinstance(rel, (int, float)) or isinstance(rel, bool):
        return UNDEFINED_BAND
    rel = float(rel)
    if math.isnan(rel) or rel > 10:
        return "off by more than 10×"
    if rel > 1:
        return "off by 1× to 10×"
    if rel > 0.1:
        return "off by 10% to 100%"
    return "within 10%"


def factor_band(ratio: float) -> str:
    """A factor between a student's values and the true ones, as a coarse band (sign and decade)."""
    size = abs(ratio)
    band = ("less than 0.1×" if size < 0.1 else "between 0.1× and 1×" if size < 1
            else "between 1× and 10×" if size <= 10 else "more than 10×")
    return band + " the true values" + (", with the opposite sign" if ratio < 0 else "")


def student_details(visibility: Visibility, details: dict[str, Any]) -> dict[str, Any]:
    """The details a student may see: all of a public check's but the instructors' own (a rubric); of a
    hidden check's, the allow-listed ones and its error sizes as bands."""
    if visibility == "public":
        return {key: value for key, value in details.items() if key not in INSTRUCTOR_ONLY}
    shown = {key: value for key, value in details.items() if key in HIDDEN_DETAILS}
    if "max_rel_err" in details or "max_abs_err" in details:
        shown["error_band"] = error_band(details.get("max_rel_err"))
    if isinstance(details.get("rel_err"), dict):
        shown["error_bands"] = {str(name): error_band(rel) for name, rel in details["rel_err"].items()}
    return shown


def redact(check: CheckResult) -> CheckResult:
    """``check`` as a student may see it (unchanged when public)."""
    if check.visibility == "public" and not INSTRUCTOR_ONLY & check.details.keys():
        return check
    return check.model_copy(update={"details": student_details(check.visibility, check.details)})


class WrongValue(BaseModel):
    """A sketch of what the student's code returned on one case of a hidden check where that was not the
    reference's answer (see :mod:`grader.engine.evidence`): the values (all, or ``SKETCH`` evenly spaced
    ones of ``n``) and their sum. For ``grader similar``: the same wrong numbers in two submissions."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    case: int
    n: int
    values: list[float | str]          # non-finite numbers as "inf", "-inf", "nan"
    sum: float | str


class InstructorCheck(BaseModel):
    """One hidden check's details as the kind concluded them, before redaction, and the student's wrong
    values on its cases (``wrong_values``: empty when it passed or returned nothing comparable)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    id: str
    details: dict[str, Any]
    wrong_values: list[WrongValue] = Field(default_factory=list)


class NormalForm(BaseModel):
    """One source file's normalised tokens (:mod:`grader.normal_form`), stored for ``grader similar``."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    file: str
    forms: str                         # the tokens' normal forms, joined by spaces
    lines: list[int]                   # each token's line


class InstructorRecord(BaseModel):
    """``instructor.json``: what redaction cut from a submission's hidden checks, the student's wrong values on
    them and a copy of the submission's source, for instructors only.

    Written beside ``result.json``; reports, exports and bundles never read it."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    schema_: Literal["grader.instructor/1"] = Field(default="grader.instructor/1", alias="schema")
    submission: str
    checks: list[InstructorCheck] = Field(default_factory=list)
    # The submission's Python text by file name, kept for ``grader similar`` (results are enough to compare code).
    sources: dict[str, str] = Field(default_factory=dict)
    normal_form: list[NormalForm] = Field(default_factory=list)     # of ``sources``, by the rules of ...
    normal_form_version: str = ""                                   # ... grader.normal_form.VERSION

    def to_json(self) -> str:
        """The record as JSON (non-finite numbers written as strings, so it always serialises)."""
        return json.dumps(finite(self.model_dump(by_alias=True)), indent=2, ensure_ascii=False, allow_nan=False) + "\n"



class Graded(BaseModel):
    """A graded submission as a batch carries it: the student's :class:`Result` and, beside it, the
    instructors' record of what redaction cut (``instructor.json``)."""

    model_config = ConfigDict(frozen=True)
    result: Result
    instructor: InstructorRecord

    @classmethod
    def of(cls, result: Result, instructor: InstructorRecord | None = None) -> Graded:
        """``result`` with its record (an empty one when nothing was cut, e.g. an error result)."""
        return cls(result=result, instructor=instructor or InstructorRecord(submission=result.submission))

    def renamed(self, submission: str) -> Graded:
        """The same, under the id the batch gave the submission."""
        return Graded(result=self.result.model_copy(update={"submission": submission}),
                      instructor=self.instructor.model_copy(update={"submission": submission}))

    def to_dict(self) -> dict[str, Any]:
        """Plain data for a wire boundary (the engine hosts' pipe, a Dask future)."""
        return {"result": self.result.to_dict(), "instructor": finite(self.instructor.model_dump(by_alias=True))}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Graded:
        """The inverse of :meth:`to_dict`, validated."""
        return cls(result=Result.from_dict(data["result"]), instructor=InstructorRecord.model_validate(data["instructor"]))
