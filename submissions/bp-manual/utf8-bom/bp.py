# Correct, saved as UTF-8 with a byte-order mark (as some Windows editors do): «naïve» ✓
import numpy as np


def sigmoid(z):
    return 1 / (1 + np.exp(-np.asarray(z, dtype=np.float64)))


def forward(x, w):
    x1, x2 = x
    w1, w2, w3, w4, w5, w6, w7, w8 = w
    h1 = sigmoid(w1 * x1 + w3 * x2)
    h2 = sigmoid(w2 * x1 + w4 * x2)
    o1 = sigmoid(w5 * h1 + w7 * h2)
    o2 = sigmoid(w6 * h1 + w8 * h2)
    return np.array([h1, h2]), np.array([o1, o2])


def loss(o, y):
    return float(0.5 * ((o[0] - y[0]) ** 2 + (o[1] - y[1]) ** 2))


def backward(x, y, w):
    x1, x2 = x
    y1, y2 = y
    w1, w2, w3, w4, w5, w6, w7, w8 = w
    (h1, h2), (o1, o2) = forward(x, w)

    # dE/dnet_o1 and dE/dnet_o2
    d_o1 = (o1 - y1) * o1 * (1 - o1)
    d_o2 = (o2 - y2) * o2 * (1 - o2)

    dw5 = d_o1 * h1
    dw7 = d_o1 * h2
    dw6 = d_o2 * h1
    dw8 = d_o2 * h2

    # dE/dnet_h1 and dE/dnet_h2
    d_h1 = (d_o1 * w5 + d_o2 * w6) * h1 * (1 - h1)
    d_h2 = (d_o1 * w7 + d_o2 * w8) * h2 * (1 - h2)

    dw1 = d_h1 * x1
    dw3 = d_h1 * x2
    dw2 = d_h2 * x1
    dw4 = d_h2 * x2

    return np.array([dw1, dw2, dw3, dw4, dw5, dw6, dw7, dw8])


def update(w, grad, lr):
    return np.array([wi - lr * gi for wi, gi in zip(w, grad)])


def train(x, y, w, lr, epochs):
    losses = []
    for epoch in range(epochs):
        _, o = forward(x, w)
        losses.append(loss(o, y))
        w = update(w, backward(x, y, w), lr)
    return np.array(w, dtype=np.float64), losses
