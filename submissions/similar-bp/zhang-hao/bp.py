# HW3 - manual backprop (Zhang Hao)
# network: 2 inputs -> 2 hidden (sigmoid) -> 2 outputs (sigmoid)

from __future__ import annotations

import numpy as np
import numpy.typing as npt

Array = npt.NDArray[np.float64]


def update(w: npt.ArrayLike, grad: npt.ArrayLike, lr: float) -> Array:
    # gradient descent step, returns a fresh array
    return np.asarray(w, dtype=np.float64) - lr * np.asarray(grad, dtype=np.float64)


def loss(o: npt.ArrayLike, y: npt.ArrayLike) -> float:
    # mean squared error style: half the sum of squares
    err = np.asarray(o, dtype=np.float64) - np.asarray(y, dtype=np.float64)
    return float(0.5 * np.sum(err ** 2))


def sigmoid(z: npt.ArrayLike) -> Array:
    z = np.asarray(z, dtype=np.float64)
    return 1.0 / (1.0 + np.exp(-z))


def train(x: npt.ArrayLike, y: npt.ArrayLike, w: npt.ArrayLike, lr: float, epochs: int) -> tuple[Array, list[float]]:
    weights = np.array(w, dtype=np.float64)
    losses = []
    for it in range(epochs):
        _, out = forward(x, weights)
        losses.append(loss(out, y))
        weights = update(weights, backward(x, y, weights), lr)
        print(f"iter {it + 1}: E = {losses[-1]:.6f}")
    return weights, losses


def backward(x: npt.ArrayLike, y: npt.ArrayLike, w: npt.ArrayLike) -> Array:
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    w = np.asarray(w, dtype=np.float64)
    hid, out = forward(x, w)
    # error signal at the output units
    err_out = (out - y) * out * (1 - out)
    V = np.array([[w[4], w[6]], [w[5], w[7]]])
    g_V = np.outer(err_out, hid)
    # push the error back through V and the hidden sigmoid
    err_hid = (V.T @ err_out) * hid * (1 - hid)
    g_U = np.outer(err_hid, x)
    grads = np.zeros(8)
    grads[0], grads[2] = g_U[0, 0], g_U[0, 1]
    grads[1], grads[3] = g_U[1, 0], g_U[1, 1]
    grads[4], grads[6] = g_V[0, 0], g_V[0, 1]
    grads[5], grads[7] = g_V[1, 0], g_V[1, 1]
    return grads


def forward(x: npt.ArrayLike, w: npt.ArrayLike) -> tuple[Array, Array]:
    x = np.asarray(x, dtype=np.float64)
    w = np.asarray(w, dtype=np.float64)
    U = np.array([[w[0], w[2]], [w[1], w[3]]])   # input -> hidden
    hid = sigmoid(U @ x)
    V = np.array([[w[4], w[6]], [w[5], w[7]]])   # hidden -> output
    out = sigmoid(V @ hid)
    return hid, out
