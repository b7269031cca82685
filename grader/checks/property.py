"""``property``: invariants of what a student function returns, over generated inputs.

Instead of comparing with the reference value by value, each property states
something every correct answer satisfies (rows sum to 1, all finite, values in
[0, 1], the output has the input's shape, a loss curve decreases, ...). The
properties are judged in the grader from the student's returned values only;
the reference still runs on the same inputs and a property may refer to it
(``like_reference``, or ``ref.<name>`` in an expression).

    - id: softmax-is-a-distribution
      kind: property
      call: softmax(Z)
      inputs: extreme
      names: [p]                       # optional labels for the parts of a returned tuple
      properties:
        - {of: p, finite: true}
        - {of: p, range: [0, 1]}
        - {of: p, sums_to: 1, axis: -1, atol: 1.0e-6, label: "each row of softmax(Z)"}
        - {of: p, shape: "shape(Z)"}
        - {expr: "all(argmax(p, axis=-1) == argmax(Z, axis=-1))",
           message: "softmax(Z) must keep the largest logit of each row the most probable"}

The names an expression may use: ``out`` (the whole returned value), the
``names`` of its parts, every input of the case, and ``ref`` (the reference's
values: ``ref.out``, ``ref.p``). Each property scores an equal share of the
check's points and has its own message.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np
from pydantic import Field, field_validator

from grader import compare as cmp
from grader import tolerance
from grader.checks import expr as ex
from grader.checks.base import CheckSpec, InputUse, JudgeContext, KindBase, Task, Verdict
from grader.checks.display import DetailRow, clip, plain_rows
from grader.checks.invariants import KINDS, PropertyItem, check_one
from grader.values import ArrayValue, ScalarValue

__all__ = ["KINDS", "Property", "PropertyItem", "PropertySpec", "check_one", "input_values", "judge_cases", "parts",
           "plain", "tolerances"]


class PropertySpec(CheckSpec):
    kind: str = "property"
    call: str = Field(description="call expression, e.g. softmax(Z)")
    inputs: str | dict[str, Any] | None = None
    names: list[str] | None = Field(default=None, description="labels for the parts of a returned tuple")
    properties: list[PropertyItem] = Field(min_length=1)
    rtol: float | None = Field(default=None, ge=0)
    atol: float | None = Field(default=None, ge=0)

    @field_validator("names")
    @classmethod
    def _identifiers(cls, names: list[str] | None) -> list[str] | None:
        for name in names or []:
            if not name.isidentifier() or name in ("out", "ref"):
                raise ValueError(f"names must be Python identifiers other than out and ref; got {name!r}")
        return names


# ------------------------------------------------------------------ values

def plain(value: Any) -> Any:
    """A decoded sandbox value as NumPy data: arrays, numbers, lists, dicts (opaque stays opaque)."""
    if isinstance(value, ArrayValue):
        return value.array
    if isinstance(value, ScalarValue):
        return value.value
    if isinstance(value, (list, tuple)):
        if value and all(isinstance(v, (ScalarValue, ArrayValue)) for v in value):
            stacked = cmp._as_array(list(value))
            if stacked is not None:
                return stacked
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    return value


def parts(value: Any, names: list[str] | None) -> dict[str, Any]:
    """``out`` and the named parts of a returned tuple (absent parts are left out)."""
    env = {"out": plain(value)}
    if names and isinstance(value, (list, tuple)) and len(value) == len(names):
        env.update({n: plain(v) for n, v in zip(names, value)})
    return env


def input_values(case: dict[str, Any]) -> dict[str, Any]:
    """A case's inputs as the judge sees them (strings come back as str)."""
    out = {}
    for name, value in case.items():
        if isinstance(value, np.ndarray) and value.ndim == 0:
            value = value.item()
        out[name] = value
    return out


def judge_cases(properties: list[PropertyItem], envs: Sequence[tuple[dict[str, Any], dict[str, Any] | None]],
                default_label: str, reveal: bool, tol: tuple[float, float], unit: str = "case") -> Verdict:
    """Score ``properties`` over every case: each property must hold on all of them."""
    failures: list[tuple[int, int, str]] = []      # (property, case, message)
    passes: list[str] = []
    report = []
    for p_index, item in enumerate(properties):
        verdict = None
        for c_index, (env, ref_env) in enumerate(envs):
            verdict = check_one(item, env, ref_env, default_label, reveal, tol)
            if not verdict.ok:
                where = f" ({unit} {c_index + 1} of {len(envs)})" if len(envs) > 1 else ""
                failures.append((p_index, c_index, verdict.message.rstrip(".") + where))
                break
        else:
            passes.append(verdict.message if verdict else "")
        passed = not failures or failures[-1][0] != p_index
        report.append({"property": item.label or item.of or item.kind, "kind": item.kind, "passed": passed,
                       "message": passes[-1] if passed else failures[-1][2]})
    count = len(properties)
    many = f" on {len(envs)} {unit}s" if len(envs) > 1 else ""
    if not failures:
        return Verdict.passed(f"All {count} properties hold{many}: " + "; ".join(passes) + "." if count > 1
                              else f"{passes[0]}{many}.", properties=report)
    fraction = (count - len(failures)) / count
    head = f"{len(failures)} of {count} properties fail: " if count > 1 else ""
    text = head + "; ".join(m for _, _, m in failures) + "."
    return Verdict("partial" if fraction > 0 else "failed", fraction, text, {"properties": report})


class Property(KindBase):
    """Proves the student's function satisfies stated invariants (e.g. finite values, rows summing
    to 1, a range, the input's shape, a monotone curve) on every generated input, judged from the
    values it returned; each property earns an equal share of the points and has its own message."""

    name: ClassVar[str] = "property"
    Spec: ClassVar[type[CheckSpec]] = PropertySpec

    def input_uses(self, spec: PropertySpec) -> list[InputUse]:
        return [InputUse(spec.call, spec.inputs)]

    def tasks(self, spec: PropertySpec, cases: int) -> list[Task]:
        return [Task(spec.id, case, spec.call, f"{spec.id}/{case}") for case in range(cases)]

    def judge(self, spec: PropertySpec, ctx: JudgeContext) -> Verdict:
        envs = []
        for index, (got, want) in enumerate(zip(ctx.got, ctx.expected)):
            inputs = input_values(ctx.inputs[index]) if index < len(ctx.inputs) else {}
            ref = parts(want.value, spec.names)
            env = {**inputs, **parts(got.value, spec.names), "ref": ex.Namespace(ref, "ref")}
            envs.append((env, {**inputs, **ref}))
        return judge_cases(spec.properties, envs, spec.call, spec.visibility == "public", tolerances(spec, ctx))

    def detail_rows(self, details: dict[str, Any]) -> list[DetailRow]:
        """One checklist row per property (the first 50), holding or failing; then any other plain detail."""
        items = details["properties"] if isinstance(details.get("properties"), list) else []
        rows = [DetailRow("", clip(str(item.get("message") or item.get("property") or ""), 600), "checklist",
                          css="ok" if item["passed"] else "bad")
                for item in items[:50] if isinstance(item, dict) and "passed" in item]
        return rows + plain_rows(details, {"properties"})


def tolerances(spec: Any, ctx: JudgeContext) -> tuple[float, float]:
    """(rtol, atol) for ``close_to``-like properties: the check's, else the assignment's, else the
    table's default for quantities computed in the grader (a property item may override both)."""
    return tolerance.resolve(*tolerance.check_layers(spec.rtol, spec.atol, ctx.default_rtol, ctx.default_atol), default=tolerance.COMPUTED)
