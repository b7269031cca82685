"""initialisation: weight initialisation schemes and why they matter.

Part 1 draws weight tensors: zeros, a constant, N(0, σ²), and Xavier (Glorot) normal and
uniform, for a layer that computes ``X @ W`` with ``W`` of shape (fan_in, fan_out). Part 2
trains a one-hidden-layer sigmoid MLP from different initialisations.

Fill in every function below (replace each ``raise NotImplementedError``).
Check yourself with:  grader check initialisation path/to/your/folder
"""
# BEGIN SOLUTION NO PROMPT
# The reference solution. starter/ is generated from it by `grader starter initialisation`:
# each BEGIN/END SOLUTION block becomes `raise NotImplementedError`, and NO PROMPT blocks
# (this note) are left out.
# END SOLUTION

from __future__ import annotations

import math

import torch


def init_zero(shape: list[int]) -> torch.Tensor:
    """A float32 tensor of zeros of the given shape."""
    # BEGIN SOLUTION
    return torch.zeros(tuple(shape))
    # END SOLUTION


def init_constant(shape: list[int], value: float) -> torch.Tensor:
    """A float32 tensor of the given shape with every entry equal to ``value``."""
    # BEGIN SOLUTION
    return torch.full(tuple(shape), float(value))
    # END SOLUTION


def init_normal(shape: list[int], sigma: float) -> torch.Tensor:
    """Independent N(0, sigma²) entries, float32."""
    # BEGIN SOLUTION
    return torch.randn(tuple(shape)) * sigma
    # END SOLUTION


def xavier_normal(fan_in: int, fan_out: int) -> torch.Tensor:
    """Xavier/Glorot normal: shape (fan_in, fan_out), entries N(0, 2 / (fan_in + fan_out))."""
    # BEGIN SOLUTION
    return torch.randn(fan_in, fan_out) * math.sqrt(2.0 / (fan_in + fan_out))
    # END SOLUTION


def xavier_uniform(fan_in: int, fan_out: int) -> torch.Tensor:
    """Xavier/Glorot uniform: shape (fan_in, fan_out), entries U(−a, a) with a = sqrt(6 / (fan_in + fan_out))."""
    # BEGIN SOLUTION
    a = math.sqrt(6.0 / (fan_in + fan_out))
    return (torch.rand(fan_in, fan_out) * 2.0 - 1.0) * a
    # END SOLUTION


def init_params(method: str, n_in: int, n_hidden: int, n_out: int, scale: float) -> list[torch.Tensor]:
    """``[W1, b1, W2, b2]`` for the MLP below; biases zero, weights by ``method``:

    ``"zero"``, ``"constant"`` (every weight = scale), ``"normal"`` (N(0, scale²)) or
    ``"xavier"`` (Xavier normal, scale ignored). W1 is (n_in, n_hidden), W2 (n_hidden, n_out).
    """
    # BEGIN SOLUTION
    shapes = [(n_in, n_hidden), (n_hidden, n_out)]
    if method == "zero":
        W1, W2 = (init_zero(list(s)) for s in shapes)
    elif method == "constant":
        W1, W2 = (init_constant(list(s), scale) for s in shapes)
    elif method == "normal":
        W1, W2 = (init_normal(list(s), scale) for s in shapes)
    elif method == "xavier":
        W1, W2 = (xavier_normal(*s) for s in shapes)
    else:
        raise ValueError(f"unknown initialisation {method!r}")
    return [W1, torch.zeros(n_hidden), W2, torch.zeros(n_out)]
    # END SOLUTION


def forward(X: torch.Tensor, params: list[torch.Tensor]) -> torch.Tensor:
    """The MLP: sigmoid(X W1 + b1) W2 + b2."""
    # BEGIN SOLUTION
    W1, b1, W2, b2 = params
    return torch.sigmoid(X @ W1 + b1) @ W2 + b2
    # END SOLUTION


def train(X: torch.Tensor, y: torch.Tensor, params: list[torch.Tensor], lr: float,
          steps: int) -> tuple[list[torch.Tensor], list[float]]:
    """Full-batch gradient descent on the mean squared error (torch.nn.MSELoss).

    Returns ``(params, losses)``: the trained ``[W1, b1, W2, b2]`` and the loss before each step.
    """
    # BEGIN SOLUTION
    params = [p.detach().clone().requires_grad_(True) for p in params]
    losses: list[float] = []
    for _ in range(steps):
        loss = torch.nn.functional.mse_loss(forward(X, params), y)
        losses.append(float(loss.detach()))
        grads = torch.autograd.grad(loss, params)
        with torch.no_grad():
            for p, g in zip(params, grads):
                p -= lr * g
    return [p.detach() for p in params], losses
    # END SOLUTION
