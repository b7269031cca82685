# 3.2 线性回归从零实现  李明 2023级
import random
import torch
import matplotlib.pyplot as plt


def synthetic_data(w, b, num_examples):
    X = torch.randn(num_examples, len(w))
    y = X @ w + b
    noise = torch.randn(y.shape) * 0.01
    return X, (y + noise).reshape(-1, 1)


def data_iter(batch_size, features, labels):
    n = len(features)
    order = list(range(n))
    random.shuffle(order)
    for start in range(0, n, batch_size):
        idx = torch.tensor(order[start:start + batch_size])
        yield features[idx], labels[idx]


def linreg(X, w, b):
    return X @ w + b


def squared_loss(y_hat, y):
    return 0.5 * (y_hat - y.reshape(y_hat.shape)) ** 2


def sgd(params, lr, batch_size):
    with torch.no_grad():
        for p in params:
            p -= lr * p.grad / batch_size
            p.grad.zero_()


# 真实参数
true_w = torch.tensor([2, -3.4])
true_b = 4.2
w = torch.normal(0, 0.01, size=(2, 1), requires_grad=True)   # 先初始化参数
b = torch.zeros(1, requires_grad=True)
features, labels = synthetic_data(true_w, true_b, 1000)
print('features:', features[0], '\nlabel:', labels[0])

plt.scatter(features[:, 1].numpy(), labels.numpy(), 1)
plt.xlabel('x2')
plt.ylabel('y')
plt.show()

lr, num_epochs, batch_size = 0.03, 3, 10
for epoch in range(num_epochs):
    for X, y in data_iter(batch_size, features, labels):
        l = squared_loss(linreg(X, w, b), y)
        l.sum().backward()
        sgd([w, b], lr, batch_size)
    with torch.no_grad():
        train_l = squared_loss(linreg(features, w, b), labels)
        print('第', epoch, '轮  平均损失 =', round(train_l.mean().item(), 7))

print('w的估计误差:', (true_w - w.reshape(true_w.shape)).tolist())
print('b的估计误差:', (true_b - b).item())
