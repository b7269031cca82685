import torch


def softmax(X):
    X_exp = torch.exp(X)
    return X_exp / X_exp.sum(dim=1, keepdim=True)


def net(X, W, b):
    return softmax(X.reshape(-1, W.shape[0]) @ W + b)


def cross_entropy(y_hat, y):
    return -torch.log(y_hat[torch.arange(y_hat.shape[0]), y])


def accuracy(y_hat, y):
    if y_hat.dim() > 1 and y_hat.shape[1] > 1:
        y_hat = y_hat.argmax(dim=1)
    return float((y_hat.type(y.dtype) == y).sum())


def sgd_step(X, y, W, b, lr):
    W = W.clone().detach().requires_grad_(True)
    b = b.clone().detach().requires_grad_(True)
    l = cross_entropy(net(X, W, b), y)
    l.sum().backward()
    with torch.no_grad():
        W_new = W - lr * W.grad
        b_new = b - lr * b.grad
    return W_new, b_new


def train_steps(X, y, W, b, lr, steps):
    losses = []
    for _ in range(steps):
        losses.append(cross_entropy(net(X, W, b), y).mean().item())
        W, b = sgd_step(X, y, W, b, lr)
    return W, b, losses
