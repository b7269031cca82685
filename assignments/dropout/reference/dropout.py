"""Reference solution for ``dropout``: dropout from scratch (d2l 4.6) and weight decay (d2l 4.5).

Tensors throughout (float32). Part 1 is ``dropout_layer``; part 2 is linear regression
trained with an L2 penalty on the weights (not on the bias), as in the book.
"""

from __future__ import annotations

import torch


def dropout_layer(X: torch.Tensor, dropout: float) -> torch.Tensor:
    """Zero each element of ``X`` independently with probability ``dropout``; scale survivors by 1/(1 − dropout).

    ``dropout = 0`` returns ``X`` unchanged, ``dropout = 1`` all zeros; the expectation of
    every element equals the element of ``X``.
    """
    assert 0 <= dropout <= 1
    if dropout == 1:
        return torch.zeros_like(X)
    if dropout == 0:
        return X.clone()
    mask = (torch.rand(X.shape) > dropout).float()
    return mask * X / (1.0 - dropout)


def l2_penalty(w: torch.Tensor) -> torch.Tensor:
    """½·Σ w² (a 0-d tensor)."""
    return torch.sum(w.pow(2)) / 2


def linreg(X: torch.Tensor, w: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """The linear model X w + b, shape (n, 1)."""
    return torch.matmul(X, w) + b


def squared_loss(y_hat: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Per-example ½·(ŷ − y)², shape of ``y_hat``."""
    return (y_hat - y.reshape(y_hat.shape)) ** 2 / 2


def sgd_weight_decay_step(X: torch.Tensor, y: torch.Tensor, w: torch.Tensor, b: torch.Tensor,
                          lr: float, lambd: float) -> tuple[torch.Tensor, torch.Tensor]:
    """One minibatch SGD step on squared_loss + lambd·l2_penalty(w) (bias not penalised).

    As in the book: the per-example losses plus the penalty are summed, backpropagated,
    and each parameter moves by lr·grad / batch_size. So w shrinks by lr·lambd·w on top of
    the data gradient step, and b takes the plain step. Returns new tensors ``(w, b)``.
    """
    w = w.detach().clone().requires_grad_(True)
    b = b.detach().clone().requires_grad_(True)
    loss = squared_loss(linreg(X, w, b), y) + lambd * l2_penalty(w)
    loss.sum().backward()
    with torch.no_grad():
        for param in (w, b):
            param -= lr * param.grad / X.shape[0]
    return w.detach(), b.detach()


if __name__ == "__main__":
    X = torch.ones(2, 8)
    print(dropout_layer(X, 0.0), dropout_layer(X, 0.5), dropout_layer(X, 1.0), sep="\n")
