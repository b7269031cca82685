"""activation-relu: backpropagation by hand on the 2-2-2 network with ReLU units.

Network (every unit uses ReLU(z) = max(0, z); no biases)::

    h1 = ReLU(w1*x1 + w3*x2)        o1 = ReLU(w5*h1 + w7*h2)
    h2 = ReLU(w2*x1 + w4*x2)        o2 = ReLU(w6*h1 + w8*h2)

    E = 0.5 * ((o1 - y1)**2 + (o2 - y2)**2)

The weights are one flat float64 array ``w`` of shape (8,) holding w1..w8 in
that order. Use ReLU'(z) = 1 for z > 0 and 0 for z <= 0 (ReLU'(0) = 0).
NumPy only: no autograd.

Fill in every function below (replace each ``raise NotImplementedError``).
Check yourself with:  grader check activation-relu path/to/your/folder

Answers (the written question in README.md; your instructor grades it by hand):
...
# BEGIN SOLUTION NO PROMPT
Model answer (reference only; the starter keeps just the "..." above):
With sigmoid units every weight changes after one step, because sigma'(z) > 0
everywhere. With ReLU only w1, w3 and w5 change: h2 = ReLU(-0.02) and
o2 = ReLU(-0.125) are dead, so ReLU' = 0 at their inputs and no gradient reaches
w2, w4 (into h2) or w6, w8 (into o2); w7 multiplies h2 = 0, so its gradient is 0
too. Leaky ReLU (slope 0.01 for z < 0) keeps a small gradient through a unit with
a negative input, so every weight learns; so do initial weights that make the
pre-activations positive (e.g. small positive biases or another random draw).
# END SOLUTION
"""
# BEGIN SOLUTION NO PROMPT
# The reference solution. starter/ is generated from it by `grader starter activation-relu`:
# each BEGIN/END SOLUTION block becomes a prompt and `raise NotImplementedError`, and NO PROMPT
# blocks (the model answer above, private helpers, the demo, this note) are left out.
# ReLU'(0) = 0 is also PyTorch's convention.
# END SOLUTION

from __future__ import annotations

import numpy as np
import numpy.typing as npt

Array = npt.NDArray[np.float64]


def relu(z: npt.ArrayLike) -> Array:
    """Elementwise ``max(0, z)`` as a float64 array."""
    # BEGIN SOLUTION
    return np.maximum(np.asarray(z, dtype=np.float64), 0.0)
    # END SOLUTION


def relu_grad(z: npt.ArrayLike) -> Array:
    """Elementwise derivative of ReLU at ``z``: 1.0 where z > 0, else 0.0 (ReLU'(0) = 0)."""
    # Note: the derivative depends on the unit's *input* z (its pre-activation).
    # BEGIN SOLUTION
    return (np.asarray(z, dtype=np.float64) > 0).astype(np.float64)
    # END SOLUTION
# BEGIN SOLUTION NO PROMPT


def _layers(w: Array) -> tuple[Array, Array]:
    """``W1 = [[w1, w3], [w2, w4]]`` and ``W2 = [[w5, w7], [w6, w8]]`` so that ``net = W @ input``."""
    return np.array([[w[0], w[2]], [w[1], w[3]]]), np.array([[w[4], w[6]], [w[5], w[7]]])
# END SOLUTION


def forward(x: npt.ArrayLike, w: npt.ArrayLike) -> tuple[Array, Array]:
    """Forward pass: ``(h, o)``, the hidden activations and the outputs, each shape (2,)."""
    # BEGIN SOLUTION
    x, w = np.asarray(x, dtype=np.float64), np.asarray(w, dtype=np.float64)  # pragma: no mutate
    W1, W2 = _layers(w)
    h = relu(W1 @ x)
    o = relu(W2 @ h)
    return h, o
    # END SOLUTION


def loss(o: npt.ArrayLike, y: npt.ArrayLike) -> float:
    """Squared-error loss ``E = 0.5 * sum((o - y)**2)`` as a Python float."""
    # BEGIN SOLUTION
    d = np.asarray(o, dtype=np.float64) - np.asarray(y, dtype=np.float64)
    return float(0.5 * np.sum(d * d))
    # END SOLUTION


def backward(x: npt.ArrayLike, y: npt.ArrayLike, w: npt.ArrayLike) -> Array:
    """``[dE/dw1, ..., dE/dw8]`` by the chain rule, with ReLU'(0) = 0."""
    # 1. Forward pass, keeping the pre-activations of both layers.
    # 2. Output layer: dE/d(net_o_k) = (o_k - y_k) * ReLU'(net_o_k); dE/dw5..w8 from it and h.
    # 3. Hidden layer: back through w5..w8, times ReLU'(net_h_j); dE/dw1..w4 from it and x.
    # BEGIN SOLUTION
    x, y, w = (np.asarray(a, dtype=np.float64) for a in (x, y, w))  # pragma: no mutate
    W1, W2 = _layers(w)
    net_h = W1 @ x
    h = relu(net_h)
    net_o = W2 @ h
    o = relu(net_o)
    delta_o = (o - y) * relu_grad(net_o)            # dE/d(net_o)
    delta_h = (W2.T @ delta_o) * relu_grad(net_h)   # dE/d(net_h)
    G1 = np.outer(delta_h, x)                       # [[dw1, dw3], [dw2, dw4]]
    G2 = np.outer(delta_o, h)                       # [[dw5, dw7], [dw6, dw8]]
    return np.array([G1[0, 0], G1[1, 0], G1[0, 1], G1[1, 1], G2[0, 0], G2[1, 0], G2[0, 1], G2[1, 1]])
    # END SOLUTION


def update(w: npt.ArrayLike, grad: npt.ArrayLike, lr: float) -> Array:
    """One SGD step: a new array ``w - lr * grad`` (``w`` is left unchanged)."""
    # BEGIN SOLUTION
    return np.asarray(w, dtype=np.float64) - lr * np.asarray(grad, dtype=np.float64)
    # END SOLUTION


def train(x: npt.ArrayLike, y: npt.ArrayLike, w: npt.ArrayLike, lr: float, epochs: int) -> tuple[Array, list[float]]:
    """``epochs`` SGD steps from ``w``: ``(w_final, losses)``, ``losses[k]`` before step k's update."""
    # BEGIN SOLUTION
    w = np.asarray(w, dtype=np.float64).copy()  # pragma: no mutate
    losses: list[float] = []
    for _ in range(epochs):
        _, o = forward(x, w)
        losses.append(loss(o, y))
        w = update(w, backward(x, y, w), lr)
    return w, losses
    # END SOLUTION
# BEGIN SOLUTION NO PROMPT


if __name__ == "__main__":
    x = np.array([0.5, 0.3])
    y = np.array([0.23, -0.07])
    w = np.array([0.2, -0.4, 0.5, 0.6, 0.1, -0.5, -0.3, 0.8])
    h, o = forward(x, w)
    w1 = update(w, backward(x, y, w), 1.0)
    print("h =", h, " o =", o, " E =", loss(o, y))
    print("w1, w3, w2, w4 =", w1[[0, 2, 1, 3]].round(4), " w5, w7, w6, w8 =", w1[[4, 6, 5, 7]].round(4))
# END SOLUTION
