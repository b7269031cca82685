"""bp-manual: backpropagation by hand on a 2-2-2 network.

陈静  (loops over the units, like the derivation on the blackboard)
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

Array = npt.NDArray[np.float64]


def sigmoid(z: npt.ArrayLike) -> Array:
    """Elementwise logistic function ``1 / (1 + exp(-z))``."""
    arr = np.asarray(z, dtype=np.float64)
    return np.array([1 / (1 + math.exp(-v)) for v in arr.ravel()]).reshape(arr.shape)


def forward(x: npt.ArrayLike, w: npt.ArrayLike) -> tuple[Array, Array]:
    """Forward pass."""
    hidden = np.zeros(2)
    output = np.zeros(2)
    for j in range(2):
        # h_j uses w_{j+1} (from x1) and w_{j+3} (from x2)
        hidden[j] = sigmoid(w[j] * x[0] + w[j + 2] * x[1])
    for k in range(2):
        # o_k uses w_{k+5} (from h1) and w_{k+7} (from h2)
        output[k] = sigmoid(w[k + 4] * hidden[0] + w[k + 6] * hidden[1])
    return hidden, output


def loss(o: npt.ArrayLike, y: npt.ArrayLike) -> float:
    """Squared-error loss ``E = 0.5 * sum((o - y)**2)`` as a Python float."""
    total = 0.0
    for k in range(2):
        total += (o[k] - y[k]) ** 2
    return float(total / 2)


def backward(x: npt.ArrayLike, y: npt.ArrayLike, w: npt.ArrayLike) -> Array:
    """Gradient of E with respect to the weights, by the chain rule."""
    hidden, output = forward(x, w)
    grad = np.zeros(8)
    delta = [0.0, 0.0]
    for k in range(2):
        delta[k] = (output[k] - y[k]) * output[k] * (1 - output[k])
        grad[k + 4] = delta[k] * hidden[0]
        grad[k + 6] = delta[k] * hidden[1]
    for j in range(2):
        # error reaching h_j: sum over outputs of delta_k * (weight from h_j to o_k)
        back = delta[0] * w[4 + j] + delta[1] * w[5 + j]
        d_h = back * hidden[j] * (1 - hidden[j])
        grad[j] = d_h * x[0]
        grad[j + 2] = d_h * x[1]
    return grad


def update(w: npt.ArrayLike, grad: npt.ArrayLike, lr: float) -> Array:
    """One SGD step. Returns a new array ``w - lr * grad``; ``w`` is left unchanged."""
    new_w = np.array(w, dtype=np.float64, copy=True)
    for i in range(len(new_w)):
        new_w[i] -= lr * grad[i]
    return new_w


def train(
    x: npt.ArrayLike, y: npt.ArrayLike, w: npt.ArrayLike, lr: float, epochs: int
) -> tuple[Array, list[float]]:
    """Run ``epochs`` SGD steps starting from ``w``."""
    losses = []
    for _ in range(epochs):
        _, output = forward(x, w)
        losses.append(loss(output, y))
        w = update(w, backward(x, y, w), lr)
    return np.asarray(w, dtype=np.float64), losses
