"""线性回归的从零开始实现 (d2l 3.2): the book's script, run as it is written.

Fill in the parts marked below, then run the whole file: it draws 1,000 examples of
y = Xw + b + noise with true_w = [2, -3.4] and true_b = 4.2, trains w and b with minibatch
SGD (lr 0.03, 3 epochs, batch 10) and prints the loss after each epoch. The grader runs this
file top to bottom, then grades its functions and the w and b it trained.
"""
import random

import torch
from d2l import torch as d2l


def synthetic_data(w, b, num_examples):
    """生成 y = Xw + b + 噪声: X from N(0, 1), shape (num_examples, len(w)); y of shape (num_examples, 1)."""
    # TODO: Draw X from N(0, 1), compute Xw + b, add noise from N(0, 0.01²), return X and y as a column.
    raise NotImplementedError


true_w = torch.tensor([2, -3.4])
true_b = 4.2
features, labels = synthetic_data(true_w, true_b, 1000)

d2l.set_figsize()
d2l.plt.scatter(features[:, (1)].detach().numpy(), labels.detach().numpy(), 1)


def data_iter(batch_size, features, labels):
    # TODO: Shuffle the example indices, then yield (features, labels) minibatches of batch_size.
    raise NotImplementedError


batch_size = 10

# w (2, 1) from N(0, 0.01²) and b = 0, both requiring gradients.
w = ...  # YOUR CODE HERE
b = ...  # YOUR CODE HERE


def linreg(X, w, b):
    """线性回归模型: Xw + b."""
    # YOUR CODE HERE
    raise NotImplementedError


def squared_loss(y_hat, y):
    """均方损失: (y_hat - y)² / 2 per example, y reshaped to y_hat's shape."""
    # YOUR CODE HERE
    raise NotImplementedError


def sgd(params, lr, batch_size):
    """小批量随机梯度下降: param -= lr * param.grad / batch_size, then zero the gradient."""
    # YOUR CODE HERE
    raise NotImplementedError


lr = 0.03
num_epochs = 3
net = linreg
loss = squared_loss

for epoch in range(num_epochs):
    # TODO: Train one epoch over data_iter(batch_size, features, labels), then print the mean loss on all data.
    raise NotImplementedError
