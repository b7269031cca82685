# Bug: update() adds the gradient (w + lr*grad) instead of subtracting it, so training climbs the loss.
import numpy as np


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def forward(x, w):
    W1 = np.array([[w[0], w[2]], [w[1], w[3]]])
    W2 = np.array([[w[4], w[6]], [w[5], w[7]]])
    h = sigmoid(W1 @ x)
    o = sigmoid(W2 @ h)
    return h, o


def loss(o, y):
    return float(0.5 * np.sum((o - y) ** 2))


def backward(x, y, w):
    h, o = forward(x, w)
    W2 = np.array([[w[4], w[6]], [w[5], w[7]]])
    delta_o = (o - y) * o * (1 - o)
    delta_h = (W2.T @ delta_o) * h * (1 - h)
    g1 = np.outer(delta_h, x)
    g2 = np.outer(delta_o, h)
    return np.array([g1[0, 0], g1[1, 0], g1[0, 1], g1[1, 1],
                     g2[0, 0], g2[1, 0], g2[0, 1], g2[1, 1]])


def update(w, grad, lr):
    return w + lr * grad


def train(x, y, w, lr, epochs):
    losses = []
    for _ in range(epochs):
        h, o = forward(x, w)
        losses.append(loss(o, y))
        w = update(w, backward(x, y, w), lr)
    return w, losses
