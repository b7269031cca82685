"""Multilayer perceptron on Fashion-MNIST, from scratch and concise (d2l 4.2 and 4.3).

Fill in every function below (replace each ``raise NotImplementedError``); keep the names and
signatures (see README.md). The grader calls them with X of shape (N, 1, 28, 28) (float32 in
[0, 1]) and y of shape (N,) (int64 class indices). Create tensors on X.device.
"""

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
    # YOUR CODE HERE
    raise NotImplementedError


def init_params(device="cpu"):
    """[W1, b1, W2, b2]: W1 (784, 256), W2 (256, 10) drawn from N(0, 0.01²); b1 (256,), b2 (10,) zeros.

    Every parameter must have requires_grad=True (wrap it in nn.Parameter).
    """
    # YOUR CODE HERE
    raise NotImplementedError


def net(X, params):
    """Logits of shape (batch, 10): flatten X to (batch, 784), a ReLU hidden layer, a linear output."""
    # YOUR CODE HERE
    raise NotImplementedError


def sgd(params, lr, batch_size):
    """One minibatch SGD step on the summed loss's gradients, then reset the gradients."""
    # YOUR CODE HERE
    raise NotImplementedError


def train_scratch(X, y, num_epochs=10, lr=0.1, batch_size=256):
    """Train the from-scratch MLP with cross-entropy and your sgd; return the trained [W1, b1, W2, b2]."""
    # YOUR CODE HERE
    raise NotImplementedError


# ---------------------------------------------------------------------- concise (4.3)

def init_weights(m):
    """Draw the weights of every nn.Linear from N(0, 0.01²)."""
    # YOUR CODE HERE
    raise NotImplementedError


def concise_net():
    """nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10)), init_weights applied."""
    # YOUR CODE HERE
    raise NotImplementedError


def train_concise(X, y, num_epochs=10, lr=0.1, batch_size=256):
    """Train concise_net() with nn.CrossEntropyLoss and torch.optim.SGD; return the trained model."""
    # YOUR CODE HERE
    raise NotImplementedError
