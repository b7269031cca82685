"""dropout: dropout from scratch (d2l 4.6) and weight decay (d2l 4.5).

Tensors throughout (float32). Part 1 is ``dropout_layer``; part 2 is linear regression
trained with an L2 penalty on the weights (not on the bias), as in the book.

Fill in every function below (replace each ``raise NotImplementedError``).
Check yourself with:  grader check dropout path/to/your/folder
"""

from __future__ import annotations

import torch

# d2l 4.6's network drops with probability 0.2 after the first hidden layer and 0.5 after the second.
dropout1 = ...  # YOUR CODE HERE
dropout2 = ...  # YOUR CODE HERE


def dropout_layer(X: torch.Tensor, dropout: float) -> torch.Tensor:
    """Zero each element of ``X`` independently with probability ``dropout``; scale survivors by 1/(1 − dropout).

    ``dropout = 0`` returns ``X`` unchanged, ``dropout = 1`` all zeros; the expectation of
    every element equals the element of ``X``.
    """
    # YOUR CODE HERE
    raise NotImplementedError


def l2_penalty(w: torch.Tensor) -> torch.Tensor:
    """½·Σ w² (a 0-d tensor)."""
    # YOUR CODE HERE
    raise NotImplementedError


def linreg(X: torch.Tensor, w: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """The linear model X w + b, shape (n, 1)."""
    # YOUR CODE HERE
    raise NotImplementedError


def squared_loss(y_hat: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Per-example ½·(ŷ − y)², shape of ``y_hat``."""
    # YOUR CODE HERE
    raise NotImplementedError


def sgd_weight_decay_step(X: torch.Tensor, y: torch.Tensor, w: torch.Tensor, b: torch.Tensor,
                          lr: float, lambd: float) -> tuple[torch.Tensor, torch.Tensor]:
    """One minibatch SGD step on squared_loss + lambd·l2_penalty(w) (bias not penalised).

    As in the book: the per-example losses plus the penalty are summed, backpropagated,
    and each parameter moves by lr·grad / batch_size. Returns new tensors ``(w, b)``.
    """
    # YOUR CODE HERE
    raise NotImplementedError
