"""bp-manual: backpropagation by hand on a 2-2-2 network.

赵敏 —— 每个偏导数都按链式法则单独写出来
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

Array = npt.NDArray[np.float64]


def sigmoid(z: npt.ArrayLike) -> Array:
    """Elementwise logistic function ``1 / (1 + exp(-z))``."""
    return np.float64(1.0) / (np.float64(1.0) + np.exp(-np.asarray(z, dtype=np.float64)))


def forward(x: npt.ArrayLike, w: npt.ArrayLike) -> tuple[Array, Array]:
    """Forward pass."""
    x1, x2 = float(x[0]), float(x[1])
    h1 = sigmoid(w[0] * x1 + w[2] * x2)
    h2 = sigmoid(w[1] * x1 + w[3] * x2)
    o1 = sigmoid(w[4] * h1 + w[6] * h2)
    o2 = sigmoid(w[5] * h1 + w[7] * h2)
    return np.array([h1, h2], dtype=np.float64), np.array([o1, o2], dtype=np.float64)


def loss(o: npt.ArrayLike, y: npt.ArrayLike) -> float:
    """Squared-error loss ``E = 0.5 * sum((o - y)**2)`` as a Python float."""
    return 0.5 * ((o[0] - y[0]) ** 2 + (o[1] - y[1]) ** 2)


def backward(x: npt.ArrayLike, y: npt.ArrayLike, w: npt.ArrayLike) -> Array:
    """Gradient of E with respect to the weights, by the chain rule."""
    (h1, h2), (o1, o2) = forward(x, w)
    # dE/do1 * do1/dnet1
    s1 = (o1 - y[0]) * o1 * (1 - o1)
    s2 = (o2 - y[1]) * o2 * (1 - o2)
    # hidden units: both outputs contribute
    t1 = (s1 * w[4] + s2 * w[5]) * h1 * (1 - h1)
    t2 = (s1 * w[6] + s2 * w[7]) * h2 * (1 - h2)
    return np.array([
        t1 * x[0],   # w1
        t2 * x[0],   # w2
        t1 * x[1],   # w3
        t2 * x[1],   # w4
        s1 * h1,     # w5
        s2 * h1,     # w6
        s1 * h2,     # w7
        s2 * h2,     # w8
    ], dtype=np.float64)


def update(w: npt.ArrayLike, grad: npt.ArrayLike, lr: float) -> Array:
    """One SGD step. Returns a new array ``w - lr * grad``; ``w`` is left unchanged."""
    w_new = np.copy(np.asarray(w, dtype=np.float64))
    w_new -= lr * np.asarray(grad, dtype=np.float64)
    return w_new


def train(
    x: npt.ArrayLike, y: npt.ArrayLike, w: npt.ArrayLike, lr: float, epochs: int
) -> tuple[Array, list[float]]:
    """Run ``epochs`` SGD steps starting from ``w``."""
    record = []
    for step in range(epochs):
        h, o = forward(x, w)
        record.append(float(loss(o, y)))
        g = backward(x, y, w)
        w = update(w, g, lr)
    return w, record
