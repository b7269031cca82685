"""Reference solution for ``losses``: squared error two ways, and a stable softmax + cross-entropy.

Part 1 compares the homework's loss E = ½·Σ(o − y)² with ``torch.nn.MSELoss``,
which takes the *mean* of (o − y)² over the n outputs: MSELoss = (2/n)·E, so the
two agree only when n = 2. Part 2 builds softmax and cross-entropy from scratch
in NumPy, stable for logits as large as ±1000 (log-sum-exp with the row maximum
subtracted).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import torch

Array = npt.NDArray[np.float64]


def half_sse(o: npt.ArrayLike, y: npt.ArrayLike) -> float:
    """E = ½·Σ(o − y)², the homework's loss, as a Python float (NumPy)."""
    d = np.asarray(o, dtype=np.float64) - np.asarray(y, dtype=np.float64)
    return float(0.5 * np.sum(d * d))


def mse(o: npt.ArrayLike, y: npt.ArrayLike) -> float:
    """``torch.nn.MSELoss()`` (mean of (o − y)² over the outputs) as a Python float."""
    criterion = torch.nn.MSELoss()
    return float(criterion(torch.as_tensor(np.asarray(o, dtype=np.float64)),
                           torch.as_tensor(np.asarray(y, dtype=np.float64))).item())


def mse_grad(o: npt.ArrayLike, y: npt.ArrayLike) -> Array:
    """∂MSELoss/∂o by hand: 2·(o − y)/n, same shape as ``o``."""
    o, y = np.asarray(o, dtype=np.float64), np.asarray(y, dtype=np.float64)
    return 2.0 * (o - y) / o.size


def sigmoid(z: npt.ArrayLike) -> Array:
    """Elementwise logistic function."""
    return 1.0 / (1.0 + np.exp(-np.asarray(z, dtype=np.float64)))


def network_losses(x: npt.ArrayLike, y: npt.ArrayLike, W1: npt.ArrayLike, W2: npt.ArrayLike) -> tuple[float, float]:
    """Forward the sigmoid network h = σ(W1 x), o = σ(W2 h) and return ``(half_sse(o, y), mse(o, y))``.

    W1 has shape (hidden, inputs) and W2 (outputs, hidden); any number of outputs.
    """
    h = sigmoid(np.asarray(W1, dtype=np.float64) @ np.asarray(x, dtype=np.float64))
    o = sigmoid(np.asarray(W2, dtype=np.float64) @ h)
    return half_sse(o, y), mse(o, y)


def log_softmax(Z: npt.ArrayLike) -> Array:
    """Row-wise log-softmax, stable: Z − max − log Σ exp(Z − max)."""
    Z = np.asarray(Z, dtype=np.float64)
    shifted = Z - Z.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def softmax(Z: npt.ArrayLike) -> Array:
    """Row-wise softmax of the logits ``Z`` (shape (N, C)); finite for any finite logits."""
    Z = np.asarray(Z, dtype=np.float64)
    e = np.exp(Z - Z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def cross_entropy(Z: npt.ArrayLike, labels: npt.ArrayLike) -> float:
    """Mean over the N rows of −log softmax(Z)[i, labels[i]], as torch.nn.functional.cross_entropy."""
    logp = log_softmax(Z)
    labels = np.asarray(labels).astype(np.int64)
    return float(-np.mean(logp[np.arange(len(labels)), labels]))


def cross_entropy_grad(Z: npt.ArrayLike, labels: npt.ArrayLike) -> Array:
    """∂cross_entropy/∂Z by hand: (softmax(Z) − onehot(labels)) / N."""
    P = softmax(Z)
    labels = np.asarray(labels).astype(np.int64)
    P[np.arange(len(labels)), labels] -= 1.0
    return P / len(labels)


if __name__ == "__main__":
    o, y = np.array([0.4769, 0.5287]), np.array([0.23, -0.07])
    print("½Σ(o−y)² =", half_sse(o, y), " MSELoss =", mse(o, y))
    Z = np.array([[1000.0, -1000.0, 0.0], [1.0, 2.0, 3.0]])
    print("softmax:", softmax(Z), " CE:", cross_entropy(Z, [1, 2]))
