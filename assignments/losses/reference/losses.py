"""losses: squared error two ways, and a stable softmax + cross-entropy from scratch.

Part 1: the homework's loss E = ½·Σ(o − y)² against ``torch.nn.MSELoss``.
Part 2: softmax and cross-entropy in NumPy, finite even for logits around ±1000,
and their gradients by hand. See README.md.

Fill in every function below (replace each ``raise NotImplementedError``).
Check yourself with:  grader check losses path/to/your/folder
"""
# BEGIN SOLUTION NO PROMPT
# The reference solution. starter/ is generated from it by `grader starter losses`: each
# BEGIN/END SOLUTION block becomes a prompt and `raise NotImplementedError`, and NO PROMPT
# blocks (this note, the demo prints) are left out.
#
# Part 1: torch.nn.MSELoss takes the *mean* of (o − y)² over the n outputs: MSELoss = (2/n)·E,
# so the two agree only when n = 2. Part 2: stable for logits as large as ±1000 (log-sum-exp
# with the row maximum subtracted).
# END SOLUTION

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import torch

Array = npt.NDArray[np.float64]


def half_sse(o: npt.ArrayLike, y: npt.ArrayLike) -> float:
    """E = ½·Σ(o − y)², the homework's loss, as a Python float (NumPy)."""
    # BEGIN SOLUTION
    d = np.asarray(o, dtype=np.float64) - np.asarray(y, dtype=np.float64)
    return float(0.5 * np.sum(d * d))
    # END SOLUTION


def mse(o: npt.ArrayLike, y: npt.ArrayLike) -> float:
    """``torch.nn.MSELoss()`` (mean of (o − y)² over the outputs) as a Python float."""
    # BEGIN SOLUTION Convert o and y to float64 tensors (torch.as_tensor), apply torch.nn.MSELoss(), return .item().
    criterion = torch.nn.MSELoss()
    return float(criterion(torch.as_tensor(np.asarray(o, dtype=np.float64)),
                           torch.as_tensor(np.asarray(y, dtype=np.float64))).item())
    # END SOLUTION


def mse_grad(o: npt.ArrayLike, y: npt.ArrayLike) -> Array:
    """∂MSELoss/∂o by hand, same shape as ``o`` (NumPy, no autograd)."""
    # BEGIN SOLUTION
    # 2·(o − y)/n
    o, y = np.asarray(o, dtype=np.float64), np.asarray(y, dtype=np.float64)  # pragma: no mutate
    return 2.0 * (o - y) / o.size
    # END SOLUTION


def sigmoid(z: npt.ArrayLike) -> Array:
    """Elementwise logistic function."""
    # BEGIN SOLUTION
    return 1.0 / (1.0 + np.exp(-np.asarray(z, dtype=np.float64)))
    # END SOLUTION


def network_losses(x: npt.ArrayLike, y: npt.ArrayLike, W1: npt.ArrayLike, W2: npt.ArrayLike) -> tuple[float, float]:
    """Forward the sigmoid network h = σ(W1 x), o = σ(W2 h) and return ``(half_sse(o, y), mse(o, y))``.

    W1 has shape (hidden, inputs) and W2 (outputs, hidden); any number of outputs.
    """
    # BEGIN SOLUTION
    h = sigmoid(np.asarray(W1, dtype=np.float64) @ np.asarray(x, dtype=np.float64))
    o = sigmoid(np.asarray(W2, dtype=np.float64) @ h)
    return half_sse(o, y), mse(o, y)
    # END SOLUTION


def log_softmax(Z: npt.ArrayLike) -> Array:
    """Row-wise log-softmax of the logits ``Z`` (shape (N, C)), finite for any finite logits."""
    # log softmax(z)_j = z_j − log Σ_k exp(z_k); subtract the row maximum first (log-sum-exp trick).
    # BEGIN SOLUTION
    # Stable: Z − max − log Σ exp(Z − max).
    Z = np.asarray(Z, dtype=np.float64)  # pragma: no mutate
    shifted = Z - Z.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
    # END SOLUTION


def softmax(Z: npt.ArrayLike) -> Array:
    """Row-wise softmax of the logits ``Z`` (shape (N, C)); finite for any finite logits."""
    # BEGIN SOLUTION
    Z = np.asarray(Z, dtype=np.float64)  # pragma: no mutate
    e = np.exp(Z - Z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)
    # END SOLUTION


def cross_entropy(Z: npt.ArrayLike, labels: npt.ArrayLike) -> float:
    """Mean over the N rows of −log softmax(Z)[i, labels[i]], as torch.nn.functional.cross_entropy."""
    # BEGIN SOLUTION
    logp = log_softmax(Z)
    labels = np.asarray(labels).astype(np.int64)  # pragma: no mutate
    return float(-np.mean(logp[np.arange(len(labels)), labels]))
    # END SOLUTION


def cross_entropy_grad(Z: npt.ArrayLike, labels: npt.ArrayLike) -> Array:
    """∂cross_entropy/∂Z by hand, shape (N, C)."""
    # BEGIN SOLUTION
    # (softmax(Z) − onehot(labels)) / N
    P = softmax(Z)
    labels = np.asarray(labels).astype(np.int64)  # pragma: no mutate
    P[np.arange(len(labels)), labels] -= 1.0
    return P / len(labels)
    # END SOLUTION


if __name__ == "__main__":
    # Part 3 (README): print the homework network's predictions and both losses, one per label:
    #   pred=tensor([0.4769, 0.5287])
    #   E=0.2097
    #   MSE loss=0.2097
    # BEGIN SOLUTION NO PROMPT
    # The homework's network (README, part 3): its predictions and both losses, as the homework prints them.
    # (The block's last line carries a one-line `# SOLUTION` marker, so the starter gets a runnable
    # `...  # YOUR CODE HERE` here instead of `raise NotImplementedError`.)
    x, y = np.array([0.5, 0.3]), np.array([0.23, -0.07])
    W1, W2 = np.array([[0.2, 0.5], [-0.4, 0.6]]), np.array([[0.1, -0.3], [-0.5, 0.8]])
    o = sigmoid(W2 @ sigmoid(W1 @ x))
    E, mse_loss = network_losses(x, y, W1, W2)
    print(f"pred={torch.as_tensor(o, dtype=torch.float32)}")
    print(f"E={E:.4f}")
    print(f"MSE loss={mse_loss:.4f}")
    Z = np.array([[1000.0, -1000.0, 0.0], [1.0, 2.0, 3.0]])
    # END SOLUTION
    print("softmax:", softmax(Z), " CE:", cross_entropy(Z, [1, 2]))  # SOLUTION
