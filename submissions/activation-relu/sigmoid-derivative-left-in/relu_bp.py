import numpy as np


def relu(z):
    z = np.asarray(z, dtype=float)
    return np.where(z > 0, z, 0.0)


def relu_grad(z):
    return np.where(np.asarray(z, dtype=float) > 0, 1.0, 0.0)


def forward(x, w):
    w1, w2, w3, w4, w5, w6, w7, w8 = w
    h1 = relu(w1 * x[0] + w3 * x[1])
    h2 = relu(w2 * x[0] + w4 * x[1])
    o1 = relu(w5 * h1 + w7 * h2)
    o2 = relu(w6 * h1 + w8 * h2)
    return np.array([h1, h2]), np.array([o1, o2])


def loss(o, y):
    return float(0.5 * ((o[0] - y[0]) ** 2 + (o[1] - y[1]) ** 2))


def backward(x, y, w):
    w1, w2, w3, w4, w5, w6, w7, w8 = w
    n_h1 = w1 * x[0] + w3 * x[1]
    n_h2 = w2 * x[0] + w4 * x[1]
    h1, h2 = relu(n_h1), relu(n_h2)
    n_o1 = w5 * h1 + w7 * h2
    n_o2 = w6 * h1 + w8 * h2
    o1, o2 = relu(n_o1), relu(n_o2)
    d_o1 = (o1 - y[0]) * o1 * (1 - o1)  # derivative of the activation
    d_o2 = (o2 - y[1]) * o2 * (1 - o2)
    d_h1 = (d_o1 * w5 + d_o2 * w6) * h1 * (1 - h1)
    d_h2 = (d_o1 * w7 + d_o2 * w8) * h2 * (1 - h2)
    return np.array([d_h1 * x[0], d_h2 * x[0], d_h1 * x[1], d_h2 * x[1],
                     d_o1 * h1, d_o2 * h1, d_o1 * h2, d_o2 * h2], dtype=float)


def update(w, grad, lr):
    return np.asarray(w, dtype=float) - lr * np.asarray(grad, dtype=float)


def train(x, y, w, lr, epochs):
    losses = []
    for _ in range(epochs):
        losses.append(loss(forward(x, w)[1], y))
        w = update(w, backward(x, y, w), lr)
    return w, losses


if __name__ == "__main__":
    x, y = np.array([0.5, 0.3]), np.array([0.23, -0.07])
    w = np.array([0.2, -0.4, 0.5, 0.6, 0.1, -0.5, -0.3, 0.8])
    print(forward(x, w), update(w, backward(x, y, w), 1.0))
