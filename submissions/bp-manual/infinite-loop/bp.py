# Bug: train() loops `while epochs > 0` but counts up `k` instead of counting epochs down, so it never stops.
import numpy as np


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def forward(x, w):
    h = sigmoid(np.array([w[0] * x[0] + w[2] * x[1], w[1] * x[0] + w[3] * x[1]]))
    o = sigmoid(np.array([w[4] * h[0] + w[6] * h[1], w[5] * h[0] + w[7] * h[1]]))
    return h, o


def loss(o, y):
    return float(0.5 * np.sum((o - y) ** 2))


def backward(x, y, w):
    h, o = forward(x, w)
    do = (o - y) * o * (1 - o)
    dh = np.array([do[0] * w[4] + do[1] * w[5], do[0] * w[6] + do[1] * w[7]]) * h * (1 - h)
    return np.array([dh[0] * x[0], dh[1] * x[0], dh[0] * x[1], dh[1] * x[1],
                     do[0] * h[0], do[1] * h[0], do[0] * h[1], do[1] * h[1]])


def update(w, grad, lr):
    return w - lr * grad


def train(x, y, w, lr, epochs):
    losses = []
    k = 0
    while epochs > 0:
        _, o = forward(x, w)
        losses.append(loss(o, y))
        w = update(w, backward(x, y, w), lr)
        k += 1
    return w, losses
