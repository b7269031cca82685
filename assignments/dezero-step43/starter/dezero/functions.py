"""The functions step 43 needs, each with its forward and backward."""

import numpy as np

from dezero import utils
from dezero.core import Function, as_variable


class Reshape(Function):
    def __init__(self, shape):
        self.shape = shape

    def forward(self, x):
        self.x_shape = x.shape
        return x.reshape(self.shape)

    def backward(self, gy):
        return reshape(gy, self.x_shape)


def reshape(x, shape):
    if x.shape == tuple(shape):
        return as_variable(x)
    return Reshape(shape)(x)


class Transpose(Function):
    def forward(self, x):
        return np.transpose(x)

    def backward(self, gy):
        return transpose(gy)


def transpose(x):
    return Transpose()(x)


class Sum(Function):
    def __init__(self, axis, keepdims):
        self.axis, self.keepdims = axis, keepdims

    def forward(self, x):
        self.x_shape = x.shape
        return x.sum(axis=self.axis, keepdims=self.keepdims)

    def backward(self, gy):
        gy = utils.reshape_sum_backward(gy, self.x_shape, self.axis, self.keepdims)
        return broadcast_to(gy, self.x_shape)


def sum(x, axis=None, keepdims=False):  # noqa: A001 - the book's name
    return Sum(axis, keepdims)(x)


class BroadcastTo(Function):
    def __init__(self, shape):
        self.shape = shape

    def forward(self, x):
        self.x_shape = x.shape
        return np.broadcast_to(x, self.shape)

    def backward(self, gy):
        return sum_to(gy, self.x_shape)


def broadcast_to(x, shape):
    if x.shape == tuple(shape):
        return as_variable(x)
    return BroadcastTo(shape)(x)


class SumTo(Function):
    def __init__(self, shape):
        self.shape = shape

    def forward(self, x):
        self.x_shape = x.shape
        return utils.sum_to(x, self.shape)

    def backward(self, gy):
        return broadcast_to(gy, self.x_shape)


def sum_to(x, shape):
    if x.shape == tuple(shape):
        return as_variable(x)
    return SumTo(shape)(x)


class MatMul(Function):
    def forward(self, x, W):
        return x.dot(W)

    def backward(self, gy):
        x, W = self.inputs
        return matmul(gy, W.T), matmul(x.T, gy)


def matmul(x, W):
    return MatMul()(x, W)


class Linear(Function):
    def forward(self, x, W, b):
        # TODO: y = x W + b (b may be None)
        raise NotImplementedError

    def backward(self, gy):
        # TODO: gradients for x, W and b (b's summed back to its shape)
        raise NotImplementedError


def linear(x, W, b=None):
    return Linear()(x, W, b)


class Exp(Function):
    def forward(self, x):
        return np.exp(x)

    def backward(self, gy):
        (y,) = [out() for out in self.outputs]
        return gy * y


def exp(x):
    return Exp()(x)


class Sigmoid(Function):
    def forward(self, x):
        # TODO: 1 / (1 + exp(-x))
        raise NotImplementedError

    def backward(self, gy):
        # TODO: written with the output y
        raise NotImplementedError


def sigmoid(x):
    return Sigmoid()(x)


class MeanSquaredError(Function):
    def forward(self, x0, x1):
        # TODO: the mean over the batch of (x0 - x1) ** 2
        raise NotImplementedError

    def backward(self, gy):
        # TODO: gradients for x0 and x1
        raise NotImplementedError


def mean_squared_error(x0, x1):
    return MeanSquaredError()(x0, x1)
