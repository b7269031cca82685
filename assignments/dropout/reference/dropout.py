"""dropout: dropout from scratch (d2l 4.6) and weight decay (d2l 4.5).

Tensors throughout (float32). Part 1 is ``dropout_layer``; part 2 is linear regression
trained with an L2 penalty on the weights (not on the bias), as in the book.

Fill in every function below (replace each ``raise NotImplementedError``).
Check yourself with:  grader check dropout path/to/your/folder
"""
# BEGIN SOLUTION NO PROMPT
# The reference solution. starter/ is generated from it by `grader starter dropout`: each
# BEGIN/END SOLUTION block becomes `raise NotImplementedError`, and NO PROMPT blocks (the demo,
# this note) are left out.
# END SOLUTION

from __future__ import annotations

import torch

# d2l 4.6's network drops with probability 0.2 after the first hidden layer and 0.5 after the second.
dropout1 = 0.2  # SOLUTION
dropout2 = 0.5  # SOLUTION


def dropout_layer(X: torch.Tensor, dropout: float) -> torch.Tensor:
    """Zero each element of ``X`` independently with probability ``dropout``; scale survivors by 1/(1 − dropout).

    ``dropout = 0`` returns ``X`` unchanged, ``dropout = 1`` all zeros; the expectation of
    every element equals the element of ``X``.
    """
    # BEGIN SOLUTION
    assert 0 <= dropout <= 1
    if dropout == 1:
        return torch.zeros_like(X)
    if dropout == 0:
        return X.clone()
    mask = (torch.rand(X.shape) > dropout).float()
    return mask * X / (1.0 - dropout)
    # END SOLUTION


def l2_penalty(w: torch.Tensor) -> torch.Tensor:
    """½·Σ w² (a 0-d tensor)."""
    # BEGIN SOLUTION
    return torch.sum(w.pow(2)) / 2
    # END SOLUTION


def linreg(X: torch.Tensor, w: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """The linear model X w + b, shape (n, 1)."""
    # BEGIN SOLUTION
    return torch.matmul(X, w) + b
    # END SOLUTION


def squared_loss(y_hat: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Per-example ½·(ŷ − y)², shape of ``y_hat``."""
    # BEGIN SOLUTION
    return (y_hat - y.reshape(y_hat.shape)) ** 2 / 2
    # END SOLUTION


def sgd_weight_decay_step(X: torch.Tensor, y: torch.Tensor, w: torch.Tensor, b: torch.Tensor,
                          lr: float, lambd: float) -> tuple[torch.Tensor, torch.Tensor]:
    """One minibatch SGD step on squared_loss + lambd·l2_penalty(w) (bias not penalised).

    As in the book: the per-example losses plus the penalty are summed, backpropagated,
    and each parameter moves by lr·grad / batch_size. Returns new tensors ``(w, b)``.
    """
    # BEGIN SOLUTION
    # So w shrinks by lr·lambd·w on top of the data gradient step, and b takes the plain step.
    w = w.detach().clone().requires_grad_(True)
    b = b.detach().clone().requires_grad_(True)
    loss = squared_loss(linreg(X, w, b), y) + lambd * l2_penalty(w)
    loss.sum().backward()
    with torch.no_grad():
        for param in (w, b):
            param -= lr * param.grad / X.shape[0]
    return w.detach(), b.detach()
    # END SOLUTION
# BEGIN SOLUTION NO PROMPT


if __name__ == "__main__":
    X = torch.ones(2, 8)
    print(dropout_layer(X, 0.0), dropout_layer(X, 0.5), dropout_layer(X, 1.0), sep="\n")
# END SOLUTION
