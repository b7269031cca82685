# -*- coding: utf-8 -*-
# 作业三 第二部分：用自己的框架 dl 实现 step43（sin 函数回归）
# 李娜
import numpy as np
import matplotlib
matplotlib.use('TkAgg')
import matplotlib.pyplot as plt
from dl import Variable
import dl.functions as F

np.random.seed(0)
x = np.random.rand(100, 1)
y = np.sin(2 * np.pi * x) + np.random.rand(100, 1)

I, H, O = 1, 10, 1
W1 = Variable(0.01 * np.random.randn(I, H))
b1 = Variable(np.zeros(H))
W2 = Variable(0.01 * np.random.randn(H, O))
b2 = Variable(np.zeros(O))
params = [W1, b1, W2, b2]


def predict(x):
    h = F.sigmoid(F.linear(x, W1, b1))
    return F.linear(h, W2, b2)


lr = 0.2
iters = 10000
loss_list = []
for i in range(iters):
    y_pred = predict(x)
    loss = F.mean_squared_error(y, y_pred)
    for p in params:
        p.cleargrad()
    loss.backward()
    for p in params:
        p.data -= lr * p.grad     # 梯度是 ndarray
    loss_list.append(float(loss.data))
    if i % 1000 == 0:
        print('第%5d次迭代  损失 = %.4f' % (i, loss.data))

print('最终损失:', round(loss_list[-1], 4))

plt.figure()
plt.plot(loss_list)
plt.title('损失曲线')
plt.figure()
plt.scatter(x, y, s=10)
xs = np.linspace(0, 1, 100).reshape(-1, 1)
plt.plot(xs, predict(xs).data, 'r')
plt.show()
