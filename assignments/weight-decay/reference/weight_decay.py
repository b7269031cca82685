"""权重衰减 (d2l 4.5): the book's script, run as it is written.

A high-dimensional toy problem (20 training examples, 200 inputs, true w = 0.01, b = 0.05)
trained with and without an L2 penalty, from scratch and with torch.optim.SGD parameter
groups in which the bias is not decayed. Fill in the parts marked below, then run the whole
file. The grader runs it top to bottom, then grades l2_penalty, init_params, the printed
norms of w and the concise run's `trainer`.
"""
# BEGIN SOLUTION NO PROMPT
# The reference solution: the code of d2l (zh-v2) section 4.5, with train_concise returning its
# net and trainer, and without the d2l.Animator plots (seconds per run; students may keep them).
# starter/ is generated from it by `grader starter weight-decay`.
# END SOLUTION
import torch
from torch import nn
from d2l import torch as d2l

n_train, n_test, num_inputs, batch_size = 20, 100, 200, 5
true_w, true_b = torch.ones((num_inputs, 1)) * 0.01, 0.05
train_data = d2l.synthetic_data(true_w, true_b, n_train)
train_iter = d2l.load_array(train_data, batch_size)
test_data = d2l.synthetic_data(true_w, true_b, n_test)
test_iter = d2l.load_array(test_data, batch_size, is_train=False)


def init_params():
    """[w, b]: w of shape (num_inputs, 1) from N(0, 1), b = 0, both requiring gradients."""
    # BEGIN SOLUTION
    w = torch.normal(0, 1, size=(num_inputs, 1), requires_grad=True)
    b = torch.zeros(1, requires_grad=True)
    return [w, b]
    # END SOLUTION


def l2_penalty(w):
    """L2范数惩罚: Σw² / 2."""
    # BEGIN SOLUTION
    return torch.sum(w.pow(2)) / 2
    # END SOLUTION


def train(lambd):
    w, b = init_params()
    net, loss = lambda X: d2l.linreg(X, w, b), d2l.squared_loss
    num_epochs, lr = 100, 0.003
    for epoch in range(num_epochs):
        for X, y in train_iter:
            # BEGIN SOLUTION Add lambd times the L2 penalty of w to the loss, backpropagate, take a d2l.sgd step.
            # 增加了L2范数惩罚项，
            # 广播机制使l2_penalty(w)成为一个长度为batch_size的向量
            l = loss(net(X), y) + lambd * l2_penalty(w)
            l.sum().backward()
            d2l.sgd([w, b], lr, batch_size)
            # END SOLUTION
    print('w的L2范数是：', torch.norm(w).item())


train(lambd=0)
train(lambd=3)


def train_concise(wd):
    net = nn.Sequential(nn.Linear(num_inputs, 1))
    for param in net.parameters():
        param.data.normal_()
    loss = nn.MSELoss(reduction='none')
    num_epochs, lr = 100, 0.003
    # 偏置参数没有衰减: the weight decays by wd, the bias not at all.
    # BEGIN SOLUTION torch.optim.SGD with two parameter groups: net[0].weight with weight_decay wd, net[0].bias without.
    trainer = torch.optim.SGD([
        {"params": net[0].weight, 'weight_decay': wd},
        {"params": net[0].bias}], lr=lr)
    # END SOLUTION
    for epoch in range(num_epochs):
        for X, y in train_iter:
            trainer.zero_grad()
            l = loss(net(X), y)
            l.mean().backward()
            trainer.step()
    print('w的L2范数：', net[0].weight.norm().item())
    return net, trainer


train_concise(0)
net, trainer = train_concise(3)
