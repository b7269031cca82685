"""initialisation: weight initialisation schemes and why they matter.

Part 1 draws weight tensors: zeros, a constant, N(0, σ²), and Xavier (Glorot) normal and
uniform, for a layer that computes ``X @ W`` with ``W`` of shape (fan_in, fan_out). Part 2
trains a one-hidden-layer sigmoid MLP from different initialisations.

Fill in every function below (replace each ``raise NotImplementedError``).
Check yourself with:  grader check initialisation path/to/your/folder
"""

from __future__ import annotations

import math

import torch


def init_zero(shape: list[int]) -> torch.Tensor:
    """A float32 tensor of zeros of the given shape."""
    # YOUR CODE HERE
    raise NotImplementedError


def init_constant(shape: list[int], value: float) -> torch.Tensor:
    """A float32 tensor of the given shape with every entry equal to ``value``."""
    # YOUR CODE HERE
    raise NotImplementedError


def init_normal(shape: list[int], sigma: float) -> torch.Tensor:
    """Independent N(0, sigma²) entries, float32."""
    # YOUR CODE HERE
    raise NotImplementedError


def xavier_normal(fan_in: int, fan_out: int) -> torch.Tensor:
    """Xavier/Glorot normal: shape (fan_in, fan_out), entries N(0, 2 / (fan_in + fan_out))."""
    # YOUR CODE HERE
    raise NotImplementedError


def xavier_uniform(fan_in: int, fan_out: int) -> torch.Tensor:
    """Xavier/Glorot uniform: shape (fan_in, fan_out), entries U(−a, a) with a = sqrt(6 / (fan_in + fan_out))."""
    # YOUR CODE HERE
    raise NotImplementedError


def init_params(method: str, n_in: int, n_hidden: int, n_out: int, scale: float) -> list[torch.Tensor]:
    """``[W1, b1, W2, b2]`` for the MLP below; biases zero, weights by ``method``:

    ``"zero"``, ``"constant"`` (every weight = scale), ``"normal"`` (N(0, scale²)) or
    ``"xavier"`` (Xavier normal, scale ignored). W1 is (n_in, n_hidden), W2 (n_hidden, n_out).
    """
    # YOUR CODE HERE
    raise NotImplementedError


def forward(X: torch.Tensor, params: list[torch.Tensor]) -> torch.Tensor:
    """The MLP: sigmoid(X W1 + b1) W2 + b2."""
    # YOUR CODE HERE
    raise NotImplementedError


def train(X: torch.Tensor, y: torch.Tensor, params: list[torch.Tensor], lr: float,
          steps: int) -> tuple[list[torch.Tensor], list[float]]:
    """Full-batch gradient descent on the mean squared error (torch.nn.MSELoss).

    Returns ``(params, losses)``: the trained ``[W1, b1, W2, b2]`` and the loss before each step.
    """
    # YOUR CODE HERE
    raise NotImplementedError
