import torch

dropout1, dropout2 = 0.2, 0.5


def dropout_layer(X, dropout):
    assert 0 <= dropout <= 1
    if dropout == 1:
        return torch.zeros_like(X)
    if dropout == 0:
        return X
    mask = (torch.rand(X.shape) < dropout).float()  # keep with probability p
    return mask * X / (1.0 - dropout)


def l2_penalty(w):
    return torch.sum(w.pow(2)) / 2


def linreg(X, w, b):
    return torch.matmul(X, w) + b


def squared_loss(y_hat, y):
    return (y_hat - y.reshape(y_hat.shape)) ** 2 / 2


def sgd_weight_decay_step(X, y, w, b, lr, lambd):
    w = w.clone().requires_grad_(True)
    b = b.clone().requires_grad_(True)
    l = squared_loss(linreg(X, w, b), y) + lambd * l2_penalty(w)
    l.sum().backward()
    with torch.no_grad():
        w_new = w - lr * w.grad / X.shape[0]
        b_new = b - lr * b.grad / X.shape[0]
    return w_new, b_new
