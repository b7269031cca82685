"""bp-manual: backpropagation by hand on a 2-2-2 network.

Liu Yang. I keep the weights as two 2x2 matrices the whole time and only flatten at the end.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

Array = npt.NDArray[np.float64]


def _split(w):
    """w1..w8 -> (A, B) with h = sigmoid(A @ x), o = sigmoid(B @ h)."""
    w = np.asarray(w, dtype=np.float64)
    A = w[:4].reshape(2, 2).T      # rows: h1 <- (w1, w3), h2 <- (w2, w4)
    B = w[4:].reshape(2, 2).T      # rows: o1 <- (w5, w7), o2 <- (w6, w8)
    return A, B


def _join(dA, dB):
    return np.concatenate([dA.T.ravel(), dB.T.ravel()])


def sigmoid(z: npt.ArrayLike) -> Array:
    """Elementwise logistic function ``1 / (1 + exp(-z))``."""
    z = np.asarray(z, dtype=np.float64)
    out = np.empty_like(z)
    pos = z >= 0
    out[pos] = 1 / (1 + np.exp(-z[pos]))
    ez = np.exp(z[~pos])
    out[~pos] = ez / (1 + ez)
    return out


def forward(x: npt.ArrayLike, w: npt.ArrayLike) -> tuple[Array, Array]:
    """Forward pass."""
    A, B = _split(w)
    h = sigmoid(A @ np.asarray(x, dtype=np.float64))
    return h, sigmoid(B @ h)


def loss(o: npt.ArrayLike, y: npt.ArrayLike) -> float:
    """Squared-error loss ``E = 0.5 * sum((o - y)**2)`` as a Python float."""
    r = np.subtract(o, y, dtype=np.float64)
    return 0.5 * float(r @ r)


def backward(x: npt.ArrayLike, y: npt.ArrayLike, w: npt.ArrayLike) -> Array:
    """Gradient of E with respect to the weights, by the chain rule."""
    x = np.asarray(x, dtype=np.float64)
    A, B = _split(w)
    h, o = forward(x, w)
    d_out = (o - np.asarray(y)) * o * (1.0 - o)
    d_hid = (B.T @ d_out) * h * (1.0 - h)
    return _join(np.outer(d_hid, x), np.outer(d_out, h))


def update(w: npt.ArrayLike, grad: npt.ArrayLike, lr: float) -> Array:
    """One SGD step. Returns a new array ``w - lr * grad``; ``w`` is left unchanged."""
    return np.subtract(w, np.multiply(lr, grad), dtype=np.float64)


def train(
    x: npt.ArrayLike, y: npt.ArrayLike, w: npt.ArrayLike, lr: float, epochs: int
) -> tuple[Array, list[float]]:
    """Run ``epochs`` SGD steps starting from ``w``."""
    w = np.asarray(w, dtype=np.float64)
    losses: list[float] = []
    while len(losses) < epochs:
        losses.append(loss(forward(x, w)[1], y))
        w = update(w, backward(x, y, w), lr)
    return w, losses
