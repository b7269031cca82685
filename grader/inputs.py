"""Inputs a check feeds to the student's code and to the reference.

An input set maps names to values. A value is a literal (a number, or a list of
numbers, which becomes a float64 array) or a generator drawn by the grader:

    w: {uniform: [-1, 1], shape: [8]}
    y: {normal: [0, 1], shape: [4, 3], dtype: float32, as: tensor}
    epochs: {integers: [5, 20]}
    x: {value: [[1, 2], [3, 4]], dtype: float32, as: tensor}
    activation: relu                 # a string reaches the code as a str

``cases: N`` in a set draws it N times. Inputs are drawn in the grader process
with NumPy only, from a seed students never see for hidden checks, then shipped
to the sandbox as plain arrays.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

Dtype = Literal["float16", "float32", "float64", "int32", "int64", "bool"]
Form = Literal["array", "tensor", "list", "scalar"]


class _Generator(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)
    shape: list[int] | None = None
    dtype: Dtype | None = None
    form: Form | None = Field(default=None, alias="as")

    @model_validator(mode="after")
    def _shape_positive(self) -> _Generator:
        if self.shape is not None and any(n < 0 for n in self.shape):
            raise ValueError("shape entries must be >= 0")
        if self.shape is not None and int(np.prod(self.shape)) > 10_000_000:
            raise ValueError("shape is larger than 10 million elements")
        return self


class Uniform(_Generator):
    uniform: tuple[float, float]


class Normal(_Generator):
    normal: tuple[float, float]


class Integers(_Generator):
    integers: tuple[int, int]


class Fixed(_Generator):
    value: Any


GENERATORS: dict[str, type[_Generator]] = {
    "uniform": Uniform,
    "normal": Normal,
    "integers": Integers,
    "value": Fixed,
}


@dataclass(frozen=True)
class InputValue:
    """One drawn input: an array (or Python scalar) and the form the code receives."""

    value: np.ndarray | int | float | bool
    form: Form


def parse_value(raw: Any) -> _Generator | Any:
    """A raw spec value -> a generator model, or the literal itself. Raises ValueError."""
    if isinstance(raw, dict):
        kinds = [key for key in raw if key in GENERATORS]
        if len(kinds) != 1:
            raise ValueError(
                "an input given as a mapping needs exactly one of "
                + ", ".join(GENERATORS)
                + f"; got keys {sorted(map(str, raw))}"
            )
        return GENERATORS[kinds[0]].model_validate(raw)
    _literal_array(raw)  # validates
    return raw


def _literal_array(raw: Any, dtype: str | None = None) -> np.ndarray | int | float | bool:
    if isinstance(raw, str):
        if dtype is not None:
            raise ValueError(f"a string input ({raw!r}) cannot have a dtype")
        if len(raw) > 1000:
            raise ValueError("a string input may hold at most 1000 characters")
        return np.asarray(raw)  # 0-d unicode array: survives np.savez/np.load without pickle
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, (int, float)) and dtype is None:
        return raw
    if isinstance(raw, (int, float, list)):
        try:
            arr = np.asarray(raw, dtype=dtype or np.float64)
        except (ValueError, TypeError) as exc:
            raise ValueError(f"expected a number or a (nested) list of numbers: {exc}") from None
        return arr
    raise ValueError(f"expected a number, a string, a list of numbers or a generator mapping, got {type(raw).__name__}")


def _is_text(value: Any) -> bool:
    return isinstance(value, np.ndarray) and value.ndim == 0 and value.dtype.kind == "U"


def draw(spec: Any, rng: np.random.Generator) -> InputValue:
    """Materialise one input from its parsed spec."""
    if not isinstance(spec, _Generator):
        value = _literal_array(spec)
        return InputValue(value, "array" if isinstance(value, np.ndarray) and not _is_text(value) else "scalar")
    size = tuple(spec.shape) if spec.shape is not None else None
    if isinstance(spec, Uniform):
        out: Any = rng.uniform(spec.uniform[0], spec.uniform[1], size=size)
    elif isinstance(spec, Normal):
        out = rng.normal(spec.normal[0], spec.normal[1], size=size)
    elif isinstance(spec, Integers):
        out = rng.integers(spec.integers[0], spec.integers[1], size=size, endpoint=True)
    else:
        assert isinstance(spec, Fixed)
        out = _literal_array(spec.value, spec.dtype)
    if _is_text(out):
        return InputValue(out, "scalar")
    if isinstance(out, np.ndarray):
        if spec.dtype:
            out = out.astype(spec.dtype)
        return InputValue(out, spec.form or "array")
    if spec.dtype and spec.dtype.startswith("float"):
        out = float(out)
    elif isinstance(out, np.integer):
        out = int(out)
    elif isinstance(out, np.floating):
        out = float(out)
    return InputValue(out, spec.form or "scalar")


def draw_set(parsed: dict[str, Any], seed: int, cases: int) -> list[dict[str, InputValue]]:
    """Draw ``cases`` independent cases of one input set, reproducibly from ``seed``."""
    rng = np.random.default_rng(seed)
    return [{name: draw(spec, rng) for name, spec in parsed.items()} for _ in range(cases)]
