"""The reference forward passes a ``train`` check with ``predict: reference`` predicts with, in the grader.

Where the spec fixes the architecture, the sandboxed child sends back only the trained
parameters (plain arrays decoded by :mod:`grader.wire`); the grader checks their count and
shapes against the named forward and computes every prediction itself, in NumPy, on the
test images it read from disk. The accuracy can then come only from the trained weights:
nothing the submission defines runs while its model is evaluated.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from threadpoolctl import threadpool_limits

PIXELS = 28 * 28
CLASSES = 10
MAX_HIDDEN = 4096        # a hidden layer wider than this is not the assignment's network


@dataclass(frozen=True)
class Forward:
    """One architecture: its parameters' names and shapes (``H`` is the hidden width, any
    value from 1 to :data:`MAX_HIDDEN`, the same wherever it appears) and its logits."""

    title: str
    names: tuple[str, ...]
    shapes: tuple[tuple[int | str, ...], ...]
    logits: Callable[[np.ndarray, list[np.ndarray]], np.ndarray]


def _softmax(X: np.ndarray, p: list[np.ndarray]) -> np.ndarray:
    W, b = p
    return X @ W + b


def _mlp(X: np.ndarray, p: list[np.ndarray]) -> np.ndarray:
    W1, b1, W2, b2 = p
    return np.maximum(X @ W1 + b1, 0) @ W2 + b2


def _mlp_linear(X: np.ndarray, p: list[np.ndarray]) -> np.ndarray:
    W1, b1, W2, b2 = p
    return np.maximum(X @ W1.T + b1, 0) @ W2.T + b2


FORWARDS: dict[str, Forward] = {
    "softmax": Forward("softmax regression: X W + b", ("W", "b"), ((PIXELS, CLASSES), (CLASSES,)), _softmax),
    "mlp": Forward("one ReLU hidden layer: relu(X W1 + b1) W2 + b2", ("W1", "b1", "W2", "b2"),
                   ((PIXELS, "H"), ("H",), ("H", CLASSES), (CLASSES,)), _mlp),
    "mlp-linear": Forward("nn.Sequential(nn.Flatten(), nn.Linear(784, H), nn.ReLU(), nn.Linear(H, 10))",
                          ("weight", "bias", "weight", "bias"),
                          (("H", PIXELS), ("H",), (CLASSES, "H"), (CLASSES,)), _mlp_linear),
}


def validate(name: str, arrays: Sequence[np.ndarray]) -> list[np.ndarray] | str:
    """The parameters as float32 arrays when their count and shapes fit the forward, else why not (one clause)."""
    forward = FORWARDS[name]
    want = ", ".join(f"{n} {_shape(s)}" for n, s in zip(forward.names, forward.shapes))
    shapes = [tuple(a.shape) for a in arrays]
    if len(arrays) != len(forward.shapes):
        return f"gave {len(arrays)} parameter arrays; {forward.title} needs {len(forward.shapes)} ({want})"
    hidden: set[int] = set()
    for got, shape in zip(shapes, forward.shapes):
        if len(got) != len(shape) or any(w != g for w, g in zip(shape, got) if isinstance(w, int)):
            return f"gave parameters of shapes {_shapes(shapes)}; {forward.title} needs {want}"
        hidden.update(g for w, g in zip(shape, got) if w == "H")
    if len(hidden) > 1 or any(not 1 <= h <= MAX_HIDDEN for h in hidden):
        return f"gave parameters of shapes {_shapes(shapes)}; {forward.title} needs {want}, one hidden width H ≤ {MAX_HIDDEN}"
    if any(a.dtype.kind not in "fiu" for a in arrays):
        return "gave parameters that are not real numbers"
    return [np.asarray(a, dtype=np.float32) for a in arrays]


def logits(name: str, params: list[np.ndarray], images: np.ndarray, chunk: int = 2000) -> np.ndarray:
    """float32 logits (N, 10) of uint8 images (N, 28, 28), scaled to [0, 1] as ToTensor does."""
    forward = FORWARDS[name]
    out = np.empty((len(images), CLASSES), np.float32)
    # One BLAS thread: sandboxed children train on the other cores meanwhile (and on a busy
    # machine one thread measured faster: 0.36 s against 0.77 s with two for the MLP here).
    with np.errstate(all="ignore"), threadpool_limits(1, user_api="blas"):   # inf/nan logits are counted, not raised
        for start in range(0, len(images), chunk):
            X = images[start:start + chunk].reshape(-1, PIXELS).astype(np.float32) / np.float32(255)
            out[start:start + chunk] = forward.logits(X, params)
    return out


def cross_entropy(scores: np.ndarray, labels: np.ndarray) -> float:
    """Mean cross-entropy of logits against labels, in float64 (NaN when the logits are not finite)."""
    z = scores.astype(np.float64)
    with np.errstate(all="ignore"):
        z = z - z.max(axis=1, keepdims=True)
        log_p = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    return float(-log_p[np.arange(len(labels)), labels].mean())


def _shape(shape: tuple[int | str, ...]) -> str:
    return "(" + ", ".join(str(n) for n in shape) + ("," if len(shape) == 1 else "") + ")"


def _shapes(shapes: list[tuple[int, ...]]) -> str:
    return ", ".join(_shape(s) for s in shapes)
