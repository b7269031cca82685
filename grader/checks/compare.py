"""``compare``: call a student function and the reference on the same inputs."""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import Field

from grader import compare as cmp
from grader import tolerance as tol
from grader.checks.base import CheckSpec, InputUse, JudgeContext, KindBase, Task, Verdict
from grader.checks.display import DetailRow, fmt_error, fmt_index, fmt_value, plain_rows
from grader.redaction import error_band


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
    """The check's and the assignment's tolerances; the dtype default fills the rest at comparison."""
    rtol, atol = tol.overlay(*tol.check_layers(spec.rtol, spec.atol, ctx.default_rtol, ctx.default_atol))
    return cmp.Tolerance(rtol=rtol, atol=atol, strict_type=spec.strict_type, strict_dtype=spec.strict_dtype)


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
    """A mismatch message for a hidden check: no expected value, no error size (a band instead), and
    nothing the student's code chose (its values, its shape or length, its object's text), since that
    code ran on the hidden inputs and could write them into what it returned."""
    d = problem.details
    if problem.step == "values" and "max_abs_err" in d:
        return f"{problem.path}: {d['mismatched']} of {d['size']} values are wrong ({error_band(d.get('max_rel_err'))})"
    if problem.step == "values":
        return f"{problem.path}: the values are wrong"
    if problem.step == "type":
        return f"{problem.path}: expected a {d.get('expected_type', 'different type')}, got another type"
    if problem.step == "shape" and not d.get("missing"):
        return f"{problem.path}: the shape (or the number of items) is wrong"
    return problem.message   # dtype (an allow-listed name), finite (where, of a size the spec fixes), missing keys


class Compare(KindBase):
    """Proves the student's function returns what the reference returns on the same inputs:
    same type, shape and dtype, finite where the reference is, and values within tolerance."""

    name: ClassVar[str] = "compare"
    Spec: ClassVar[type[CheckSpec]] = CompareSpec

    def input_uses(self, spec: CompareSpec) -> list[InputUse]:
        return [InputUse(spec.call, spec.inputs)]

    def tasks(self, spec: CompareSpec, cases: int) -> list[Task]:
        return [Task(spec.id, case, spec.call, f"{spec.id}/{case}") for case in range(cases)]

    def judge(self, spec: CompareSpec, ctx: JudgeContext) -> Verdict:
        tol = tolerance(spec, ctx)
        for index, (got, want) in enumerate(zip(ctx.got, ctx.expected)):
            problem = compare_named(got.value, want.value, spec.names, tol, spec.call)
            if problem:
                text = problem.message if spec.visibility == "public" else redacted(problem)
                return Verdict.failed(text + case_label(ctx, index), step=problem.step, path=problem.path,
                                      case=index, **problem.details)
        cases = f" on {len(ctx.got)} cases" if len(ctx.got) > 1 else ""
        return Verdict.passed(f"{spec.call} matches the reference{cases}.")

    def detail_rows(self, details: dict[str, Any]) -> list[DetailRow]:
        """A mismatch (see :class:`grader.compare.Mismatch`) in rows: expected against got (type, length,
        shape, dtype, the worst value), then what was compared, how many values are wrong and by how much,
        where, the tolerance and missing keys; then any other plain detail as it is."""
        where, step = details.get("worst_index"), details.get("step")
        value = "value" + (f" at {fmt_index(where)}" if where else "")
        rows = [DetailRow(label, fmt_value(details.get(f"got_{key}", "—")), "compare",
                          expected=fmt_value(details.get(f"expected_{key}", "—")))
                for key, label in (("type", "type"), ("len", "length"), ("shape", "shape"), ("dtype", "dtype"),
                                   ("at_worst", value)) if f"expected_{key}" in details or f"got_{key}" in details]
        stats: list[tuple[str, str]] = []
        if details.get("path"):
            stats.append(("compared", str(details["path"])))
        if "mismatched" in details and "size" in details:
            stats.append(("values wrong", f"{details['mismatched']} of {details['size']}"))
        if "nonfinite" in details:
            stats.append(("NaN or inf values", str(details["nonfinite"])))
        for key, label in (("max_abs_err", "max abs error"), ("max_rel_err", "max rel error")):
            if details.get(key) is not None:
                stats.append((label, fmt_error(details[key])))
        if isinstance(details.get("error_band"), str):
            stats.append(("error", details["error_band"]))
        if where is not None and step == "values":
            stats.append(("worst index", fmt_index(where)))
        if where and step == "finite":
            stats.append(("first NaN or inf at", fmt_index(where)))
        if "rtol" in details and "atol" in details:
            stats.append(("allowed", f"|got − expected| ≤ {fmt_error(details['atol'])} + {fmt_error(details['rtol'])}·|expected|"))
        if details.get("missing"):
            stats.append(("missing keys", ", ".join(map(str, details["missing"]))))
        known = {"step", "path", "case", "mismatched", "size", "max_abs_err", "max_rel_err", "error_band", "worst_index",
                 "rtol", "atol",
                 "nonfinite", "missing", *(f"{side}_{key}" for side in ("expected", "got")
                                            for key in ("type", "len", "shape", "dtype", "at_worst"))}
        return rows + [DetailRow(label, text, "stat") for label, text in stats] + plain_rows(details, known)
