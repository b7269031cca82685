"""Judge-side expressions for ``property`` and ``experiment`` checks.

A property such as ``{of: "relu.losses[-1]", less_than: "sigmoid.losses[-1]"}``
or ``{expr: "abs(mean(out == 0) - p) <= hoeffding(size(out), 1, 1e-7)"}`` is
evaluated **in the grader**, on plain NumPy data decoded from the sandbox (never
on the student's objects). The language is a small, validated subset of Python:
numbers, names, arithmetic, comparisons, ``and``/``or``/``not``, ``x if c else y``,
subscripts and slices, attribute access on the grader's own namespaces
(``ref.out``, ``relu.losses``) and calls of the whitelisted functions below.
Nothing is handed to ``eval``.

The statistics helpers give bounds whose false-alarm rate is exact or guaranteed:

- ``hoeffding(n, width, alpha)``: the mean of ``n`` independent values in an
  interval of ``width`` strays from its expectation by more than this with
  probability at most ``alpha`` (Hoeffding's inequality, two-sided);
- ``z_bound(alpha)``: the two-sided standard normal quantile, ``P(|Z| > z) = alpha``;
- ``chi2_low(k, alpha)``, ``chi2_high(k, alpha)``: ``chi²_k / k`` lies outside
  ``[chi2_low, chi2_high]`` with probability at most ``alpha`` (Laurent–Massart).
"""

from __future__ import annotations

import ast
import math
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np


class ExprError(ValueError):
    """An expression is malformed (at spec load) or cannot be evaluated (when judging)."""


def hoeffding(n: float, width: float, alpha: float) -> float:
    """Half-width t with P(|mean - E mean| >= t) <= alpha for n values in an interval of ``width``."""
    return float(width) * math.sqrt(math.log(2.0 / alpha) / (2.0 * float(n)))


def z_bound(alpha: float) -> float:
    """z with P(|N(0, 1)| > z) = alpha, by bisection on erfc (no SciPy needed)."""
    lo, hi = 0.0, 40.0
    for _ in range(200):
        mid = (lo + hi) / 2
        if math.erfc(mid / math.sqrt(2.0)) > alpha:
            lo = mid
        else:
            hi = mid
    return hi


def chi2_low(k: float, alpha: float) -> float:
    """Lower factor: P(chi²_k / k < chi2_low) <= alpha / 2 (Laurent–Massart, x = ln(2/alpha))."""
    x = math.log(2.0 / alpha)
    return max(0.0, 1.0 - 2.0 * math.sqrt(x / k))


def chi2_high(k: float, alpha: float) -> float:
    """Upper factor: P(chi²_k / k > chi2_high) <= alpha / 2 (Laurent–Massart, x = ln(2/alpha))."""
    x = math.log(2.0 / alpha)
    return 1.0 + 2.0 * math.sqrt(x / k) + 2.0 * x / k


def _array(x: Any) -> np.ndarray:
    return np.asarray(x, dtype=np.float64)


def _same_along(x: Any, axis: int = -1) -> bool:
    a = _array(x)
    return bool(np.all(a == np.take(a, [0], axis=axis)))


FUNCTIONS: dict[str, Callable[..., Any]] = {
    "abs": np.abs, "sqrt": np.sqrt, "exp": np.exp, "log": np.log, "sign": np.sign,
    "sum": np.sum, "mean": np.mean, "std": np.std, "var": np.var, "median": np.median,
    "min": np.min, "max": np.max, "maximum": np.maximum, "minimum": np.minimum,
    "all": np.all, "any": np.any, "isfinite": np.isfinite, "isnan": np.isnan, "isinf": np.isinf,
    "isclose": np.isclose, "allclose": np.allclose, "where": np.where, "diff": np.diff,
    "argmax": np.argmax, "argmin": np.argmin, "count_nonzero": np.count_nonzero, "round": np.round,
    "size": np.size, "shape": np.shape, "ndim": np.ndim, "len": len, "ravel": np.ravel,
    "array": _array, "float": float, "int": int, "transpose": np.transpose, "outer": np.outer,
    "unique": np.unique, "corrcoef": np.corrcoef, "norm": np.linalg.norm, "same_along": _same_along,
    "hoeffding": hoeffding, "z_bound": z_bound, "chi2_low": chi2_low, "chi2_high": chi2_high,
}

_NODES = (
    ast.Expression, ast.BoolOp, ast.And, ast.Or, ast.BinOp, ast.Add, ast.Sub, ast.Mult, ast.Div,
    ast.FloorDiv, ast.Mod, ast.Pow, ast.MatMult, ast.BitAnd, ast.BitOr, ast.UnaryOp, ast.USub, ast.UAdd,
    ast.Not, ast.Invert, ast.Compare, ast.Eq, ast.NotEq, ast.Lt, ast.LtE, ast.Gt, ast.GtE, ast.Call,
    ast.keyword, ast.Name, ast.Load, ast.Constant, ast.Subscript, ast.Slice, ast.Tuple, ast.List,
    ast.Attribute, ast.IfExp,
)
_BINARY = {
    ast.Add: np.add, ast.Sub: np.subtract, ast.Mult: np.multiply, ast.Div: np.true_divide,
    ast.FloorDiv: np.floor_divide, ast.Mod: np.mod, ast.Pow: np.power, ast.MatMult: np.matmul,
    ast.BitAnd: np.logical_and, ast.BitOr: np.logical_or,
}
_COMPARE = {ast.Eq: np.equal, ast.NotEq: np.not_equal, ast.Lt: np.less, ast.LtE: np.less_equal,
            ast.Gt: np.greater, ast.GtE: np.greater_equal}


class Namespace:
    """Named values reachable by attribute, e.g. ``ref.out`` or ``relu.losses``."""

    def __init__(self, values: Mapping[str, Any], what: str) -> None:
        self._values = dict(values)
        self._what = what

    def get(self, name: str) -> Any:
        if name not in self._values:
            known = ", ".join(sorted(self._values)) or "nothing"
            raise ExprError(f"{self._what} has no {name!r} (it has {known})")
        return self._values[name]

    def __repr__(self) -> str:
        return f"<{self._what}>"


def parse(text: str) -> ast.Expression:
    """Parse and validate an expression; raises :class:`ExprError` naming what is not allowed."""
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as exc:
        raise ExprError(f"not a valid expression ({exc.msg}): {text!r}") from None
    for node in ast.walk(tree):
        if not isinstance(node, _NODES):
            raise ExprError(f"{type(node).__name__} is not allowed in an expression: {text!r}")
        if isinstance(node, ast.Call) and (not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS):
            called = ast.unparse(node.func)
            raise ExprError(f"{called}() is not an allowed function in {text!r}; "
                            f"allowed: {', '.join(sorted(FUNCTIONS))}")
        if isinstance(node, ast.Attribute) and node.attr.startswith("_"):
            raise ExprError(f"attribute {node.attr!r} is not allowed in {text!r}")
        if isinstance(node, ast.Constant) and not isinstance(node.value, (int, float, bool, str, type(None))):
            raise ExprError(f"constant {node.value!r} is not allowed in {text!r}")
    return tree


_CACHE: dict[str, ast.Expression] = {}


def evaluate(text: str, env: Mapping[str, Any]) -> Any:
    """Evaluate ``text`` with names from ``env``; raises :class:`ExprError` for unknown names,
    and whatever NumPy raises for values that do not fit (wrong shapes, bad indices)."""
    tree = _CACHE.get(text)
    if tree is None:
        tree = _CACHE[text] = parse(text)
    with np.errstate(all="ignore"):
        return _Evaluator(env).ev(tree)


_CONSTANTS = {"pi": math.pi, "inf": math.inf, "nan": math.nan}


class _Evaluator:
    """Walks a parsed (already validated) expression: one method per kind of node."""

    def __init__(self, env: Mapping[str, Any]) -> None:
        self.env = env

    def ev(self, node: ast.AST) -> Any:
        method = _VISIT.get(type(node))
        if method is None:
            raise ExprError(f"unexpected {type(node).__name__}")
        return method(self, node)

    def expression(self, node: ast.Expression) -> Any:
        return self.ev(node.body)

    def constant(self, node: ast.Constant) -> Any:
        return node.value

    def name(self, node: ast.Name) -> Any:
        if node.id in self.env:
            return self.env[node.id]
        if node.id in _CONSTANTS:
            return _CONSTANTS[node.id]
        raise ExprError(f"unknown name {node.id!r} (known: {', '.join(sorted(self.env))})")

    def attribute(self, node: ast.Attribute) -> Any:
        owner = self.ev(node.value)
        if not isinstance(owner, Namespace):
            raise ExprError(f"{ast.unparse(node.value)} has no attributes (only namespaces such as ref do)")
        return owner.get(node.attr)

    def subscript(self, node: ast.Subscript) -> Any:
        return _index(self.ev(node.value), self.ev(node.slice))

    def slice(self, node: ast.Slice) -> slice:
        return slice(*(None if p is None else int(self.ev(p)) for p in (node.lower, node.upper, node.step)))

    def sequence(self, node: ast.Tuple | ast.List) -> Any:
        items = [self.ev(e) for e in node.elts]
        return tuple(items) if isinstance(node, ast.Tuple) else items

    def unary(self, node: ast.UnaryOp) -> Any:
        value = self.ev(node.operand)
        if isinstance(node.op, ast.Not):
            return not bool(np.all(value))
        if isinstance(node.op, ast.Invert):
            return np.logical_not(value)
        return np.negative(value) if isinstance(node.op, ast.USub) else value

    def binary(self, node: ast.BinOp) -> Any:
        return _BINARY[type(node.op)](_operand(self.ev(node.left)), _operand(self.ev(node.right)))

    def boolean(self, node: ast.BoolOp) -> bool:
        if isinstance(node.op, ast.And):
            return all(bool(np.all(self.ev(v))) for v in node.values)
        return any(bool(np.all(self.ev(v))) for v in node.values)

    def compare(self, node: ast.Compare) -> Any:
        left, result = _operand(self.ev(node.left)), True
        for op, comparator in zip(node.ops, node.comparators):
            right = _operand(self.ev(comparator))
            result = np.logical_and(result, _COMPARE[type(op)](left, right))
            left = right
        return result

    def if_else(self, node: ast.IfExp) -> Any:
        return self.ev(node.body) if bool(np.all(self.ev(node.test))) else self.ev(node.orelse)

    def call(self, node: ast.Call) -> Any:
        func = FUNCTIONS[node.func.id]  # type: ignore[attr-defined]
        args = [_operand(self.ev(a)) for a in node.args]
        kwargs = {k.arg: _operand(self.ev(k.value)) for k in node.keywords if k.arg is not None}
        return func(*args, **kwargs)


_VISIT: dict[type, Callable[[_Evaluator, Any], Any]] = {
    ast.Expression: _Evaluator.expression, ast.Constant: _Evaluator.constant, ast.Name: _Evaluator.name,
    ast.Attribute: _Evaluator.attribute, ast.Subscript: _Evaluator.subscript, ast.Slice: _Evaluator.slice,
    ast.Tuple: _Evaluator.sequence, ast.List: _Evaluator.sequence, ast.UnaryOp: _Evaluator.unary,
    ast.BinOp: _Evaluator.binary, ast.BoolOp: _Evaluator.boolean, ast.Compare: _Evaluator.compare,
    ast.IfExp: _Evaluator.if_else, ast.Call: _Evaluator.call,
}


def _operand(value: Any) -> Any:
    """Lists of numbers become arrays so that arithmetic is elementwise, as in NumPy."""
    if isinstance(value, list):
        try:
            return np.asarray(value, dtype=np.float64)
        except (TypeError, ValueError):
            return value
    if isinstance(value, Namespace):
        raise ExprError(f"{value!r} is a namespace; pick one of its values with a dot")
    return value


def _index(value: Any, key: Any) -> Any:
    if isinstance(key, list):
        key = np.asarray(key)
    if isinstance(value, (list, tuple)) and isinstance(key, (int, slice)) and not isinstance(key, bool):
        return value[key]
    if isinstance(value, dict):
        return value[key]
    return np.asarray(value)[key]


def render(template: str, env: Mapping[str, Any], *, hide: bool = False) -> str:
    """Fill ``{expression}`` and ``{expression:format}`` fields of a message template.

    ``{{`` and ``}}`` are literal braces. A field that cannot be evaluated shows as ``?``; with
    ``hide`` no field is evaluated and each shows as ``…`` (a hidden check's message).
    """
    out: list[str] = []
    i = 0
    while i < len(template):
        ch = template[i]
        if ch in "{}" and template[i:i + 2] in ("{{", "}}"):
            out.append(ch)
            i += 2
            continue
        if ch != "{":
            out.append(ch)
            i += 1
            continue
        depth, j, colon = 0, i + 1, -1
        while j < len(template):
            c = template[j]
            if c in "([{":
                depth += 1
            elif c in ")]}":
                if depth == 0:
                    break
                depth -= 1
            elif c == ":" and depth == 0:
                colon = j
            j += 1
        field = template[i + 1:colon if colon >= 0 else j]
        spec = template[colon + 1:j] if colon >= 0 else ""
        if hide:
            out.append("…")
            i = j + 1
            continue
        try:
            out.append(show(evaluate(field, env), spec))
        except Exception:  # noqa: BLE001 - a message must never break judging
            out.append("?")
        i = j + 1
    return "".join(out)


def show(value: Any, spec: str = "") -> str:
    """A value as a short string: numbers with ``spec`` (default 6 significant digits), arrays abbreviated."""
    if isinstance(value, (list, tuple)):
        try:
            value = np.asarray(value, dtype=np.float64)
        except (TypeError, ValueError):
            return repr(value)[:200]
    if isinstance(value, np.ndarray):
        if value.ndim == 0:
            value = value.item()
        else:
            flat = value.reshape(-1)
            items = ", ".join(show(v, spec) for v in flat[:6].tolist())
            more = ", …" if flat.size > 6 else ""
            return f"[{items}{more}]" if value.ndim == 1 else f"array{tuple(value.shape)} [{items}{more}]"
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    if isinstance(value, (int, np.integer)):
        return format(int(value), spec) if spec else str(int(value))
    if isinstance(value, (float, np.floating)):
        return format(float(value), spec or ".6g")
    return str(value)[:200]
