import numpy as np
import matplotlib.pyplot as plt

# Xu Ting - homework 3
# weights: w1 w2 w3 w4 (input->hidden), w5 w6 w7 w8 (hidden->output)


def sigmoid(t):
    return 1 / (1 + np.exp(-t))


def forward(x, w):
    x = np.array(x, dtype=float)
    w = np.array(w, dtype=float)
    h1 = sigmoid(x[0] * w[0] + x[1] * w[2])
    h2 = sigmoid(x[0] * w[1] + x[1] * w[3])
    o1 = sigmoid(h1 * w[4] + h2 * w[6])
    o2 = sigmoid(h1 * w[5] + h2 * w[7])
    return np.array([h1, h2]), np.array([o1, o2])


def loss(o, y):
    # squared error
    return float(((np.array(o) - np.array(y)) ** 2).sum())


def backward(x, y, w):
    w = np.array(w, dtype=float)
    h, o = forward(x, w)
    grad = np.zeros(8)
    delta1 = (o[0] - y[0]) * o[0] * (1 - o[0])
    delta2 = (o[1] - y[1]) * o[1] * (1 - o[1])
    grad[4] = delta1 * h[0]
    grad[5] = delta2 * h[0]
    grad[6] = delta1 * h[1]
    grad[7] = delta2 * h[1]
    back1 = (delta1 * w[4] + delta2 * w[5]) * h[0] * (1 - h[0])
    back2 = (delta1 * w[6] + delta2 * w[7]) * h[1] * (1 - h[1])
    grad[0] = back1 * x[0]
    grad[1] = back2 * x[0]
    grad[2] = back1 * x[1]
    grad[3] = back2 * x[1]
    return grad


def update(w, grad, lr):
    return np.array(w, dtype=float) - lr * np.array(grad, dtype=float)


def train(x, y, w, lr, epochs):
    L = []
    for e in range(epochs):
        L.append(loss(forward(x, w)[1], y))
        w = update(w, backward(x, y, w), lr)
    return w, L


w, L = train([0.5, 0.3], [0.23, -0.07], [0.2, -0.4, 0.5, 0.6, 0.1, -0.5, -0.3, 0.8], 1.0, 20)
plt.plot(L)
plt.title("loss")
plt.show()
