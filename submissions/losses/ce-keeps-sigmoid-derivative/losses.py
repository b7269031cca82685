# Bug: part 4 keeps the sigmoid's derivative p·(1 − p) on the output error, carried over from the
# squared-error version: with cross-entropy on logits the error is just softmax(z) − onehot(label).
import numpy as np
import torch


def half_sse(o, y):
    o, y = np.asarray(o, dtype=float), np.asarray(y, dtype=float)
    return float(np.sum((o - y) ** 2) / 2)


def mse(o, y):
    loss_fn = torch.nn.MSELoss()
    return loss_fn(torch.tensor(o, dtype=torch.float64), torch.tensor(y, dtype=torch.float64)).item()


def mse_grad(o, y):
    o, y = np.asarray(o, dtype=float), np.asarray(y, dtype=float)
    return 2 * (o - y) / len(o)


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def network_losses(x, y, W1, W2):
    h = sigmoid(W1 @ x)
    o = sigmoid(W2 @ h)
    return half_sse(o, y), mse(o, y)


def log_softmax(Z):
    Z = np.asarray(Z, dtype=float)
    m = np.max(Z, axis=1, keepdims=True)
    return Z - m - np.log(np.sum(np.exp(Z - m), axis=1, keepdims=True))


def softmax(Z):
    return np.exp(log_softmax(Z))


def cross_entropy(Z, labels):
    lp = log_softmax(Z)
    n = lp.shape[0]
    return float(-lp[np.arange(n), labels].sum() / n)


def cross_entropy_grad(Z, labels):
    n = len(labels)
    g = softmax(Z)
    g[np.arange(n), labels] -= 1
    return g / n


# part 4: the homework's network with cross-entropy (its outputs are logits)
def _logits(x, w):
    h1 = sigmoid(w[0] * x[0] + w[2] * x[1])
    h2 = sigmoid(w[1] * x[0] + w[3] * x[1])
    return np.array([h1, h2]), np.array([w[4] * h1 + w[6] * h2, w[5] * h1 + w[7] * h2])


def network_ce(x, label, w):
    _, z = _logits(x, w)
    return cross_entropy(z[None, :], [label])


def network_ce_grad(x, label, w):
    (h1, h2), z = _logits(x, w)
    p = softmax(z[None, :])[0]
    d1 = (p[0] - (label == 0)) * p[0] * (1 - p[0])
    d2 = (p[1] - (label == 1)) * p[1] * (1 - p[1])
    dh1 = (w[4] * d1 + w[5] * d2) * h1 * (1 - h1)
    dh2 = (w[6] * d1 + w[7] * d2) * h2 * (1 - h2)
    return np.array([dh1 * x[0], dh2 * x[0], dh1 * x[1], dh2 * x[1], d1 * h1, d2 * h1, d1 * h2, d2 * h2])


def train_ce(x, label, w, lr, epochs):
    w = np.array(w, dtype=float)
    losses = []
    for _ in range(epochs):
        losses.append(network_ce(x, label, w))
        w = w - lr * network_ce_grad(x, label, w)
    return w, losses


if __name__ == "__main__":
    x, y = np.array([0.5, 0.3]), np.array([0.23, -0.07])
    W1 = np.array([[0.2, 0.5], [-0.4, 0.6]])
    W2 = np.array([[0.1, -0.3], [-0.5, 0.8]])
    o = sigmoid(W2 @ sigmoid(W1 @ x))
    E, mse_loss = network_losses(x, y, W1, W2)
    print("pred =", torch.tensor(o))
    print(f"E = {E:.6f}")
    print(f"MSE loss = {mse_loss:.6f}")
