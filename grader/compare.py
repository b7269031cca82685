"""Tensor-aware comparison in a fixed order: type, shape, dtype, finiteness, values.

Each step stops at the first problem and says what was expected and what came
back, in words a student can act on. Values are compared with
``|got - expected| <= atol + rtol * |expected|``; tolerances come from the spec
or from the per-dtype defaults of :mod:`grader.tolerance`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from grader import tolerance
from grader.values import ArrayValue, OpaqueValue, ScalarValue, type_name


@dataclass(frozen=True)
class Tolerance:
    rtol: float | None = None
    atol: float | None = None
    strict_type: bool = False     # a tensor where an ndarray is expected fails
    strict_dtype: bool = False    # float32 where float64 is expected fails

    def resolve(self, got: np.dtype, expected: np.dtype) -> tuple[float, float]:
        """Spec tolerances win; otherwise the looser default of the two dtypes."""
        return tolerance.resolve((self.rtol, self.atol), default=tolerance.for_dtypes(got, expected))


@dataclass
class Mismatch:
    """Why a value does not match; ``step`` is type, shape, dtype, finite or values."""

    path: str
    step: str
    message: str
    details: dict[str, Any] = field(default_factory=dict)
    bad_indices: list[tuple[int, ...]] = field(default_factory=list)


def compare(got: Any, expected: Any, tol: Tolerance, path: str = "result") -> Mismatch | None:
    """None when ``got`` matches ``expected``; otherwise the first mismatch found."""
    if isinstance(expected, ArrayValue):
        return _compare_array(got, expected, tol, path)
    if isinstance(expected, ScalarValue):
        return _compare_scalar(got, expected, tol, path)
    if isinstance(expected, (list, tuple)):
        return _compare_sequence(got, expected, tol, path)
    if isinstance(expected, dict):
        return _compare_mapping(got, expected, tol, path)
    if isinstance(expected, OpaqueValue):
        if isinstance(got, OpaqueValue) and got.origin == expected.origin:
            return None
        return _type_mismatch(got, expected, path)
    if got == expected and type(got) is type(expected):
        return None
    if type(got) is not type(expected):
        return _type_mismatch(got, expected, path)
    return Mismatch(path, "values", f"{path}: expected {expected!r}, got {got!r}")


def _type_mismatch(got: Any, expected: Any, path: str, hint: str = "") -> Mismatch:
    message = f"{path}: expected a {type_name(expected)}, got a {type_name(got)}"
    if isinstance(got, OpaqueValue):
        message += f" ({got.text})"
    return Mismatch(path, "type", message + hint, {"expected_type": type_name(expected), "got_type": type_name(got)})


def _as_array(got: Any) -> np.ndarray | None:
    """Lenient view of ``got`` as an array: arrays, scalars, and lists of numbers."""
    if isinstance(got, ArrayValue):
        return got.array
    if isinstance(got, ScalarValue):
        return np.asarray(got.value)
    if isinstance(got, (list, tuple)) and got:
        parts = [_as_array(item) for item in got]
        if any(p is None for p in parts) or len({p.shape for p in parts}) != 1:  # type: ignore[union-attr]
            return None
        return np.stack(parts)  # type: ignore[arg-type]
    return None


def _compare_array(got: Any, expected: ArrayValue, tol: Tolerance, path: str) -> Mismatch | None:
    if tol.strict_type and (not isinstance(got, ArrayValue) or got.origin != expected.origin):
        return _type_mismatch(got, expected, path)
    arr = _as_array(got)
    if arr is None:
        return _type_mismatch(got, expected, path, f" of shape {tuple(expected.array.shape)}")
    want = expected.array
    if arr.shape != want.shape and not (arr.size == want.size == 1 and not tol.strict_type):
        return Mismatch(path, "shape", f"{path}: expected shape {tuple(want.shape)}, got shape {tuple(arr.shape)}",
                        {"expected_shape": list(want.shape), "got_shape": list(arr.shape)})
    return _compare_numbers(arr.reshape(want.shape), want, tol, path)


def _compare_scalar(got: Any, expected: ScalarValue, tol: Tolerance, path: str) -> Mismatch | None:
    if isinstance(expected.value, bool) or (isinstance(got, ScalarValue) and isinstance(got.value, bool)):
        if isinstance(got, ScalarValue) and got.value == expected.value and type(got.value) is type(expected.value):
            return None
        if not isinstance(got, ScalarValue):
            return _type_mismatch(got, expected, path)
        return Mismatch(path, "values", f"{path}: expected {expected.value!r}, got {got.value!r}")
    arr = _as_array(got)
    if arr is None or (tol.strict_type and not isinstance(got, ScalarValue)):
        return _type_mismatch(got, expected, path, " (a single number)")
    if arr.size != 1:
        return Mismatch(path, "shape", f"{path}: expected a single number, got an array of shape {tuple(arr.shape)}",
                        {"expected_shape": [], "got_shape": list(arr.shape)})
    return _compare_numbers(arr.reshape(()), np.asarray(expected.value), tol, path)


def _kind(dtype: np.dtype) -> str:
    return {"b": "boolean", "i": "integer", "u": "integer", "f": "floating-point", "c": "complex"}.get(dtype.kind, dtype.kind)


def _compare_numbers(arr: np.ndarray, want: np.ndarray, tol: Tolerance, path: str) -> Mismatch | None:
    if _kind(arr.dtype) != _kind(want.dtype):
        return Mismatch(path, "dtype", f"{path}: expected {_kind(want.dtype)} values ({want.dtype}), got {_kind(arr.dtype)} values ({arr.dtype})",
                        {"expected_dtype": str(want.dtype), "got_dtype": str(arr.dtype)})
    if tol.strict_dtype and arr.dtype != want.dtype:
        return Mismatch(path, "dtype", f"{path}: expected dtype {want.dtype}, got {arr.dtype}",
                        {"expected_dtype": str(want.dtype), "got_dtype": str(arr.dtype)})
    if want.dtype.kind in "biu":
        bad = np.argwhere(arr != want)
        if bad.size:
            idx = tuple(int(i) for i in bad[0])
            return Mismatch(path, "values",
                            f"{path}: {len(bad)} of {want.size} values differ; first at {_idx(idx)}: expected {want[idx]!r}, got {arr[idx]!r}",
                            {"mismatched": len(bad), "size": int(want.size), "worst_index": list(idx)},
                            [tuple(int(i) for i in b) for b in bad[:1000]])
        return None
    return _compare_floats(arr, want, tol, path)


def _compare_floats(arr: np.ndarray, want: np.ndarray, tol: Tolerance, path: str) -> Mismatch | None:
    rtol, atol = tol.resolve(arr.dtype, want.dtype)
    with np.errstate(all="ignore"):  # fast path for the common case; NaN and inf fall through
        if bool(np.all(np.abs(arr - want) <= atol + rtol * np.abs(want))):
            return None
    got_finite, want_finite = np.isfinite(arr), np.isfinite(want)
    nonfinite = ~got_finite & want_finite
    if nonfinite.any():
        idx = tuple(int(i) for i in np.argwhere(nonfinite)[0])
        what = "NaN" if np.isnan(arr[idx]) else "inf"
        return Mismatch(path, "finite", f"{path}: got {what} at {_idx(idx)} ({int(nonfinite.sum())} non-finite of {arr.size}), expected finite values",
                        {"nonfinite": int(nonfinite.sum()), "worst_index": list(idx)},
                        [tuple(int(i) for i in b) for b in np.argwhere(nonfinite)[:1000]])
    a64, w64 = arr.astype(np.complex128 if arr.dtype.kind == "c" else np.float64), want.astype(np.complex128 if want.dtype.kind == "c" else np.float64)
    same_special = ~want_finite & ((np.isnan(a64) & np.isnan(w64)) | (a64 == w64))
    with np.errstate(invalid="ignore", over="ignore"):
        abs_err = np.where(want_finite, np.abs(a64 - w64), np.where(same_special, 0.0, np.inf))
        bad = abs_err > atol + rtol * np.abs(np.where(want_finite, w64, 0))
        nonzero = want_finite & (np.abs(w64) > 0)
        rel_err = np.where(nonzero, abs_err / np.where(nonzero, np.abs(w64), 1.0), np.nan)
    if not bad.any():
        return None
    worst = tuple(int(i) for i in np.unravel_index(int(np.argmax(np.where(bad, abs_err, -1.0))), arr.shape)) if arr.ndim else ()
    details = {
        "mismatched": int(bad.sum()), "size": int(arr.size),
        "max_abs_err": float(abs_err[bad].max()),
        # relative to an expected 0 the error is undefined: None, and the message says so
        "max_rel_err": float(rel_err[bad & nonzero].max()) if (bad & nonzero).any() else None,
        "worst_index": list(worst), "rtol": rtol, "atol": atol,
        "got_at_worst": _py(arr[worst]), "expected_at_worst": _py(want[worst]),
    }
    where = f" at {_idx(worst)}" if arr.ndim else ""
    count = f"{int(bad.sum())} of {arr.size} values differ; worst" if arr.ndim else "value differs"
    message = (f"{path}: {count}{where}: expected {_fmt(want[worst])}, got {_fmt(arr[worst])} "
               f"(abs err {details['max_abs_err']:.3g}, {_rel(details['max_rel_err'])}; "
               f"allowed {atol:.3g} + {rtol:.3g}·|expected|)")
    return Mismatch(path, "values", message, details, [tuple(int(i) for i in b) for b in np.argwhere(bad)[:1000]] if arr.ndim else [()])


def _compare_sequence(got: Any, expected: list | tuple, tol: Tolerance, path: str) -> Mismatch | None:
    numbers = bool(expected) and all(isinstance(e, ScalarValue) for e in expected)
    if numbers and isinstance(got, ArrayValue) and not tol.strict_type:
        want = ArrayValue(np.asarray([e.value for e in expected]), "list")
        return _compare_array(got, want, tol, path)
    if not isinstance(got, (list, tuple)):
        return _type_mismatch(got, expected, path, f" of {len(expected)} items")
    if len(got) != len(expected):
        return Mismatch(path, "shape", f"{path}: expected {len(expected)} items, got {len(got)}",
                        {"expected_len": len(expected), "got_len": len(got)})
    for i, (g, e) in enumerate(zip(got, expected)):
        problem = compare(g, e, tol, f"{path}[{i}]")
        if problem:
            return problem
    return None


def _compare_mapping(got: Any, expected: dict, tol: Tolerance, path: str) -> Mismatch | None:
    if not isinstance(got, dict):
        return _type_mismatch(got, expected, path)
    missing = [k for k in expected if k not in got]
    if missing:
        return Mismatch(path, "shape", f"{path}: missing key(s) {', '.join(map(repr, missing))}", {"missing": missing})
    for key, want in expected.items():
        problem = compare(got[key], want, tol, f"{path}[{key!r}]")
        if problem:
            return problem
    return None


def _rel(value: float | None) -> str:
    return f"rel err {value:.3g}" if value is not None else "expected value 0"


def _idx(idx: tuple[int, ...]) -> str:
    return "[" + ", ".join(map(str, idx)) + "]"


def _fmt(x: Any) -> str:
    v = x.item() if hasattr(x, "item") else x
    return f"{v:.6g}" if isinstance(v, float) else repr(v)


def _py(x: Any) -> Any:
    v = x.item() if hasattr(x, "item") else x
    return repr(v) if isinstance(v, complex) or (isinstance(v, float) and not np.isfinite(v)) else v
