"""bp-manual: backpropagation by hand on a 2-2-2 network.

Network (all activations are the logistic sigmoid sigma)::

    h1 = sigma(w1*x1 + w3*x2)        o1 = sigma(w5*h1 + w7*h2)
    h2 = sigma(w2*x1 + w4*x2)        o2 = sigma(w6*h1 + w8*h2)

    E = 0.5 * ((o1 - y1)**2 + (o2 - y2)**2)

The weights are one flat float64 array ``w`` of shape (8,) holding w1..w8 in
that order, i.e. ``w[0]`` is w1 and ``w[7]`` is w8.  NumPy only: no autograd.

Fill in every function below (replace each ``raise NotImplementedError``).
Check yourself with:  grader check bp-manual path/to/your/folder
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

Array = npt.NDArray[np.float64]


# Zhou Qiang: ran out of time for forward/backward/train, sorry


def sigmoid(z: npt.ArrayLike) -> Array:
    """Elementwise logistic function ``1 / (1 + exp(-z))``."""
    # TODO: Return 1 / (1 + exp(-z)), elementwise, as a float64 array.
    z = np.asarray(z, dtype=np.float64)
    return np.exp(-np.logaddexp(0.0, -z))   # stable for large |z|


def forward(x: npt.ArrayLike, w: npt.ArrayLike) -> tuple[Array, Array]:
    """Forward pass.

    Args:
        x: inputs ``[x1, x2]``, shape (2,).
        w: weights ``[w1, ..., w8]``, shape (8,).

    Returns:
        ``(h, o)``: hidden activations ``[h1, h2]`` and outputs ``[o1, o2]``,
        each a float64 array of shape (2,).
    """
    # Compute h1, h2 from x and w1..w4, then o1, o2 from h1, h2 and w5..w8
    # (see the equations at the top; mind the weight order: w[0] is w1).
    # YOUR CODE HERE
    raise NotImplementedError


def loss(o: npt.ArrayLike, y: npt.ArrayLike) -> float:
    """Squared-error loss ``E = 0.5 * sum((o - y)**2)`` as a Python float."""
    # TODO: Return 0.5 * ((o1 - y1)**2 + (o2 - y2)**2) as a float.
    diff = np.asarray(o, dtype=np.float64) - np.asarray(y, dtype=np.float64)
    return float(np.dot(diff, diff) / 2)


def backward(x: npt.ArrayLike, y: npt.ArrayLike, w: npt.ArrayLike) -> Array:
    """Gradient of E with respect to the weights, by the chain rule.

    Args:
        x: inputs, shape (2,).
        y: targets ``[y1, y2]``, shape (2,).
        w: weights, shape (8,).

    Returns:
        float64 array of shape (8,): ``[dE/dw1, ..., dE/dw8]``.
    """
    # 1. Run the forward pass to get h and o.
    # 2. Output layer: dE/dw5..dE/dw8 via dE/do_k and the sigmoid derivative o_k*(1-o_k).
    # 3. Hidden layer: propagate back through w5..w8 to h1, h2, then through
    #    the sigmoid derivative h_j*(1-h_j), to get dE/dw1..dE/dw4.
    # Return the 8 partial derivatives in the order w1..w8. No autograd.
    # YOUR CODE HERE
    raise NotImplementedError


def update(w: npt.ArrayLike, grad: npt.ArrayLike, lr: float) -> Array:
    """One SGD step. Returns a new array ``w - lr * grad``; ``w`` is left unchanged."""
    # TODO: Return a NEW array w - lr * grad (do not modify w in place).
    return np.asarray(w, dtype=np.float64) - float(lr) * np.asarray(grad, dtype=np.float64)


def train(
    x: npt.ArrayLike, y: npt.ArrayLike, w: npt.ArrayLike, lr: float, epochs: int
) -> tuple[Array, list[float]]:
    """Run ``epochs`` SGD steps starting from ``w``.

    Returns:
        ``(w_final, losses)`` where ``losses[k]`` is the loss computed by epoch
        k's forward pass, before that epoch's update (``len(losses) == epochs``).
    """
    # Repeat `epochs` times: forward pass, record the loss, backward, update.
    # Return the final weights and the list of recorded losses.
    # YOUR CODE HERE
    raise NotImplementedError
