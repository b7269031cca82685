"""MLP, d2l 4.2/4.3. Bug: sgd never resets the gradients, so they pile up from step to step."""

import torch
from torch import nn

NUM_INPUTS, NUM_HIDDENS, NUM_OUTPUTS = 784, 256, 10


def minibatches(X, y, batch_size):
    """Yield (X_batch, y_batch) over one epoch, in a fresh random order (given code)."""
    order = torch.randperm(len(X), device=X.device)
    for start in range(0, len(X), batch_size):
        index = order[start:start + batch_size]
        yield X[index], y[index]


# ---------------------------------------------------------------- from scratch (4.2)

def relu(X):
    a = torch.zeros_like(X)
    return torch.max(X, a)


def init_params(device="cpu"):
    W1 = nn.Parameter(torch.randn(NUM_INPUTS, NUM_HIDDENS, device=device) * 0.01)
    b1 = nn.Parameter(torch.zeros(NUM_HIDDENS, device=device))
    W2 = nn.Parameter(torch.randn(NUM_HIDDENS, NUM_OUTPUTS, device=device) * 0.01)
    b2 = nn.Parameter(torch.zeros(NUM_OUTPUTS, device=device))
    return [W1, b1, W2, b2]


def net(X, params):
    W1, b1, W2, b2 = params
    X = X.reshape((-1, NUM_INPUTS))
    H = relu(X @ W1 + b1)
    return H @ W2 + b2


def sgd(params, lr, batch_size):
    with torch.no_grad():
        for param in params:
            param -= lr * param.grad / batch_size


def train_scratch(X, y, num_epochs=10, lr=0.1, batch_size=256):
    params = init_params(X.device)
    loss = nn.CrossEntropyLoss(reduction="none")
    for _ in range(num_epochs):
        for X_batch, y_batch in minibatches(X, y, batch_size):
            l = loss(net(X_batch, params), y_batch)
            l.sum().backward()
            sgd(params, lr, len(X_batch))
    return params


# ---------------------------------------------------------------------- concise (4.3)

def init_weights(m):
    if type(m) == nn.Linear:
        nn.init.normal_(m.weight, std=0.01)


def concise_net():
    model = nn.Sequential(nn.Flatten(), nn.Linear(NUM_INPUTS, NUM_HIDDENS), nn.ReLU(),
                          nn.Linear(NUM_HIDDENS, NUM_OUTPUTS))
    model.apply(init_weights)
    return model


def train_concise(X, y, num_epochs=10, lr=0.1, batch_size=256):
    model = concise_net().to(X.device)
    loss = nn.CrossEntropyLoss(reduction="none")
    trainer = torch.optim.SGD(model.parameters(), lr=lr)
    for _ in range(num_epochs):
        for X_batch, y_batch in minibatches(X, y, batch_size):
            trainer.zero_grad()
            l = loss(model(X_batch), y_batch)
            l.mean().backward()
            trainer.step()
    return model
