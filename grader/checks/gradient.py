"""``gradient``: hand-derived gradients against autograd of a hidden loss function."""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from grader import compare as cmp
from grader.checks.base import CheckSpec, InputUse, JudgeContext, KindBase, Task, Verdict
from grader.checks.compare import Compare, CompareSpec, case_label, redacted, tolerance
from grader.checks.display import DetailRow, clip, fmt_error
from grader.redaction import error_band, factor_band


class Autograd(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    function: str = Field(pattern=r"^hidden/[A-Za-z_][A-Za-z0-9_/]*\.py:[A-Za-z_][A-Za-z0-9_]*$",
                          description="hidden/<file>.py:<function> returning a scalar torch loss")
    args: list[str] = Field(min_length=1)
    wrt: str


class GradientSpec(CompareSpec):
    kind: str = "gradient"
    autograd: Autograd | None = Field(default=None, description="expected values by torch autograd; "
                                      "without it, the reference's own call gives them")
    of: str = Field(default="E", description="name of the differentiated quantity, for messages")


def oracle_module(function: str) -> tuple[str, str, str]:
    """``hidden/oracle.py:loss`` -> (relative file, module name in the sandbox, function)."""
    file, func = function.split(":")
    stem = file.removeprefix("hidden/").removesuffix(".py").replace("/", "_")
    return file, f"grader_hidden_{stem}", func


class Gradient(KindBase):
    """Proves every partial derivative the student computed by hand equals the true gradient
    (torch autograd of the instructor's loss), naming each wrong parameter and its error."""

    name: ClassVar[str] = "gradient"
    Spec: ClassVar[type[CheckSpec]] = GradientSpec

    def input_uses(self, spec: GradientSpec) -> list[InputUse]:
        return [InputUse(spec.call, spec.inputs)]

    def tasks(self, spec: GradientSpec, cases: int) -> list[Task]:
        oracle = None
        if spec.autograd:
            _, module, func = oracle_module(spec.autograd.function)
            oracle = {"module": module, "function": func, "args": spec.autograd.args, "wrt": [spec.autograd.wrt]}
        return [Task(spec.id, case, spec.call, f"{spec.id}/{case}", oracle) for case in range(cases)]

    def judge(self, spec: GradientSpec, ctx: JudgeContext) -> Verdict:
        tol = tolerance(spec, ctx)
        for index, (got, want) in enumerate(zip(ctx.got, ctx.expected)):
            problem = cmp.compare(got.value, want.value, tol, f"∂{spec.of}/∂{spec.autograd.wrt if spec.autograd else 'params'}")
            if problem is None:
                continue
            if problem.step != "values" or not spec.names:
                text = problem.message if spec.visibility == "public" else redacted(problem)
                return Verdict.failed(text + case_label(ctx, index), step=problem.step, case=index, **problem.details)
            return self._name_wrong(spec, problem, got.value, want.value, index, ctx)
        cases = f" on {len(ctx.got)} cases" if len(ctx.got) > 1 else ""
        return Verdict.passed(f"All partial derivatives of {spec.of} match autograd{cases}.")

    def _name_wrong(self, spec: GradientSpec, problem: cmp.Mismatch, got: Any, want: Any, index: int,
                    ctx: JudgeContext) -> Verdict:
        names = list(spec.names or [])
        flat_bad = sorted({int(np.ravel_multi_index(i, want.array.shape)) if i else 0 for i in problem.bad_indices})
        wrong = [names[i] if i < len(names) else f"[{i}]" for i in flat_bad]
        g = np.asarray(cmp._as_array(got), dtype=np.float64).reshape(-1)
        e = want.array.astype(np.float64).reshape(-1)
        label = {i: names[i] if i < len(names) else f"[{i}]" for i in flat_bad}
        rel = {label[i]: float(abs(g[i] - e[i]) / abs(e[i])) if e[i] != 0 else None for i in flat_bad}
        worst_i = max(flat_bad, key=lambda i: _or_inf(rel[label[i]]))
        worst = label[worst_i]
        hidden = spec.visibility == "hidden"
        if hidden:   # a band, never an error size; and never which true values are 0
            defined = [i for i in flat_bad if rel[label[i]] is not None]
            worst = label[max(defined, key=lambda i: _or_inf(rel[label[i]]))] if defined else worst
            worst_text = error_band(rel[worst])
        else:
            worst_text = (f"rel err {rel[worst]:.2g}" if rel[worst] is not None
                          else f"abs err {abs(g[worst_i] - e[worst_i]):.2g}, the true value is 0")
        ratios = [g[i] / e[i] for i in flat_bad if e[i] != 0]
        hint = ""
        if ratios and np.allclose(ratios, np.median(ratios), rtol=0.05) and abs(np.median(ratios) - 1) > 0.05:
            factor = float(np.median(ratios))   # computed from the true values: only its band for a hidden check
            hint = f"; they are all {factor_band(factor)}" if hidden else \
                f"; they are about {factor:.3g}× the true values"
        right = [n for i, n in enumerate(names) if i not in flat_bad]
        partials = ", ".join(f"∂{spec.of}/∂{n}" for n in wrong)
        message = (f"Wrong gradient: {partials} (worst {worst}: {worst_text}){hint}"
                   + (f"; the gradients for {', '.join(right)} are right" if right else "") + case_label(ctx, index) + ".")
        if hidden:
            rel = {name: value for name, value in rel.items() if value is not None}
        return Verdict.failed(message, step="values", case=index, wrong=wrong, rel_err=rel,
                              max_abs_err=problem.details.get("max_abs_err"), max_rel_err=problem.details.get("max_rel_err"))

    def detail_rows(self, details: dict[str, Any]) -> list[DetailRow]:
        """The wrong parameters, largest relative error first, then the mismatch as ``compare`` shows it."""
        rows = Compare().detail_rows({key: value for key, value in details.items()
                                      if key not in ("wrong", "rel_err", "error_bands")})
        if isinstance(details.get("wrong"), list):
            rel = details["rel_err"] if isinstance(details.get("rel_err"), dict) else {}
            bands = details["error_bands"] if isinstance(details.get("error_bands"), dict) else {}
            ordered = sorted(details["wrong"], key=lambda n: -(rel.get(n) or 0) if isinstance(rel.get(n), (int, float)) else 0)
            rows += [DetailRow(clip(str(name), 200), fmt_error(rel[name]) if name in rel else str(bands.get(name, "")),
                               "wrong") for name in ordered]
        return rows


def _or_inf(value: float | None) -> float:
    """A relative error for ranking: undefined (the true value is 0) ranks worst."""
    return float("inf") if value is None else value
