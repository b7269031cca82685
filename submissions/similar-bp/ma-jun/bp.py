# -*- coding: utf-8 -*-
"""马骏  BP 手推  (作业3)"""
import numpy as np

LR = 1.0


def sigmoid(z):
    z = np.asarray(z, dtype=np.float64)
    return 1.0 / (1.0 + np.exp(-z))


def d_sigmoid(s):
    """sigmoid 的导数, 用输出值 s 表示"""
    return s * (1.0 - s)


def layer(inputs, wa, wb):
    return sigmoid(wa * inputs[0] + wb * inputs[1])


def forward(x, w):
    h = np.array([layer(x, w[0], w[2]), layer(x, w[1], w[3])])
    o = np.array([layer(h, w[4], w[6]), layer(h, w[5], w[7])])
    return h, o


def loss(o, y):
    E = 0.0
    for ok, yk in zip(o, y):
        E += (ok - yk) * (ok - yk)
    return float(E)


def backward(x, y, w):
    h, o = forward(x, w)
    g_o = [(o[k] - y[k]) * d_sigmoid(o[k]) for k in range(2)]
    g_h = [(g_o[0] * w[4 + 2 * j] + g_o[1] * w[5 + 2 * j]) * d_sigmoid(h[j]) for j in range(2)]
    return np.array([g_h[0] * x[0], g_h[1] * x[0], g_h[0] * x[1], g_h[1] * x[1],
                     g_o[0] * h[0], g_o[1] * h[0], g_o[0] * h[1], g_o[1] * h[1]])


def update(w, grad, lr=LR):
    return np.asarray(w, dtype=np.float64) - lr * np.asarray(grad, dtype=np.float64)


def train(x, y, w, lr=LR, epochs=100):
    losses = []
    for epoch in range(epochs):
        _, o = forward(x, w)
        losses.append(loss(o, y))
        w = update(w, backward(x, y, w), lr)
        if epoch % 10 == 0:
            print("epoch", epoch, "loss", losses[-1])
    return w, losses
