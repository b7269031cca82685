"""``compare``: call a student function and the reference on the same inputs."""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import Field

from grader import compare as cmp
from grader.checks.base import CheckSpec, JudgeContext, KindBase, Outcome, Task


class CompareSpec(CheckSpec):
    kind: str = "compare"
    call: str = Field(description="call expression, e.g. forward(x, w)")
    inputs: str | dict[str, Any] | None = None
    names: list[str] | None = Field(default=None, description="labels for the parts of a returned tuple")
    rtol: float | None = Field(default=None, ge=0)
    atol: float | None = Field(default=None, ge=0)
    strict_type: bool = False
    strict_dtype: bool = False


def tolerance(spec: CompareSpec, ctx: JudgeContext) -> cmp.Tolerance:
    return cmp.Tolerance(
        rtol=spec.rtol if spec.rtol is not None else ctx.default_rtol,
        atol=spec.atol if spec.atol is not None else ctx.default_atol,
        strict_type=spec.strict_type, strict_dtype=spec.strict_dtype,
    )


def compare_named(got: Any, expected: Any, names: list[str] | None, tol: cmp.Tolerance, root: str) -> cmp.Mismatch | None:
    """Compare, labelling the parts of a returned tuple with the spec's ``names``."""
    if names and isinstance(expected, (list, tuple)) and len(expected) == len(names):
        if not isinstance(got, (list, tuple)) or len(got) != len(names):
            return cmp.compare(got, expected, tol, root)
        for name, g, e in zip(names, got, expected):
            problem = cmp.compare(g, e, tol, name)
            if problem:
                return problem
        return None
    return cmp.compare(got, expected, tol, root)


def case_label(ctx: JudgeContext, index: int) -> str:
    return f" (case {index + 1} of {len(ctx.got)})" if len(ctx.got) > 1 else ""


def redacted(problem: cmp.Mismatch) -> str:
    """A mismatch message that reveals no expected value (for hidden checks)."""
    d = problem.details
    if problem.step == "values" and "max_abs_err" in d:
        rel = f", max rel err {d['max_rel_err']:.3g}" if d.get("max_rel_err") is not None else ""
        return f"{problem.path}: {d['mismatched']} of {d['size']} values are wrong (max abs err {d['max_abs_err']:.3g}{rel})"
    if problem.step == "values":
        return f"{problem.path}: the values are wrong"
    return problem.message


class Compare(KindBase):
    """Proves the student's function returns what the reference returns on the same inputs:
    same type, shape and dtype, finite where the reference is, and values within tolerance."""

    name: ClassVar[str] = "compare"
    Spec: ClassVar[type[CheckSpec]] = CompareSpec

    def tasks(self, spec: CompareSpec, cases: int) -> list[Task]:
        return [Task(spec.id, case, spec.call, f"{spec.id}/{case}") for case in range(cases)]

    def judge(self, spec: CompareSpec, ctx: JudgeContext) -> Outcome:
        tol = tolerance(spec, ctx)
        for index, (got, want) in enumerate(zip(ctx.got, ctx.expected)):
            problem = compare_named(got.value, want.value, spec.names, tol, spec.call)
            if problem:
                text = problem.message if spec.visibility == "public" else redacted(problem)
                return Outcome.failed(text + case_label(ctx, index), step=problem.step, path=problem.path,
                                      case=index, **problem.details)
        cases = f" on {len(ctx.got)} cases" if len(ctx.got) > 1 else ""
        return Outcome.passed(f"{spec.call} matches the reference{cases}.")
