"""Plain-data values that come back from the sandbox.

The child describes whatever the student's code returned; the grader decodes
that description into these types (never into the student's own objects), so
comparisons in the grader cannot be subverted by ``__eq__`` or
``__torch_function__`` tricks.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class ArrayValue:
    """A tensor or an ndarray, as a NumPy array plus where it came from."""

    array: np.ndarray
    origin: str                    # "torch.Tensor", "numpy.ndarray", "list"
    requires_grad: bool = False
    device: str | None = None

    @property
    def is_tensor(self) -> bool:
        return self.origin == "torch.Tensor"


@dataclass(frozen=True)
class ScalarValue:
    """A Python or NumPy scalar."""

    value: bool | int | float | complex
    origin: str                    # "float", "int", "bool", "numpy.float64", ...


@dataclass(frozen=True)
class OpaqueValue:
    """Something that is not data (a function, a model object): only its type and repr."""

    origin: str
    text: str


def type_name(value: object) -> str:
    """The name a student recognises for a decoded value."""
    if isinstance(value, ArrayValue):
        return value.origin
    if isinstance(value, ScalarValue):
        return value.origin
    if isinstance(value, OpaqueValue):
        return value.origin
    if value is None:
        return "None"
    return type(value).__name__
