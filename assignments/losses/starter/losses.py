"""losses: squared error two ways, and a stable softmax + cross-entropy from scratch.

Part 1: the homework's loss E = ½·Σ(o − y)² against ``torch.nn.MSELoss``.
Part 2: softmax and cross-entropy in NumPy, finite even for logits around ±1000,
and their gradients by hand. Part 4: the homework's 2-2-2 network trained with
cross-entropy instead of E. See README.md.

Fill in every function below (replace each ``raise NotImplementedError``).
Check yourself with:  grader check losses path/to/your/folder
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import torch

Array = npt.NDArray[np.float64]


def half_sse(o: npt.ArrayLike, y: npt.ArrayLike) -> float:
    """E = ½·Σ(o − y)², the homework's loss, as a Python float (NumPy)."""
    # YOUR CODE HERE
    raise NotImplementedError


def mse(o: npt.ArrayLike, y: npt.ArrayLike) -> float:
    """``torch.nn.MSELoss()`` (mean of (o − y)² over the outputs) as a Python float."""
    # TODO: Convert o and y to float64 tensors (torch.as_tensor), apply torch.nn.MSELoss(), return .item().
    raise NotImplementedError


def mse_grad(o: npt.ArrayLike, y: npt.ArrayLike) -> Array:
    """∂MSELoss/∂o by hand, same shape as ``o`` (NumPy, no autograd)."""
    # YOUR CODE HERE
    raise NotImplementedError


def sigmoid(z: npt.ArrayLike) -> Array:
    """Elementwise logistic function."""
    # YOUR CODE HERE
    raise NotImplementedError


def network_losses(x: npt.ArrayLike, y: npt.ArrayLike, W1: npt.ArrayLike, W2: npt.ArrayLike) -> tuple[float, float]:
    """Forward the sigmoid network h = σ(W1 x), o = σ(W2 h) and return ``(half_sse(o, y), mse(o, y))``.

    W1 has shape (hidden, inputs) and W2 (outputs, hidden); any number of outputs.
    """
    # YOUR CODE HERE
    raise NotImplementedError


def log_softmax(Z: npt.ArrayLike) -> Array:
    """Row-wise log-softmax of the logits ``Z`` (shape (N, C)), finite for any finite logits."""
    # log softmax(z)_j = z_j − log Σ_k exp(z_k); subtract the row maximum first (log-sum-exp trick).
    # YOUR CODE HERE
    raise NotImplementedError


def softmax(Z: npt.ArrayLike) -> Array:
    """Row-wise softmax of the logits ``Z`` (shape (N, C)); finite for any finite logits."""
    # YOUR CODE HERE
    raise NotImplementedError


def cross_entropy(Z: npt.ArrayLike, labels: npt.ArrayLike) -> float:
    """Mean over the N rows of −log softmax(Z)[i, labels[i]], as torch.nn.functional.cross_entropy."""
    # YOUR CODE HERE
    raise NotImplementedError


def cross_entropy_grad(Z: npt.ArrayLike, labels: npt.ArrayLike) -> Array:
    """∂cross_entropy/∂Z by hand, shape (N, C)."""
    # YOUR CODE HERE
    raise NotImplementedError


# --------------------------------------------- part 4: the 2-2-2 network with cross-entropy
# w = [w1, ..., w8] as in the homework: h1 = σ(w1·x1 + w3·x2), h2 = σ(w2·x1 + w4·x2); the two
# outputs are logits, z1 = w5·h1 + w7·h2 and z2 = w6·h1 + w8·h2, with no sigmoid on them.


def network_ce(x: npt.ArrayLike, label: int, w: npt.ArrayLike) -> float:
    """The cross-entropy −log softmax(z)[label] of the network's logits z for the class ``label`` (0 or 1)."""
    # YOUR CODE HERE
    raise NotImplementedError


def network_ce_grad(x: npt.ArrayLike, label: int, w: npt.ArrayLike) -> Array:
    """∂CE/∂w1 .. ∂CE/∂w8 by hand (NumPy, no autograd), float64 array of shape (8,)."""
    # The logits' error is softmax(z) − onehot(label): with no sigmoid on the outputs, no σ' factor.
    # YOUR CODE HERE
    raise NotImplementedError


def train_ce(x: npt.ArrayLike, label: int, w: npt.ArrayLike, lr: float, epochs: int) -> tuple[Array, list[float]]:
    """``epochs`` SGD steps on ``network_ce``: returns (the final weights, the loss before each step)."""
    # YOUR CODE HERE
    raise NotImplementedError


if __name__ == "__main__":
    # Part 3 (README): print the homework network's predictions and both losses, one per label:
    #   pred=tensor([0.4769, 0.5287])
    #   E=0.2097
    #   MSE loss=0.2097
    ...  # YOUR CODE HERE
