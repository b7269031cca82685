# 4.6 暂退法（Dropout）+ 4.5 权重衰减   周杰 2022013377
import torch
from torch import nn
from d2l import torch as d2l


# ---------- 从零开始实现 dropout ----------
def dropout_layer(X, dropout):
    assert 0 <= dropout <= 1
    # 在本情况中，所有元素都被丢弃
    if dropout == 1:
        return torch.zeros_like(X)
    # 在本情况中，所有元素都被保留
    if dropout == 0:
        return X
    mask = (torch.rand(X.shape) > dropout).float()
    return mask * X / (1.0 - dropout)


X = torch.arange(16, dtype=torch.float32).reshape((2, 8))
print("原始:", X)
print("p=0:", dropout_layer(X, 0.))
print("p=0.5:", dropout_layer(X, 0.5))
print("p=1:", dropout_layer(X, 1.))


# ---------- 4.5 权重衰减 ----------
def l2_penalty(w):
    return torch.sum(w.pow(2)) / 2


def linreg(X, w, b):
    return torch.matmul(X, w) + b


def squared_loss(y_hat, y):
    return (y_hat - y.reshape(y_hat.shape)) ** 2 / 2


def sgd_weight_decay_step(X, y, w, b, lr, lambd):
    w = w.clone().requires_grad_(True)
    b = b.clone().requires_grad_(True)
    l = squared_loss(linreg(X, w, b), y) + lambd * l2_penalty(w)
    l.sum().backward()
    with torch.no_grad():
        w_new = w - lr * w.grad / X.shape[0]
        b_new = b - lr * b.grad / X.shape[0]
    return w_new, b_new


# ---------- 简洁实现 ----------
dropout1, dropout2 = 0.2, 0.9   # 第二个暂退概率调大一点试试

net = nn.Sequential(nn.Flatten(),
                    nn.Linear(784, 256),
                    nn.ReLU(),
                    # 在第一个全连接层之后添加一个dropout层
                    nn.Dropout(dropout1),
                    nn.Linear(256, 256),
                    nn.ReLU(),
                    # 在第二个全连接层之后添加一个dropout层
                    nn.Dropout(dropout2),
                    nn.Linear(256, 10))


def init_weights(m):
    if type(m) == nn.Linear:
        nn.init.normal_(m.weight, std=0.01)


net.apply(init_weights)

if __name__ == '__main__':
    num_epochs, lr, batch_size = 2, 0.5, 256   # CPU 太慢，先跑 2 轮
    loss = nn.CrossEntropyLoss(reduction='none')
    train_iter, test_iter = d2l.load_data_fashion_mnist(batch_size)
    trainer = torch.optim.SGD(net.parameters(), lr=lr)
    d2l.train_ch3(net, train_iter, test_iter, loss, num_epochs, trainer)
    d2l.plt.show()
