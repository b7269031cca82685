"""多层感知机的从零开始实现 (d2l 4.2): the book's script, run as it is written.

Fill in the parts marked below, then run the whole file: it loads Fashion-MNIST with d2l,
trains for 10 epochs with d2l.train_ch3 and plots the curves. The grader runs this file top
to bottom, then grades `relu`, the parameters and the trained `net` it leaves behind.
"""
# BEGIN SOLUTION NO PROMPT
# The reference solution: the code of d2l (zh-v2) section 4.2, unchanged. starter/ is generated
# from it by `grader starter mlp-d2l`.
# END SOLUTION
import torch
from torch import nn
from d2l import torch as d2l

batch_size = 256
train_iter, test_iter = d2l.load_data_fashion_mnist(batch_size)

num_inputs, num_outputs, num_hiddens = 784, 10, 256

# W1 (784, 256) and W2 (256, 10) drawn from N(0, 0.01²), b1 and b2 zeros, as nn.Parameter.
W1 = nn.Parameter(torch.randn(num_inputs, num_hiddens, requires_grad=True) * 0.01)  # SOLUTION
b1 = nn.Parameter(torch.zeros(num_hiddens, requires_grad=True))  # SOLUTION
W2 = nn.Parameter(torch.randn(num_hiddens, num_outputs, requires_grad=True) * 0.01)  # SOLUTION
b2 = nn.Parameter(torch.zeros(num_outputs, requires_grad=True))  # SOLUTION

params = [W1, b1, W2, b2]


def relu(X):
    # BEGIN SOLUTION max(X, 0) elementwise, written yourself (no torch.relu, F.relu or nn.ReLU).
    a = torch.zeros_like(X)
    return torch.max(X, a)
    # END SOLUTION


def net(X):
    # BEGIN SOLUTION Flatten X to (batch, 784), a ReLU hidden layer, then the output layer's logits.
    X = X.reshape((-1, num_inputs))
    H = relu(X@W1 + b1)  # 这里“@”代表矩阵乘法
    return (H@W2 + b2)
    # END SOLUTION


loss = nn.CrossEntropyLoss(reduction='none')

num_epochs, lr = 10, 0.1
updater = torch.optim.SGD(params, lr=lr)
d2l.train_ch3(net, train_iter, test_iter, loss, num_epochs, updater)
