import numpy as np
from dl.core import Function


def _unbroadcast(g, shape):
    # 广播的反向：多出来的轴和长度为1的轴都要求和
    while g.ndim > len(shape):
        g = g.sum(axis=0)
    for i, n in enumerate(shape):
        if n == 1 and g.shape[i] != 1:
            g = g.sum(axis=i, keepdims=True)
    return g


class Add(Function):
    def forward(self, a, b):
        return a + b

    def backward(self, gy):
        a, b = self.inputs
        return _unbroadcast(gy, a.shape), _unbroadcast(gy, b.shape)


class Sub(Function):
    def forward(self, a, b):
        return a - b

    def backward(self, gy):
        a, b = self.inputs
        return _unbroadcast(gy, a.shape), _unbroadcast(-gy, b.shape)


class Mul(Function):
    def forward(self, a, b):
        return a * b

    def backward(self, gy):
        a, b = self.inputs
        return _unbroadcast(gy * b.data, a.shape), _unbroadcast(gy * a.data, b.shape)


def add(a, b):
    return Add()(a, b)


def sub(a, b):
    return Sub()(a, b)


def mul(a, b):
    return Mul()(a, b)


class Linear(Function):
    """y = xW + b"""
    def forward(self, x, W, b):
        return x @ W + b

    def backward(self, gy):
        x, W, b = self.inputs
        gx = gy @ W.data.T
        gW = x.data.T @ gy
        gb = _unbroadcast(gy, b.shape)
        return gx, gW, gb


def linear(x, W, b):
    return Linear()(x, W, b)


class Sigmoid(Function):
    def forward(self, x):
        self.y = 1.0 / (1.0 + np.exp(-x))
        return self.y

    def backward(self, gy):
        return gy * self.y * (1.0 - self.y)


def sigmoid(x):
    return Sigmoid()(x)


class MeanSquaredError(Function):
    def forward(self, y_true, y_pred):
        self.diff = y_true - y_pred
        return np.mean(self.diff ** 2)

    def backward(self, gy):
        n = self.diff.shape[0]
        g = gy * 2.0 * self.diff / n
        return g, -g


def mean_squared_error(y_true, y_pred):
    return MeanSquaredError()(y_true, y_pred)
