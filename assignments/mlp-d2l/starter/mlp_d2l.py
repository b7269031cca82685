"""多层感知机的从零开始实现 (d2l 4.2): the book's script, run as it is written.

Fill in the parts marked below, then run the whole file: it loads Fashion-MNIST with d2l,
trains for 10 epochs with d2l.train_ch3 and plots the curves. The grader runs this file top
to bottom, then grades `relu`, the parameters and the trained `net` it leaves behind.
"""
import torch
from torch import nn
from d2l import torch as d2l

batch_size = 256
train_iter, test_iter = d2l.load_data_fashion_mnist(batch_size)

num_inputs, num_outputs, num_hiddens = 784, 10, 256

# W1 (784, 256) and W2 (256, 10) drawn from N(0, 0.01²), b1 and b2 zeros, as nn.Parameter.
W1 = ...  # YOUR CODE HERE
b1 = ...  # YOUR CODE HERE
W2 = ...  # YOUR CODE HERE
b2 = ...  # YOUR CODE HERE

params = [W1, b1, W2, b2]


def relu(X):
    # TODO: max(X, 0) elementwise, written yourself (no torch.relu, F.relu or nn.ReLU).
    raise NotImplementedError


def net(X):
    # TODO: Flatten X to (batch, 784), a ReLU hidden layer, then the output layer's logits.
    raise NotImplementedError


loss = nn.CrossEntropyLoss(reduction='none')

num_epochs, lr = 10, 0.1
updater = torch.optim.SGD(params, lr=lr)
d2l.train_ch3(net, train_iter, test_iter, loss, num_epochs, updater)
