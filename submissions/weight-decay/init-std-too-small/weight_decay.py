# 4.5 权重衰减  赵磊
import torch
from torch import nn
from d2l import torch as d2l
import matplotlib.pyplot as plt

n_train, n_test, num_inputs, batch_size = 20, 100, 200, 5
true_w, true_b = torch.ones((num_inputs, 1)) * 0.01, 0.05
train_data = d2l.synthetic_data(true_w, true_b, n_train)
train_iter = d2l.load_array(train_data, batch_size)


def init_params():
    w = torch.normal(0, 0.01, size=(num_inputs, 1), requires_grad=True)
    b = torch.zeros(1, requires_grad=True)
    return [w, b]


def l2_penalty(w):
    return (w ** 2).sum() / 2


def train(lambd):
    w, b = init_params()
    lr = 0.003
    for epoch in range(100):
        for X, y in train_iter:
            l = d2l.squared_loss(d2l.linreg(X, w, b), y) + lambd * l2_penalty(w)
            l.sum().backward()
            d2l.sgd([w, b], lr, batch_size)
    return w


for lam in [0, 3]:
    w_learned = train(lam)
    print(f'lambda={lam}:  ||w|| = {w_learned.norm().item():.6f}')

# ---------- 简洁实现 ----------
norms = []
for wd in [0, 3]:
    net = nn.Sequential(nn.Linear(num_inputs, 1))
    for param in net.parameters():
        param.data.normal_()
    loss = nn.MSELoss(reduction='none')
    trainer = torch.optim.SGD([{"params": net[0].weight, "weight_decay": wd},
                               {"params": net[0].bias}], lr=0.003)
    for epoch in range(100):
        for X, y in train_iter:
            trainer.zero_grad()
            loss(net(X), y).mean().backward()
            trainer.step()
    norms.append(net[0].weight.norm().item())
    print('权重衰减 wd =', wd, ' 权重的L2范数:', round(norms[-1], 5))

plt.bar(['wd=0', 'wd=3'], norms)
plt.show()
