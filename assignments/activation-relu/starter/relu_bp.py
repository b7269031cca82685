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
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

Array = npt.NDArray[np.float64]


def relu(z: npt.ArrayLike) -> Array:
    """Elementwise ``max(0, z)`` as a float64 array."""
    # YOUR CODE HERE
    raise NotImplementedError


def relu_grad(z: npt.ArrayLike) -> Array:
    """Elementwise derivative of ReLU at ``z``: 1.0 where z > 0, else 0.0 (ReLU'(0) = 0)."""
    # Note: the derivative depends on the unit's *input* z (its pre-activation).
    # YOUR CODE HERE
    raise NotImplementedError


def forward(x: npt.ArrayLike, w: npt.ArrayLike) -> tuple[Array, Array]:
    """Forward pass: ``(h, o)``, the hidden activations and the outputs, each shape (2,)."""
    # YOUR CODE HERE
    raise NotImplementedError


def loss(o: npt.ArrayLike, y: npt.ArrayLike) -> float:
    """Squared-error loss ``E = 0.5 * sum((o - y)**2)`` as a Python float."""
    # YOUR CODE HERE
    raise NotImplementedError


def backward(x: npt.ArrayLike, y: npt.ArrayLike, w: npt.ArrayLike) -> Array:
    """``[dE/dw1, ..., dE/dw8]`` by the chain rule, with ReLU'(0) = 0."""
    # 1. Forward pass, keeping the pre-activations of both layers.
    # 2. Output layer: dE/d(net_o_k) = (o_k - y_k) * ReLU'(net_o_k); dE/dw5..w8 from it and h.
    # 3. Hidden layer: back through w5..w8, times ReLU'(net_h_j); dE/dw1..w4 from it and x.
    # YOUR CODE HERE
    raise NotImplementedError


def update(w: npt.ArrayLike, grad: npt.ArrayLike, lr: float) -> Array:
    """One SGD step: a new array ``w - lr * grad`` (``w`` is left unchanged)."""
    # YOUR CODE HERE
    raise NotImplementedError


def train(x: npt.ArrayLike, y: npt.ArrayLike, w: npt.ArrayLike, lr: float, epochs: int) -> tuple[Array, list[float]]:
    """``epochs`` SGD steps from ``w``: ``(w_final, losses)``, ``losses[k]`` before step k's update."""
    # YOUR CODE HERE
    raise NotImplementedError
