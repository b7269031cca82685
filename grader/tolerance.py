"""How close a number must be to count as right: one defaults table and one resolver.

A value passes when ``|got - expected| <= atol + rtol * |expected|``. Every check kind
that compares numbers (compare, gradient, property, experiment, output) gets its
``(rtol, atol)`` from :func:`resolve`, which takes each of the two, independently, from
the first place that sets it, in this order:

1. the property item's own ``rtol`` / ``atol`` (property and experiment only);
2. the check's ``rtol`` / ``atol``;
3. the assignment's ``tolerance:`` section;
4. the default from :data:`DEFAULTS` for what is compared.

The defaults (see docs/spec.md, "Tolerances"):

==========================  ========  ========  ====================================
compared                    rtol      atol      used by
==========================  ========  ========  ====================================
float16                     1e-3      1e-5      compare, gradient
bfloat16                    1.6e-2    1e-5      compare, gradient
float32 / complex64         1.3e-6    1e-5      compare, gradient
float64 / complex128        1e-7      1e-7      compare, gradient
computed in the grader      1e-7      1e-7      property, experiment
printed numbers             1e-5      0         output, plus half a unit in the last printed digit
==========================  ========  ========  ====================================

For compare and gradient the dtype row is the looser of the two values' dtypes (a
float32 answer to a float64 reference gets float32's tolerance); integer and boolean
values are compared exactly. The dtype rows are those of ``torch.testing``.
"""

from __future__ import annotations

import numpy as np

Pair = tuple[float | None, float | None]    # (rtol, atol); None where a layer does not set it

DTYPE_DEFAULTS: dict[str, tuple[float, float]] = {  # dtype -> (rtol, atol)
    "float16": (1e-3, 1e-5),
    "bfloat16": (1.6e-2, 1e-5),
    "float32": (1.3e-6, 1e-5),
    "float64": (1e-7, 1e-7),
    "complex64": (1.3e-6, 1e-5),
    "complex128": (1e-7, 1e-7),
}
COMPUTED: tuple[float, float] = (1e-7, 1e-7)   # property / experiment: quantities the grader computes in float64
PRINTED: tuple[float, float] = (1e-5, 0.0)     # output: on top of half a unit in the last printed digit
EXACT: tuple[float, float] = (0.0, 0.0)        # a dtype with no row (NumPy has no bfloat16; it never arrives as one)

_BY_DTYPE = {np.dtype(name): value for name, value in DTYPE_DEFAULTS.items() if name != "bfloat16"}


def overlay(*layers: Pair) -> Pair:
    """Each of rtol and atol from the first layer (most specific first) that sets it."""
    rtol = next((r for r, _ in layers if r is not None), None)
    atol = next((a for _, a in layers if a is not None), None)
    return rtol, atol


def resolve(*layers: Pair, default: tuple[float, float]) -> tuple[float, float]:
    """The ``(rtol, atol)`` to use: :func:`overlay` of the layers, ``default`` where none sets one."""
    rtol, atol = overlay(*layers)
    return (default[0] if rtol is None else rtol, default[1] if atol is None else atol)


def for_dtypes(*dtypes: np.dtype) -> tuple[float, float]:
    """The table's default for comparing values of these dtypes: the loosest of their rows."""
    rows = [_BY_DTYPE.get(np.dtype(d), EXACT) for d in dtypes]
    return max(r[0] for r in rows), max(r[1] for r in rows)


def check_layers(rtol: float | None, atol: float | None, spec_rtol: float | None, spec_atol: float | None) -> list[Pair]:
    """The check's own tolerances, then the assignment's ``tolerance:`` section (layers 2 and 3)."""
    return [(rtol, atol), (spec_rtol, spec_atol)]
