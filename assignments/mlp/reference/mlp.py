"""Multilayer perceptron on Fashion-MNIST, from scratch and concise (d2l 4.2 and 4.3).

Fill in every function below (replace each ``raise NotImplementedError``); keep the names and
signatures (see README.md). The grader calls them with X of shape (N, 1, 28, 28) (float32 in
[0, 1]) and y of shape (N,) (int64 class indices). Create tensors on X.device.
"""
# BEGIN SOLUTION NO PROMPT
# The reference solution. starter/ is generated from it by `grader starter mlp`: each
# BEGIN/END SOLUTION block becomes `raise NotImplementedError`, and NO PROMPT blocks (this
# note) are left out.
# END SOLUTION

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
    """max(X, 0) elementwise, written yourself (no torch.relu, F.relu or nn.ReLU)."""
    # BEGIN SOLUTION
    a = torch.zeros_like(X)
    return torch.max(X, a)
    # END SOLUTION


def init_params(device="cpu"):
    """[W1, b1, W2, b2]: W1 (784, 256), W2 (256, 10) drawn from N(0, 0.01²); b1 (256,), b2 (10,) zeros.

    Every parameter must have requires_grad=True (wrap it in nn.Parameter).
    """
    # BEGIN SOLUTION
    W1 = nn.Parameter(torch.randn(NUM_INPUTS, NUM_HIDDENS, device=device) * 0.01)
    b1 = nn.Parameter(torch.zeros(NUM_HIDDENS, device=device))
    W2 = nn.Parameter(torch.randn(NUM_HIDDENS, NUM_OUTPUTS, device=device) * 0.01)
    b2 = nn.Parameter(torch.zeros(NUM_OUTPUTS, device=device))
    return [W1, b1, W2, b2]
    # END SOLUTION


def net(X, params):
    """Logits of shape (batch, 10): flatten X to (batch, 784), a ReLU hidden layer, a linear output."""
    # BEGIN SOLUTION
    W1, b1, W2, b2 = params
    X = X.reshape((-1, NUM_INPUTS))
    H = relu(X @ W1 + b1)
    return H @ W2 + b2
    # END SOLUTION


def sgd(params, lr, batch_size):
    """One minibatch SGD step on the summed loss's gradients, then reset the gradients."""
    # BEGIN SOLUTION
    with torch.no_grad():
        for param in params:
            param -= lr * param.grad / batch_size
            param.grad.zero_()
    # END SOLUTION


def train_scratch(X, y, num_epochs=10, lr=0.1, batch_size=256):
    """Train the from-scratch MLP with cross-entropy and your sgd; return the trained [W1, b1, W2, b2]."""
    # BEGIN SOLUTION
    params = init_params(X.device)
    loss = nn.CrossEntropyLoss(reduction="none")
    for _ in range(num_epochs):
        for X_batch, y_batch in minibatches(X, y, batch_size):
            l = loss(net(X_batch, params), y_batch)
            l.sum().backward()
            sgd(params, lr, len(X_batch))
    return params
    # END SOLUTION


# ---------------------------------------------------------------------- concise (4.3)

def init_weights(m):
    """Draw the weights of every nn.Linear from N(0, 0.01²)."""
    # BEGIN SOLUTION
    if type(m) == nn.Linear:
        nn.init.normal_(m.weight, std=0.01)
    # END SOLUTION


def concise_net():
    """nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10)), init_weights applied."""
    # BEGIN SOLUTION
    model = nn.Sequential(nn.Flatten(), nn.Linear(NUM_INPUTS, NUM_HIDDENS), nn.ReLU(),
                          nn.Linear(NUM_HIDDENS, NUM_OUTPUTS))
    model.apply(init_weights)
    return model
    # END SOLUTION


def train_concise(X, y, num_epochs=10, lr=0.1, batch_size=256):
    """Train concise_net() with nn.CrossEntropyLoss and torch.optim.SGD; return the trained model."""
    # BEGIN SOLUTION
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
    # END SOLUTION
