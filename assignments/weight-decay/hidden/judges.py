"""Judges for weight-decay (run in the grader, on plain data only)."""

from __future__ import annotations

from typing import Any

import numpy as np


def _decay(group: dict[str, Any]) -> float:
    value = group.get("weight_decay", 0)
    return float(value) if isinstance(value, (int, float)) else float("nan")


def _params(params: Any) -> list[Any]:
    """A group's parameters: a list of arrays, or (same-shaped ones, as plain data) one stacked array."""
    if isinstance(params, (list, tuple)):
        return list(params)
    if isinstance(params, np.ndarray) and params.ndim >= 1:
        return list(params)
    return []


def bias_not_decayed(got: Any, expected: Any, inputs: dict[str, Any]) -> tuple[float, str]:
    """``trainer.param_groups``: the (1,)-shaped bias sits only in groups without weight decay,
    and the (1, 200) weight in a group with weight decay > 0."""
    if not isinstance(got, list) or not all(isinstance(g, dict) for g in got):
        return 0.0, "trainer.param_groups is not a list of parameter groups: is trainer a torch.optim.SGD?"
    bias, weight = [], []
    for group in got:
        for param in _params(group.get("params")):
            size = int(np.size(param))
            (bias if size == 1 else weight if size > 1 else []).append(_decay(group))
    if not bias or not weight:
        return 0.0, "trainer does not hold both the weight and the bias of the Linear layer"
    if any(d != 0 for d in bias):
        return 0.0, (f"the bias is decayed too (its parameter group has weight_decay = {max(bias):g}); "
                     "give net[0].bias a group of its own without weight_decay, as the book does")
    if not all(d > 0 for d in weight):
        return 0.0, "the weight is not decayed: its parameter group needs weight_decay = wd"
    return 1.0, f"the weight decays (weight_decay = {min(weight):g}) and the bias does not"
