"""One property (an invariant of a returned value) judged on one case, for ``property`` and
``experiment`` checks: the spec's :class:`PropertyItem` and :func:`check_one`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from grader import tolerance
from grader.checks import expr as ex
from grader.values import OpaqueValue

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



@dataclass
class Finding:
    """How one property fared on one case."""

    ok: bool
    message: str



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
              reveal: bool, tol: tuple[float, float]) -> Finding:
    """Evaluate one property on one case's environment."""
    label = item.label or item.of or default_label
    try:
        verdict = _judge(item, env, ref_env, label, reveal, tol)
    except ex.ExprError as exc:
        verdict = Finding(False, f"{label}: could not evaluate" + (f" ({exc})" if reveal else ""))
    except Exception as exc:  # noqa: BLE001 - the student's value may not fit the property at all
        verdict = Finding(False, f"{label} could not be checked: {type(exc).__name__}" + (f": {exc}" if reveal else ""))
    if not verdict.ok and item.message:   # a hidden check's fields would quote values: shown as …
        verdict = Finding(False, ex.render(item.message, env, hide=not reveal))
    if not verdict.ok and item.reason:
        verdict = Finding(False, f"{verdict.message.rstrip('.')} — {item.reason.strip()}")
    return verdict


@dataclass(frozen=True)
class _Case:
    """One property on one case: what a property's test needs besides the value itself."""

    item: PropertyItem
    env: dict[str, Any]
    ref_env: dict[str, Any] | None
    label: str
    reveal: bool
    rtol: float
    atol: float

    def spec_text(self, spec: Any) -> str:
        """How a hidden check names a spec value: an expression as written, a literal as it is."""
        return spec if isinstance(spec, str) else ex.show(spec)

    def value(self, text: Any) -> Any:
        """An expression from the spec evaluated on this case; a literal as it is."""
        return ex.evaluate(text, self.env) if isinstance(text, str) else text


def _judge(item: PropertyItem, env: dict[str, Any], ref_env: dict[str, Any] | None, label: str, reveal: bool,
           tol: tuple[float, float]) -> Finding:
    kind = item.kind
    if kind == "expr":
        ok = bool(np.all(ex.evaluate(item.expr or "", env)))
        return Finding(ok, ex.render(item.message or "", env, hide=not reveal) if not ok else f"{item.label or item.expr} holds")
    raw = ex.evaluate(item.of or "out", env)
    item_atol = float(ex.evaluate(item.atol, env) if isinstance(item.atol, str) else item.atol) \
        if item.atol is not None else None
    rtol, atol = tolerance.resolve((item.rtol, item_atol), default=tol)   # the item's own, then the check's
    case = _Case(item, env, ref_env, label, reveal, rtol, atol)
    if kind == "shape":
        return _shape(case, raw)
    if kind == "dtype":
        return _dtype(case, raw)
    test = _NUMERIC.get(kind)
    if test is None:
        raise ex.ExprError(f"unknown property kind {kind!r}")
    return test(case, _num(raw, label))


def _shape(case: _Case, raw: Any) -> Finding:
    want = tuple(int(n) for n in case.value(case.item.shape))
    got = np.shape(raw) if not isinstance(raw, OpaqueValue) else None
    return Finding(got == want, f"{case.label} has shape {want}" if got == want else
                   f"{case.label} should have shape {want}, but has " + (f"shape {got}" if case.reveal else "another shape"))


def _dtype(case: _Case, raw: Any) -> Finding:
    got = str(np.asarray(raw).dtype) if not isinstance(raw, OpaqueValue) else raw.origin
    want = case.item.dtype
    return Finding(got == want, f"{case.label} has dtype {got}" if got == want else
                   f"{case.label} should have dtype {want}, but has " + (got if case.reveal else "another dtype"))


def _finite(case: _Case, x: np.ndarray) -> Finding:
    bad = ~np.isfinite(x)
    if not bad.any():
        return Finding(True, f"{case.label} is finite")
    idx = _first(bad)
    what = "NaN" if np.isnan(x[idx]) else "inf"
    return Finding(False, f"{case.label} has {what}{' at ' + _at(idx) if idx else ''} "
                          f"({int(bad.sum())} of {x.size} values are not finite)")


def _diverges(case: _Case, x: np.ndarray) -> Finding:
    above = case.item.above
    blown = ~np.isfinite(x) | (np.abs(np.nan_to_num(x)) > above)
    largest = float(np.max(np.abs(x))) if x.size else 0.0
    largest_text = f" (largest |value| {largest:.3g})" if case.reveal else ""
    return Finding(bool(blown.any()), f"{case.label} should blow up (reach inf, NaN or |value| > {above:g}), "
                                      f"but stays finite{largest_text}")


def _range(case: _Case, x: np.ndarray) -> Finding:
    lo, hi = (float(case.value(v)) for v in case.item.range or ())
    bad = ~((x >= lo - case.atol) & (x <= hi + case.atol))
    bounds = f"[{lo:g}, {hi:g}]" if case.reveal else "[" + ", ".join(map(case.spec_text, case.item.range or ())) + "]"
    if not bad.any():
        return Finding(True, f"{case.label} lies in {bounds}")
    idx = _first(bad)
    example = f"e.g. {ex.show(x[idx])}" if case.reveal else "e.g."
    return Finding(False, f"{case.label} should lie in {bounds}, but {int(bad.sum())} of {x.size} values "
                          f"do not ({example}{' at ' + _at(idx) if idx else ''})")


def _sums_to(case: _Case, x: np.ndarray) -> Finding:
    target = float(case.value(case.item.sums_to))
    axis = -1 if case.item.axis is None else case.item.axis
    sums = np.sum(x, axis=axis) if x.ndim else x
    err = np.abs(sums - target)
    bad = ~(err <= case.atol + case.rtol * abs(target))
    target_text = f"{target:g}" if case.reveal else case.spec_text(case.item.sums_to)
    if not bad.any():
        return Finding(True, f"{case.label} sums to {target_text}")
    idx = _first(bad)
    where = f" (index {_at(idx)} along the other axes)" if idx else ""
    got = f"sums to {ex.show(sums[idx])}{where}" if case.reveal else f"does not{where}"
    return Finding(False, f"{case.label} should sum to {target_text} along axis {axis}, but {got}; "
                          f"{int(bad.sum())} of {sums.size} sums are off")


def _bound(case: _Case, x: np.ndarray) -> Finding:
    kind = case.item.kind
    spec_target = getattr(case.item, kind)
    target_text = spec_target if isinstance(spec_target, str) else ex.show(spec_target)
    t = _num(case.value(spec_target), target_text)
    bad = ~(x < t) if kind == "less_than" else ~(x > t)
    word = "below" if kind == "less_than" else "above"
    if not np.any(bad):
        return Finding(True, f"{case.label} is {word} {target_text}")
    shown = f" ({ex.show(t)})" if case.reveal and isinstance(spec_target, str) else ""
    return Finding(False, f"{case.label} should be {word} {target_text}{shown}, but is "
                          + (ex.show(x) if case.reveal else "not"))


def _closeness_target(case: _Case) -> tuple[np.ndarray, str]:
    """What a close_to / not_close_to / like_reference property compares with, and how to name it."""
    if case.item.kind == "like_reference":
        if case.ref_env is None:
            raise ex.ExprError("no reference values to compare with")
        return _num(ex.evaluate(case.item.of or "out", case.ref_env), "the reference"), "the reference's"
    spec_target = getattr(case.item, case.item.kind)
    target_text = spec_target if isinstance(spec_target, str) else ex.show(spec_target)
    return _num(case.value(spec_target), target_text), target_text


def _close(case: _Case, x: np.ndarray) -> Finding:
    target, target_text = _closeness_target(case)
    label, atol, rtol = case.label, case.atol, case.rtol
    err = np.abs(x - target)
    bad = ~(err <= atol + rtol * np.abs(target))
    worst = float(np.nanmax(np.where(np.isnan(err), np.inf, err))) if err.size else 0.0
    if case.item.kind == "not_close_to":
        if np.any(bad):
            return Finding(True, f"{label} differs from {target_text}")
        return Finding(False, f"{label} should differ from {target_text}, but agrees with it "
                              + (f"{_within(atol, rtol)} everywhere" if case.reveal else "everywhere"))
    if not np.any(bad):
        return Finding(True, f"{label} matches {target_text}")
    idx = _first(np.broadcast_to(bad, np.broadcast_shapes(x.shape, target.shape)))
    where = f"first at {_at(idx)}" if idx else ""
    if not case.reveal:   # no value, error size or tolerance (an atol may be computed from the inputs)
        return Finding(False, f"{label} should match {target_text}, but {int(np.sum(bad))} of {bad.size} values do not"
                              + (f" ({where})" if where else ""))
    detail = f"got {ex.show(np.broadcast_to(x, bad.shape)[idx])}, expected {ex.show(np.broadcast_to(target, bad.shape)[idx])}"
    return Finding(False, f"{label} should match {target_text} {_within(atol, rtol)}, but "
                          f"{int(np.sum(bad))} of {bad.size} values do not ({detail}"
                          f"{' at ' + _at(idx) if idx else ''}; max abs err {worst:.3g})")


_NUMERIC: dict[str, Callable[[_Case, np.ndarray], Finding]] = {
    "finite": _finite, "diverges": _diverges, "range": _range, "sums_to": _sums_to,
    "monotonic": lambda case, x: _monotonic(case.item, x, case.label, case.reveal),
    "same_along": lambda case, x: _along(case.item, x, case.label, case.atol, case.reveal),
    "differ_along": lambda case, x: _along(case.item, x, case.label, case.atol, case.reveal),
    "less_than": _bound, "greater_than": _bound,
    "close_to": _close, "not_close_to": _close, "like_reference": _close,
}


def _within(atol: float, rtol: float) -> str:
    if atol == 0 and rtol == 0:
        return "exactly"
    if rtol == 0:
        return f"within {atol:.3g}"
    if atol == 0:
        return f"within {rtol:.3g}·|target|"
    return f"within {atol:.3g} + {rtol:.3g}·|target|"


def _monotonic(item: PropertyItem, x: np.ndarray, label: str, reveal: bool) -> Finding:
    seq = x.reshape(-1) if item.axis is None else x
    steps = np.diff(seq, axis=-1 if item.axis is None else item.axis)
    rule = {"increasing": steps > 0, "decreasing": steps < 0,
            "nonincreasing": steps <= 0, "nondecreasing": steps >= 0}[item.monotonic or ""]
    if np.all(rule):
        return Finding(True, f"{label} is {item.monotonic}")
    idx = _first(~rule)
    i = idx[-1] if idx else 0
    word = "falls" if steps[idx] < 0 else ("rises" if steps[idx] > 0 else "stays level")
    a, b = (seq[i], seq[i + 1]) if seq.ndim == 1 else (None, None)
    shown = f" from {ex.show(a)} to {ex.show(b)}" if a is not None and reveal else ""
    return Finding(False, f"{label} should be {item.monotonic}, but {word}{shown} at step {i + 1}")


def _along(item: PropertyItem, x: np.ndarray, label: str, atol: float, reveal: bool) -> Finding:
    axis = item.same_along if item.same_along is not None else item.differ_along
    assert axis is not None
    n = x.shape[axis] if x.ndim else 0
    slices = [np.take(x, j, axis=axis) for j in range(n)]
    if item.same_along is not None:
        diffs = [float(np.max(np.abs(s - slices[0]))) if s.size else 0.0 for s in slices[1:]]
        bad = [j + 1 for j, d in enumerate(diffs) if not d <= atol]
        if not bad:
            return Finding(True, f"{label} is identical along axis {axis}")
        by = f" by up to {diffs[bad[0] - 1]:.3g}" if reveal else ""
        return Finding(False, f"{label} should be identical along axis {axis}, but slice {bad[0]} differs from slice 0"
                              f"{by} ({len(bad)} of {n - 1} slices differ)")
    pairs = [(j, k, float(np.max(np.abs(slices[j] - slices[k])))) for j in range(n) for k in range(j + 1, n)]
    same = [(j, k, d) for j, k, d in pairs if not d > atol]
    if n >= 2 and not same:
        return Finding(True, f"{label} differs along axis {axis}")
    j, k, d = same[0] if same else (0, 0, 0.0)
    within = f" within {atol:.3g} (max difference {d:.3g})" if reveal else ""
    return Finding(False, f"{label} should differ along axis {axis}, but slices {j} and {k} agree{within}"
                   if n >= 2 else f"{label} has fewer than 2 slices along axis {axis}")
