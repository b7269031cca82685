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
# BEGIN SOLUTION NO PROMPT
# The reference solution. starter/ is generated from it by `grader starter bp-manual`: each
# BEGIN/END SOLUTION block becomes a prompt and `raise NotImplementedError`, and NO PROMPT
# blocks (private helpers, the demo, this note) are left out.
# END SOLUTION

from __future__ import annotations

import numpy as np
import numpy.typing as npt

Array = npt.NDArray[np.float64]
# BEGIN SOLUTION NO PROMPT


def _as_f64(a: npt.ArrayLike) -> Array:
    return np.asarray(a, dtype=np.float64)
# END SOLUTION


def sigmoid(z: npt.ArrayLike) -> Array:
    """Elementwise logistic function ``1 / (1 + exp(-z))``."""
    # BEGIN SOLUTION Return 1 / (1 + exp(-z)), elementwise, as a float64 array.
    return 1.0 / (1.0 + np.exp(-_as_f64(z)))
    # END SOLUTION
# BEGIN SOLUTION NO PROMPT


def _layers(w: Array) -> tuple[Array, Array]:
    """Split the flat weights into the two 2x2 weight matrices.

    Row i of a matrix holds the weights feeding unit i of that layer, so that
    ``net = W @ input``:

        W1 = [[w1, w3],      W2 = [[w5, w7],
              [w2, w4]]            [w6, w8]]
    """
    W1 = np.array([[w[0], w[2]], [w[1], w[3]]])
    W2 = np.array([[w[4], w[6]], [w[5], w[7]]])
    return W1, W2
# END SOLUTION


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
    # BEGIN SOLUTION
    x, w = _as_f64(x), _as_f64(w)  # pragma: no mutate
    W1, W2 = _layers(w)
    h = sigmoid(W1 @ x)
    o = sigmoid(W2 @ h)
    return h, o
    # END SOLUTION


def loss(o: npt.ArrayLike, y: npt.ArrayLike) -> float:
    """Squared-error loss ``E = 0.5 * sum((o - y)**2)`` as a Python float."""
    # BEGIN SOLUTION Return 0.5 * ((o1 - y1)**2 + (o2 - y2)**2) as a float.
    d = _as_f64(o) - _as_f64(y)
    return float(0.5 * np.sum(d * d))
    # END SOLUTION


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
    # BEGIN SOLUTION
    x, y, w = _as_f64(x), _as_f64(y), _as_f64(w)  # pragma: no mutate
    _, W2 = _layers(w)
    h, o = forward(x, w)

    # Output layer: delta_k = dE/d(net_ok) = (o_k - y_k) * o_k * (1 - o_k).
    delta_o = (o - y) * o * (1.0 - o)
    # Hidden layer: delta_j = (sum_k delta_k * W2[k, j]) * h_j * (1 - h_j).
    delta_h = (W2.T @ delta_o) * h * (1.0 - h)

    # dE/dW[i, j] = delta_i * input_j for each layer.
    G1 = np.outer(delta_h, x)  # [[dw1, dw3], [dw2, dw4]]
    G2 = np.outer(delta_o, h)  # [[dw5, dw7], [dw6, dw8]]

    return np.array(
        [G1[0, 0], G1[1, 0], G1[0, 1], G1[1, 1], G2[0, 0], G2[1, 0], G2[0, 1], G2[1, 1]],
        dtype=np.float64,
    )
    # END SOLUTION


def update(w: npt.ArrayLike, grad: npt.ArrayLike, lr: float) -> Array:
    """One SGD step. Returns a new array ``w - lr * grad``; ``w`` is left unchanged."""
    # BEGIN SOLUTION Return a NEW array w - lr * grad (do not modify w in place).
    return _as_f64(w) - lr * _as_f64(grad)
    # END SOLUTION


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
    # BEGIN SOLUTION
    w = _as_f64(w).copy()  # pragma: no mutate
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
    grad = backward(x, y, w)
    w1 = update(w, grad, lr=1.0)
    np.set_printoptions(precision=6, suppress=True)
    print("hidden       h  =", h)
    print("predictions  o  =", o)
    print(f"loss         E  = {loss(o, y):.6f}")
    print("gradient dE/dw1..dE/dw8 =", grad)
    print("after one step (lr=1):")
    print("  w1, w3, w2, w4 =", w1[[0, 2, 1, 3]])
    print("  w5, w7, w6, w8 =", w1[[4, 6, 5, 7]])
# END SOLUTION
