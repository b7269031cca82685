"""Shape helpers shared by the functions' backward passes."""

import numpy as np


def sum_to(x, shape):
    """Sum the ndarray x down to shape, undoing NumPy broadcasting."""
    lead = x.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(i + lead for i, n in enumerate(shape) if n == 1)
    y = x.sum(axis=axes, keepdims=True)
    return y.squeeze(tuple(range(lead))) if lead > 0 else y


def reshape_sum_backward(gy, x_shape, axis, keepdims):
    """The shape gy must take before it is broadcast back to x_shape."""
    if keepdims or axis is None or len(x_shape) == 0:
        return gy.reshape((1,) * len(x_shape)) if not keepdims and axis is None else gy
    axes = (axis,) if isinstance(axis, int) else axis
    axes = sorted(a % len(x_shape) for a in axes)
    shape = list(gy.shape)
    for a in axes:
        shape.insert(a, 1)
    return gy.reshape(shape)
