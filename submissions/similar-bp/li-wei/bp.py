"""bp-manual: backpropagation by hand on a 2-2-2 network.

作业3 李伟 2021级
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

Array = npt.NDArray[np.float64]


def sigmoid(z: npt.ArrayLike) -> Array:
    """Elementwise logistic function ``1 / (1 + exp(-z))``."""
    z = np.asarray(z, dtype=np.float64)
    return 1.0 / (1.0 + np.exp(-z))


def forward(x: npt.ArrayLike, w: npt.ArrayLike) -> tuple[Array, Array]:
    """Forward pass."""
    x = np.asarray(x, dtype=np.float64)
    w = np.asarray(w, dtype=np.float64)
    # 隐藏层: h1 用 w1,w3  h2 用 w2,w4
    W_in = np.array([[w[0], w[2]], [w[1], w[3]]])
    h = sigmoid(W_in @ x)
    # 输出层: o1 用 w5,w7  o2 用 w6,w8
    W_out = np.array([[w[4], w[6]], [w[5], w[7]]])
    o = sigmoid(W_out @ h)
    return h, o


def loss(o: npt.ArrayLike, y: npt.ArrayLike) -> float:
    """Squared-error loss ``E = 0.5 * sum((o - y)**2)`` as a Python float."""
    diff = np.asarray(o, dtype=np.float64) - np.asarray(y, dtype=np.float64)
    return float(0.5 * np.sum(diff ** 2))


def backward(x: npt.ArrayLike, y: npt.ArrayLike, w: npt.ArrayLike) -> Array:
    """Gradient of E with respect to the weights, by the chain rule."""
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    w = np.asarray(w, dtype=np.float64)
    h, o = forward(x, w)
    # 输出层误差项 delta_o = (o - y) * o * (1 - o)
    delta_o = (o - y) * o * (1 - o)
    W_out = np.array([[w[4], w[6]], [w[5], w[7]]])
    grad_out = np.outer(delta_o, h)          # [[dw5, dw7], [dw6, dw8]]
    # 反向传到隐藏层
    delta_h = (W_out.T @ delta_o) * h * (1 - h)
    grad_in = np.outer(delta_h, x)           # [[dw1, dw3], [dw2, dw4]]
    g = np.zeros(8)
    g[0], g[2] = grad_in[0, 0], grad_in[0, 1]
    g[1], g[3] = grad_in[1, 0], grad_in[1, 1]
    g[4], g[6] = grad_out[0, 0], grad_out[0, 1]
    g[5], g[7] = grad_out[1, 0], grad_out[1, 1]
    return g


def update(w: npt.ArrayLike, grad: npt.ArrayLike, lr: float) -> Array:
    """One SGD step. Returns a new array ``w - lr * grad``; ``w`` is left unchanged."""
    return np.asarray(w, dtype=np.float64) - lr * np.asarray(grad, dtype=np.float64)


def train(
    x: npt.ArrayLike, y: npt.ArrayLike, w: npt.ArrayLike, lr: float, epochs: int
) -> tuple[Array, list[float]]:
    """Run ``epochs`` SGD steps starting from ``w``."""
    w = np.array(w, dtype=np.float64)
    history = []
    for epoch in range(epochs):
        _, o = forward(x, w)
        history.append(loss(o, y))
        w = update(w, backward(x, y, w), lr)
        print(f"epoch {epoch + 1}: loss = {history[-1]:.6f}")
    return w, history


if __name__ == "__main__":
    x0 = [0.5, 0.3]
    y0 = [0.23, -0.07]
    w0 = [0.2, -0.4, 0.5, 0.6, 0.1, -0.5, -0.3, 0.8]
    print(forward(x0, w0))
    print(backward(x0, y0, w0))
