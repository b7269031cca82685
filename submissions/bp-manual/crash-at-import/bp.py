# Bug: module-level demo calls `foward` (typo), so importing the file raises NameError.
import numpy as np

X = np.array([0.5, 0.3])
Y = np.array([0.23, -0.07])
W0 = np.array([0.2, -0.4, 0.5, 0.6, 0.1, -0.5, -0.3, 0.8])


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
    for _ in range(epochs):
        _, o = forward(x, w)
        losses.append(loss(o, y))
        w = update(w, backward(x, y, w), lr)
    return w, losses


h, o = foward(X, W0)
print("predictions:", o, "loss:", loss(o, Y))
