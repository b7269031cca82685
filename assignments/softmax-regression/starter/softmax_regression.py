"""softmax-regression: d2l 3.6, softmax regression from scratch.

Tensors throughout (float32 features and parameters, int64 labels), as in the book:
``X`` is a minibatch of images of any shape (batch, ...), flattened to
``num_inputs = W.shape[0]`` features; ``W`` has shape (num_inputs, num_outputs)
and ``b`` (num_outputs,). Autograd is allowed (the book uses it for SGD).

Fill in every function below (replace each ``raise NotImplementedError``).
Check yourself with:  grader check softmax-regression path/to/your/folder
"""

from __future__ import annotations

import torch


def softmax(X: torch.Tensor) -> torch.Tensor:
    """Row-wise softmax of a 2-D tensor: exp(X) divided by each row's sum (d2l's version)."""
    # YOUR CODE HERE
    raise NotImplementedError


def net(X: torch.Tensor, W: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """softmax(X W + b), with each example of ``X`` flattened to ``W.shape[0]`` features."""
    # YOUR CODE HERE
    raise NotImplementedError


def cross_entropy(y_hat: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Per-example loss −log y_hat[i, y[i]]: a tensor of shape (batch,)."""
    # YOUR CODE HERE
    raise NotImplementedError


def accuracy(y_hat: torch.Tensor, y: torch.Tensor) -> float:
    """The number of correct predictions (argmax of each row of ``y_hat`` equals ``y``), as a float."""
    # YOUR CODE HERE
    raise NotImplementedError


def sgd_step(X: torch.Tensor, y: torch.Tensor, W: torch.Tensor, b: torch.Tensor,
             lr: float) -> tuple[torch.Tensor, torch.Tensor]:
    """One minibatch SGD step on the summed cross-entropy, divided by the batch size (d2l.sgd).

    Returns new tensors ``(W, b)``; the arguments are left unchanged.
    """
    # Hint: work on copies that require gradients: W = W.detach().clone().requires_grad_(True).
    # YOUR CODE HERE
    raise NotImplementedError


def train_steps(X: torch.Tensor, y: torch.Tensor, W: torch.Tensor, b: torch.Tensor, lr: float,
                steps: int) -> tuple[torch.Tensor, torch.Tensor, list[float]]:
    """``steps`` SGD steps on the same minibatch: ``(W, b, losses)``, where ``losses[k]`` is the mean
    cross-entropy before step k."""
    # YOUR CODE HERE
    raise NotImplementedError
