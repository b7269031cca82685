import torch
from torch import nn
from d2l import torch as d2l

batch_size = 256
train_iter, test_iter = d2l.load_data_fashion_mnist(batch_size)

# TODO: 初始化参数（还没写）


def relu(X):
    pass


def net(X):
    X = X.reshape((-1, num_inputs))
    H = relu(X @ W1 + b1)
    return H @ W2 + b2


d2l.train_ch3(net, train_iter, test_iter, loss, num_epochs, updater)
