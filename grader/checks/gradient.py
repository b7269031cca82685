"""``gradient``: hand-derived gradients against autograd of a hidden loss function."""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from grader import compare as cmp
from grader.checks.base import CheckSpec, JudgeContext, KindBase, Outcome, Task
from grader.checks.compare import CompareSpec, case_label, redacted, tolerance


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

    def tasks(self, spec: GradientSpec, cases: int) -> list[Task]:
        oracle = None
        if spec.autograd:
            _, module, func = oracle_module(spec.autograd.function)
            oracle = {"module": module, "function": func, "args": spec.autograd.args, "wrt": [spec.autograd.wrt]}
        return [Task(spec.id, case, spec.call, f"{spec.id}/{case}", oracle) for case in range(cases)]

    def judge(self, spec: GradientSpec, ctx: JudgeContext) -> Outcome:
        tol = tolerance(spec, ctx)
        for index, (got, want) in enumerate(zip(ctx.got, ctx.expected)):
            problem = cmp.compare(got.value, want.value, tol, f"∂{spec.of}/∂{spec.autograd.wrt if spec.autograd else 'params'}")
            if problem is None:
                continue
            if problem.step != "values" or not spec.names:
                text = problem.message if spec.visibility == "public" else redacted(problem)
                return Outcome.failed(text + case_label(ctx, index), step=problem.step, case=index, **problem.details)
            return self._name_wrong(spec, problem, got.value, want.value, index, ctx)
        cases = f" on {len(ctx.got)} cases" if len(ctx.got) > 1 else ""
        return Outcome.passed(f"All partial derivatives of {spec.of} match autograd{cases}.")

    def _name_wrong(self, spec: GradientSpec, problem: cmp.Mismatch, got: Any, want: Any, index: int,
                    ctx: JudgeContext) -> Outcome:
        names = list(spec.names or [])
        flat_bad = sorted({int(np.ravel_multi_index(i, want.array.shape)) if i else 0 for i in problem.bad_indices})
        wrong = [names[i] if i < len(names) else f"[{i}]" for i in flat_bad]
        g = np.asarray(cmp._as_array(got), dtype=np.float64).reshape(-1)
        e = want.array.astype(np.float64).reshape(-1)
        label = {i: names[i] if i < len(names) else f"[{i}]" for i in flat_bad}
        rel = {label[i]: float(abs(g[i] - e[i]) / abs(e[i])) if e[i] != 0 else None for i in flat_bad}
        worst_i = max(flat_bad, key=lambda i: float("inf") if rel[label[i]] is None else rel[label[i]])
        worst = label[worst_i]
        hidden = spec.visibility == "hidden"
        worst_text = (f"rel err {rel[worst]:.2g}" if rel[worst] is not None
                      else f"abs err {abs(g[worst_i] - e[worst_i]):.2g}" + ("" if hidden else ", the true value is 0"))
        if hidden:   # a hidden check never says which true values are 0
            rel = {name: value for name, value in rel.items() if value is not None}
        ratios = [g[i] / e[i] for i in flat_bad if e[i] != 0]
        hint = ""
        if ratios and np.allclose(ratios, np.median(ratios), rtol=0.05) and abs(np.median(ratios) - 1) > 0.05:
            hint = f"; they are about {np.median(ratios):.3g}× the true values"
        right = [n for i, n in enumerate(names) if i not in flat_bad]
        partials = ", ".join(f"∂{spec.of}/∂{n}" for n in wrong)
        message = (f"Wrong gradient: {partials} (worst {worst}: {worst_text}){hint}"
                   + (f"; the gradients for {', '.join(right)} are right" if right else "") + case_label(ctx, index) + ".")
        return Outcome.failed(message, step="values", case=index, wrong=wrong, rel_err=rel,
                              max_abs_err=problem.details.get("max_abs_err"), max_rel_err=problem.details.get("max_rel_err"))
