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

from dataclasses import dataclass
from typing import Any, ClassVar, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from grader import compare as cmp
from grader.checks import expr as ex
from grader.checks.base import CheckSpec, JudgeContext, KindBase, Outcome, Task
from grader.values import ArrayValue, OpaqueValue, ScalarValue

KINDS = ("finite", "diverges", "range", "sums_to", "shape", "dtype", "monotonic", "close_to",
         "not_close_to", "less_than", "greater_than", "same_along", "differ_along", "like_reference", "expr")
Target = float | str | list[Any]


class PropertyItem(BaseModel):
    """One invariant: exactly one of the kinds in ``KINDS`` plus the options below."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    of: str | None = Field(default=None, description="expression for the quantity (default: the whole result)")
    label: str | None = Field(default=None, description="how messages name the quantity")
    axis: int | None = Field(default=None, description="axis for sums_to, monotonic, same_along/differ_along")
    rtol: float | None = Field(default=None, ge=0)
    atol: float | str | None = Field(default=None, description="a number, or an expression such as hoeffding(...)")
    above: float = Field(default=1e6, gt=0, description="diverges: |value| beyond this counts as blown up")
    message: str | None = Field(default=None, description="replaces the failure message; {expression:fmt} fields")
    reason: str | None = Field(default=None, description="why the property must hold; appended on failure")
    finite: Literal[True] | None = None
    diverges: Literal[True] | None = None
    range: tuple[float | str, float | str] | None = None
    sums_to: float | str | None = None
    shape: list[int] | str | None = None
    dtype: str | None = None
    monotonic: Literal["increasing", "decreasing", "nonincreasing", "nondecreasing"] | None = None
    close_to: Target | None = None
    not_close_to: Target | None = None
    less_than: float | str | None = None
    greater_than: float | str | None = None
    same_along: int | None = None
    differ_along: int | None = None
    like_reference: Literal[True] | None = None
    expr: str | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> PropertyItem:
        given = [k for k in KINDS if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(f"a property needs exactly one of {', '.join(KINDS)}; got {', '.join(given) or 'none'}")
        if self.expr is not None and not self.message:
            raise ValueError("an expr property needs a message saying what must hold")
        for text in self.expressions():
            ex.parse(text)
        return self

    @property
    def kind(self) -> str:
        return next(k for k in KINDS if getattr(self, k) is not None)

    def expressions(self) -> list[str]:
        """Every expression string this property evaluates (validated at spec load)."""
        out = [self.of] if self.of else []
        for value in (self.range or ()) + (self.sums_to, self.shape, self.close_to, self.not_close_to,
                                            self.less_than, self.greater_than, self.atol, self.expr):
            if isinstance(value, str):
                out.append(value)
        return out


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


@dataclass
class Verdict:
    """How one property fared on one case."""

    ok: bool
    message: str


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


# ------------------------------------------------------------- properties

def _num(x: Any, what: str) -> np.ndarray:
    if isinstance(x, OpaqueValue):
        raise TypeError(f"{what} is a {x.origin}, not numbers")
    try:
        return np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"{what} is not made of numbers (got {type(x).__name__})") from None


def _at(idx: tuple[int, ...]) -> str:
    return "[" + ", ".join(map(str, idx)) + "]" if idx else ""


def _first(mask: np.ndarray) -> tuple[int, ...]:
    return tuple(int(i) for i in np.argwhere(mask)[0]) if mask.ndim else ()


def check_one(item: PropertyItem, env: dict[str, Any], ref_env: dict[str, Any] | None, default_label: str,
              reveal: bool, tol: tuple[float, float]) -> Verdict:
    """Evaluate one property on one case's environment."""
    label = item.label or item.of or default_label
    try:
        verdict = _judge(item, env, ref_env, label, reveal, tol)
    except ex.ExprError as exc:
        verdict = Verdict(False, f"{label}: could not evaluate ({exc})")
    except Exception as exc:  # noqa: BLE001 - the student's value may not fit the property at all
        verdict = Verdict(False, f"{label} could not be checked: {type(exc).__name__}: {exc}")
    if not verdict.ok and item.message:
        verdict = Verdict(False, ex.render(item.message, env))
    if not verdict.ok and item.reason:
        verdict = Verdict(False, f"{verdict.message.rstrip('.')} — {item.reason.strip()}")
    return verdict


def _judge(item: PropertyItem, env: dict[str, Any], ref_env: dict[str, Any] | None, label: str, reveal: bool,
           tol: tuple[float, float]) -> Verdict:
    kind = item.kind
    if kind == "expr":
        ok = bool(np.all(ex.evaluate(item.expr or "", env)))
        return Verdict(ok, ex.render(item.message or "", env) if not ok else f"{item.label or item.expr} holds")
    raw = ex.evaluate(item.of or "out", env)
    value = lambda text: ex.evaluate(text, env) if isinstance(text, str) else text  # noqa: E731
    rtol = item.rtol if item.rtol is not None else tol[0]
    atol = float(value(item.atol)) if item.atol is not None else tol[1]

    if kind == "shape":
        want = tuple(int(n) for n in value(item.shape))
        got = np.shape(raw) if not isinstance(raw, OpaqueValue) else None
        return Verdict(got == want, f"{label} has shape {want}" if got == want else
                       f"{label} should have shape {want}, but has shape {got}")
    if kind == "dtype":
        got = str(np.asarray(raw).dtype) if not isinstance(raw, OpaqueValue) else raw.origin
        return Verdict(got == item.dtype, f"{label} has dtype {got}" if got == item.dtype else
                       f"{label} should have dtype {item.dtype}, but has {got}")
    x = _num(raw, label)
    if kind == "finite":
        bad = ~np.isfinite(x)
        if not bad.any():
            return Verdict(True, f"{label} is finite")
        idx = _first(bad)
        what = "NaN" if np.isnan(x[idx]) else "inf"
        return Verdict(False, f"{label} has {what}{' at ' + _at(idx) if idx else ''} "
                              f"({int(bad.sum())} of {x.size} values are not finite)")
    if kind == "diverges":
        blown = ~np.isfinite(x) | (np.abs(np.nan_to_num(x)) > item.above)
        largest = float(np.max(np.abs(x))) if x.size else 0.0
        return Verdict(bool(blown.any()), f"{label} should blow up (reach inf, NaN or |value| > {item.above:g}), "
                                          f"but stays finite (largest |value| {largest:.3g})")
    if kind == "range":
        lo, hi = (float(value(v)) for v in item.range or ())
        bad = ~((x >= lo - atol) & (x <= hi + atol))
        if not bad.any():
            return Verdict(True, f"{label} lies in [{lo:g}, {hi:g}]")
        idx = _first(bad)
        return Verdict(False, f"{label} should lie in [{lo:g}, {hi:g}], but {int(bad.sum())} of {x.size} values do not "
                              f"(e.g. {ex.show(x[idx])}{' at ' + _at(idx) if idx else ''})")
    if kind == "sums_to":
        target = float(value(item.sums_to))
        axis = -1 if item.axis is None else item.axis
        sums = np.sum(x, axis=axis) if x.ndim else x
        err = np.abs(sums - target)
        bad = ~(err <= atol + rtol * abs(target))
        if not bad.any():
            return Verdict(True, f"{label} sums to {target:g}")
        idx = _first(bad)
        where = f" (index {_at(idx)} along the other axes)" if idx else ""
        return Verdict(False, f"{label} should sum to {target:g} along axis {axis}, but sums to "
                              f"{ex.show(sums[idx])}{where}; {int(bad.sum())} of {sums.size} sums are off")
    if kind == "monotonic":
        return _monotonic(item, x, label)
    if kind in ("same_along", "differ_along"):
        return _along(item, x, label, atol)
    if kind in ("less_than", "greater_than"):
        target_text = getattr(item, kind)
        target_text = target_text if isinstance(target_text, str) else ex.show(target_text)
        t = _num(value(getattr(item, kind)), target_text)
        bad = ~(x < t) if kind == "less_than" else ~(x > t)
        if not np.any(bad):
            return Verdict(True, f"{label} is {'below' if kind == 'less_than' else 'above'} {target_text}")
        word = "below" if kind == "less_than" else "above"
        shown = f" ({ex.show(t)})" if reveal and isinstance(getattr(item, kind), str) else ""
        return Verdict(False, f"{label} should be {word} {target_text}{shown}, but is {ex.show(x)}")
    if kind in ("close_to", "not_close_to", "like_reference"):
        if kind == "like_reference":
            if ref_env is None:
                raise ex.ExprError("no reference values to compare with")
            target, target_text = _num(ex.evaluate(item.of or "out", ref_env), "the reference"), "the reference's"
        else:
            spec_target = getattr(item, kind)
            target_text = spec_target if isinstance(spec_target, str) else ex.show(spec_target)
            target = _num(value(spec_target), target_text)
        err = np.abs(x - target)
        bad = ~(err <= atol + rtol * np.abs(target))
        worst = float(np.nanmax(np.where(np.isnan(err), np.inf, err))) if err.size else 0.0
        if kind == "not_close_to":
            if np.any(bad):
                return Verdict(True, f"{label} differs from {target_text}")
            return Verdict(False, f"{label} should differ from {target_text}, but agrees with it "
                                  f"{_within(atol, rtol)} everywhere")
        if not np.any(bad):
            return Verdict(True, f"{label} matches {target_text}")
        idx = _first(np.broadcast_to(bad, np.broadcast_shapes(x.shape, target.shape)))
        detail = f"got {ex.show(np.broadcast_to(x, bad.shape)[idx])}"
        if reveal:
            detail += f", expected {ex.show(np.broadcast_to(target, bad.shape)[idx])}"
        return Verdict(False, f"{label} should match {target_text} {_within(atol, rtol)}, but "
                              f"{int(np.sum(bad))} of {bad.size} values do not ({detail}"
                              f"{' at ' + _at(idx) if idx else ''}; max abs err {worst:.3g})")
    raise ex.ExprError(f"unknown property kind {kind!r}")


def _within(atol: float, rtol: float) -> str:
    if atol == 0 and rtol == 0:
        return "exactly"
    if rtol == 0:
        return f"within {atol:.3g}"
    if atol == 0:
        return f"within {rtol:.3g}·|target|"
    return f"within {atol:.3g} + {rtol:.3g}·|target|"


def _monotonic(item: PropertyItem, x: np.ndarray, label: str) -> Verdict:
    seq = x.reshape(-1) if item.axis is None else x
    steps = np.diff(seq, axis=-1 if item.axis is None else item.axis)
    rule = {"increasing": steps > 0, "decreasing": steps < 0,
            "nonincreasing": steps <= 0, "nondecreasing": steps >= 0}[item.monotonic or ""]
    if np.all(rule):
        return Verdict(True, f"{label} is {item.monotonic}")
    idx = _first(~rule)
    i = idx[-1] if idx else 0
    word = "falls" if steps[idx] < 0 else ("rises" if steps[idx] > 0 else "stays level")
    a, b = (seq[i], seq[i + 1]) if seq.ndim == 1 else (None, None)
    shown = f" from {ex.show(a)} to {ex.show(b)}" if a is not None else ""
    return Verdict(False, f"{label} should be {item.monotonic}, but {word}{shown} at step {i + 1}")


def _along(item: PropertyItem, x: np.ndarray, label: str, atol: float) -> Verdict:
    axis = item.same_along if item.same_along is not None else item.differ_along
    assert axis is not None
    n = x.shape[axis] if x.ndim else 0
    slices = [np.take(x, j, axis=axis) for j in range(n)]
    if item.same_along is not None:
        diffs = [float(np.max(np.abs(s - slices[0]))) if s.size else 0.0 for s in slices[1:]]
        bad = [j + 1 for j, d in enumerate(diffs) if not d <= atol]
        if not bad:
            return Verdict(True, f"{label} is identical along axis {axis}")
        return Verdict(False, f"{label} should be identical along axis {axis}, but slice {bad[0]} differs from slice 0 "
                              f"by up to {diffs[bad[0] - 1]:.3g} ({len(bad)} of {n - 1} slices differ)")
    pairs = [(j, k, float(np.max(np.abs(slices[j] - slices[k])))) for j in range(n) for k in range(j + 1, n)]
    same = [(j, k, d) for j, k, d in pairs if not d > atol]
    if n >= 2 and not same:
        return Verdict(True, f"{label} differs along axis {axis}")
    j, k, d = same[0] if same else (0, 0, 0.0)
    return Verdict(False, f"{label} should differ along axis {axis}, but slices {j} and {k} agree within {atol:.3g} "
                          f"(max difference {d:.3g})" if n >= 2 else f"{label} has fewer than 2 slices along axis {axis}")


def judge_cases(properties: list[PropertyItem], envs: list[tuple[dict[str, Any], dict[str, Any] | None]],
                default_label: str, reveal: bool, tol: tuple[float, float], unit: str = "case") -> Outcome:
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
        return Outcome.passed(f"All {count} properties hold{many}: " + "; ".join(passes) + "." if count > 1
                              else f"{passes[0]}{many}.", properties=report)
    fraction = (count - len(failures)) / count
    head = f"{len(failures)} of {count} properties fail: " if count > 1 else ""
    text = head + "; ".join(m for _, _, m in failures) + "."
    return Outcome("partial" if fraction > 0 else "failed", fraction, text, {"properties": report})


class Property(KindBase):
    """Proves the student's function satisfies stated invariants (e.g. finite values, rows summing
    to 1, a range, the input's shape, a monotone curve) on every generated input, judged from the
    values it returned; each property earns an equal share of the points and has its own message."""

    name: ClassVar[str] = "property"
    Spec: ClassVar[type[CheckSpec]] = PropertySpec

    def tasks(self, spec: PropertySpec, cases: int) -> list[Task]:
        return [Task(spec.id, case, spec.call, f"{spec.id}/{case}") for case in range(cases)]

    def judge(self, spec: PropertySpec, ctx: JudgeContext) -> Outcome:
        envs = []
        for index, (got, want) in enumerate(zip(ctx.got, ctx.expected)):
            inputs = input_values(ctx.inputs[index]) if index < len(ctx.inputs) else {}
            ref = parts(want.value, spec.names)
            env = {**inputs, **parts(got.value, spec.names), "ref": ex.Namespace(ref, "ref")}
            envs.append((env, {**inputs, **ref}))
        return judge_cases(spec.properties, envs, spec.call, spec.visibility == "public", tolerances(spec, ctx))


def tolerances(spec: Any, ctx: JudgeContext) -> tuple[float, float]:
    """(rtol, atol) for ``close_to``-like properties: the check's, else the assignment's, else 1e-7."""
    rtol = spec.rtol if spec.rtol is not None else ctx.default_rtol
    atol = spec.atol if spec.atol is not None else ctx.default_atol
    return (1e-7 if rtol is None else rtol, 1e-7 if atol is None else atol)
