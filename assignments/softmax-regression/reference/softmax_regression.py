"""softmax-regression: d2l 3.6, softmax regression from scratch.

Tensors throughout (float32 features and parameters, int64 labels), as in the book:
``X`` is a minibatch of images of any shape (batch, ...), flattened to
``num_inputs = W.shape[0]`` features; ``W`` has shape (num_inputs, num_outputs)
and ``b`` (num_outputs,). Autograd is allowed (the book uses it for SGD).

Fill in every function below (replace each ``raise NotImplementedError``).
Check yourself with:  grader check softmax-regression path/to/your/folder
"""
# BEGIN SOLUTION NO PROMPT
# The reference solution. starter/ is generated from it by `grader starter softmax-regression`:
# each BEGIN/END SOLUTION block becomes `raise NotImplementedError`, and NO PROMPT blocks (the
# demo, this note) are left out.
# END SOLUTION

from __future__ import annotations

import torch


def softmax(X: torch.Tensor) -> torch.Tensor:
    """Row-wise softmax of a 2-D tensor: exp(X) divided by each row's sum (d2l's version)."""
    # BEGIN SOLUTION
    X_exp = torch.exp(X)
    partition = X_exp.sum(1, keepdim=True)
    return X_exp / partition
    # END SOLUTION


def net(X: torch.Tensor, W: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """softmax(X W + b), with each example of ``X`` flattened to ``W.shape[0]`` features."""
    # BEGIN SOLUTION
    return softmax(torch.matmul(X.reshape((-1, W.shape[0])), W) + b)
    # END SOLUTION


def cross_entropy(y_hat: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Per-example loss −log y_hat[i, y[i]]: a tensor of shape (batch,)."""
    # BEGIN SOLUTION
    return -torch.log(y_hat[range(len(y_hat)), y])
    # END SOLUTION


def accuracy(y_hat: torch.Tensor, y: torch.Tensor) -> float:
    """The number of correct predictions (argmax of each row of ``y_hat`` equals ``y``), as a float."""
    # BEGIN SOLUTION
    if len(y_hat.shape) > 1 and y_hat.shape[1] > 1:
        y_hat = y_hat.argmax(axis=1)
    cmp = y_hat.type(y.dtype) == y
    return float(cmp.type(y.dtype).sum())
    # END SOLUTION


def sgd_step(X: torch.Tensor, y: torch.Tensor, W: torch.Tensor, b: torch.Tensor,
             lr: float) -> tuple[torch.Tensor, torch.Tensor]:
    """One minibatch SGD step on the summed cross-entropy, divided by the batch size (d2l.sgd).

    Returns new tensors ``(W, b)``; the arguments are left unchanged.
    """
    # Hint: work on copies that require gradients: W = W.detach().clone().requires_grad_(True).
    # BEGIN SOLUTION
    W = W.detach().clone().requires_grad_(True)
    b = b.detach().clone().requires_grad_(True)
    loss = cross_entropy(net(X, W, b), y)
    loss.sum().backward()
    with torch.no_grad():
        for param in (W, b):
            param -= lr * param.grad / X.shape[0]
    return W.detach(), b.detach()
    # END SOLUTION


def train_steps(X: torch.Tensor, y: torch.Tensor, W: torch.Tensor, b: torch.Tensor, lr: float,
                steps: int) -> tuple[torch.Tensor, torch.Tensor, list[float]]:
    """``steps`` SGD steps on the same minibatch: ``(W, b, losses)``, where ``losses[k]`` is the mean
    cross-entropy before step k."""
    # BEGIN SOLUTION
    losses: list[float] = []
    for _ in range(steps):
        with torch.no_grad():
            losses.append(float(cross_entropy(net(X, W, b), y).mean()))
        W, b = sgd_step(X, y, W, b, lr)
    return W, b, losses
    # END SOLUTION
# BEGIN SOLUTION NO PROMPT


if __name__ == "__main__":
    torch.manual_seed(0)
    X, y = torch.randn(4, 1, 2, 3), torch.tensor([0, 2, 1, 2])
    W, b = torch.normal(0, 0.01, size=(6, 3)), torch.zeros(3)
    print(net(X, W, b), accuracy(net(X, W, b), y), train_steps(X, y, W, b, 0.5, 5)[2])
# END SOLUTION
