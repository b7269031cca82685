"""losses: squared error two ways, and a stable softmax + cross-entropy from scratch.

Part 1: the homework's loss E = ½·Σ(o − y)² against ``torch.nn.MSELoss``.
Part 2: softmax and cross-entropy in NumPy, finite even for logits around ±1000,
and their gradients by hand. Part 4: the homework's 2-2-2 network trained with
cross-entropy instead of E. See README.md.

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


# --------------------------------------------- part 4: the 2-2-2 network with cross-entropy
# w = [w1, ..., w8] as in the homework: h1 = σ(w1·x1 + w3·x2), h2 = σ(w2·x1 + w4·x2); the two
# outputs are logits, z1 = w5·h1 + w7·h2 and z2 = w6·h1 + w8·h2, with no sigmoid on them.
# BEGIN SOLUTION NO PROMPT


def _hidden_and_logits(x: npt.ArrayLike, w: npt.ArrayLike) -> tuple[Array, Array]:
    x, w = np.asarray(x, dtype=np.float64), np.asarray(w, dtype=np.float64)  # pragma: no mutate
    h = sigmoid(np.array([w[0] * x[0] + w[2] * x[1], w[1] * x[0] + w[3] * x[1]]))
    z = np.array([w[4] * h[0] + w[6] * h[1], w[5] * h[0] + w[7] * h[1]])
    return h, z
# END SOLUTION


def network_ce(x: npt.ArrayLike, label: int, w: npt.ArrayLike) -> float:
    """The cross-entropy −log softmax(z)[label] of the network's logits z for the class ``label`` (0 or 1)."""
    # BEGIN SOLUTION
    _, z = _hidden_and_logits(x, w)
    return cross_entropy(z[None, :], [label])
    # END SOLUTION


def network_ce_grad(x: npt.ArrayLike, label: int, w: npt.ArrayLike) -> Array:
    """∂CE/∂w1 .. ∂CE/∂w8 by hand (NumPy, no autograd), float64 array of shape (8,)."""
    # The logits' error is softmax(z) − onehot(label): with no sigmoid on the outputs, no σ' factor.
    # BEGIN SOLUTION
    x, w = np.asarray(x, dtype=np.float64), np.asarray(w, dtype=np.float64)  # pragma: no mutate
    h, z = _hidden_and_logits(x, w)
    dz = softmax(z[None, :])[0]
    dz[label] -= 1.0
    W2 = np.array([[w[4], w[6]], [w[5], w[7]]])
    G2 = np.outer(dz, h)
    G1 = np.outer((W2.T @ dz) * h * (1.0 - h), x)
    return np.array([G1[0, 0], G1[1, 0], G1[0, 1], G1[1, 1], G2[0, 0], G2[1, 0], G2[0, 1], G2[1, 1]])
    # END SOLUTION


def train_ce(x: npt.ArrayLike, label: int, w: npt.ArrayLike, lr: float, epochs: int) -> tuple[Array, list[float]]:
    """``epochs`` SGD steps on ``network_ce``: returns (the final weights, the loss before each step)."""
    # BEGIN SOLUTION
    w = np.asarray(w, dtype=np.float64).copy()  # pragma: no mutate
    losses = []
    for _ in range(epochs):
        losses.append(network_ce(x, label, w))
        w = w - lr * network_ce_grad(x, label, w)
    return w, losses
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
