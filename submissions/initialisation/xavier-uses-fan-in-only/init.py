import math

import torch
from torch import nn


def init_zero(shape):
    return torch.zeros(*shape)


def init_constant(shape, value):
    return torch.ones(*shape) * value


def init_normal(shape, sigma):
    return torch.normal(0.0, sigma, size=tuple(shape))


def xavier_normal(fan_in, fan_out):
    std = math.sqrt(1.0 / fan_in)
    return torch.normal(0.0, std, size=(fan_in, fan_out))


def xavier_uniform(fan_in, fan_out):
    a = math.sqrt(3.0 / fan_in)
    return torch.empty(fan_in, fan_out).uniform_(-a, a)


def init_params(method, n_in, n_hidden, n_out, scale):
    if method == "zero":
        W1, W2 = init_zero([n_in, n_hidden]), init_zero([n_hidden, n_out])
    elif method == "constant":
        W1, W2 = init_constant([n_in, n_hidden], scale), init_constant([n_hidden, n_out], scale)
    elif method == "normal":
        W1, W2 = init_normal([n_in, n_hidden], scale), init_normal([n_hidden, n_out], scale)
    else:
        W1, W2 = xavier_normal(n_in, n_hidden), xavier_normal(n_hidden, n_out)
    return [W1, torch.zeros(n_hidden), W2, torch.zeros(n_out)]


def forward(X, params):
    W1, b1, W2, b2 = params
    H = torch.sigmoid(X @ W1 + b1)
    return H @ W2 + b2


def train(X, y, params, lr, steps):
    params = [p.clone().detach().requires_grad_(True) for p in params]
    loss_fn = nn.MSELoss()
    losses = []
    for _ in range(steps):
        loss = loss_fn(forward(X, params), y)
        losses.append(loss.item())
        for p in params:
            p.grad = None
        loss.backward()
        with torch.no_grad():
            for p in params:
                p -= lr * p.grad
    return [p.detach() for p in params], losses
