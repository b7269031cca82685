# -*- coding: utf-8 -*-
# 作业3：手动实现反向传播（numpy），再用 pytorch 自动求导对比
import numpy as np
import matplotlib
matplotlib.use('TkAgg')
import matplotlib.pyplot as plt
import torch

x = np.array([0.5, 0.3])
y = np.array([0.23, -0.07])
w = [0.2, -0.4, 0.5, 0.6, 0.1, -0.5, -0.3, 0.8]   # w1..w8
lr = 1


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def forward_propagate(x, w):
    in_h1 = w[0] * x[0] + w[2] * x[1]
    in_h2 = w[1] * x[0] + w[3] * x[1]
    out_h1 = sigmoid(in_h1)
    out_h2 = sigmoid(in_h2)
    in_o1 = w[4] * out_h1 + w[6] * out_h2
    in_o2 = w[5] * out_h1 + w[7] * out_h2
    out_o1 = sigmoid(in_o1)
    out_o2 = sigmoid(in_o2)
    print("正向计算，隐藏层h1 ,h2：", end="")
    print(round(out_h1, 5), round(out_h2, 5))
    print("正向计算，预测值o1 ,o2：", end="")
    print(round(out_o1, 5), round(out_o2, 5))
    error = (1 / 2) * (out_o1 - y[0]) ** 2 + (1 / 2) * (out_o2 - y[1]) ** 2
    print("损失函数：均方误差=", round(error, 5))
    return out_o1, out_o2, out_h1, out_h2


def back_propagate(out_o1, out_o2, out_h1, out_h2):
    d_o1 = out_o1 - y[0]
    d_o2 = out_o2 - y[1]
    d_w5 = d_o1 * out_o1 * (1 - out_o1) * out_h1
    d_w7 = d_o1 * out_o1 * (1 - out_o1) * out_h2
    d_w6 = d_o2 * out_o2 * (1 - out_o2) * out_h1
    d_w8 = d_o2 * out_o2 * (1 - out_o2) * out_h2
    d_w1 = (d_o1 * out_o1 * (1 - out_o1) * w[4] + d_o2 * out_o2 * (1 - out_o2) * w[5]) * out_h1 * (1 - out_h1) * x[0]
    d_w3 = (d_o1 * out_o1 * (1 - out_o1) * w[4] + d_o2 * out_o2 * (1 - out_o2) * w[5]) * out_h1 * (1 - out_h1) * x[1]
    d_w2 = (d_o1 * out_o1 * (1 - out_o1) * w[6] + d_o2 * out_o2 * (1 - out_o2) * w[7]) * out_h2 * (1 - out_h2) * x[0]
    d_w4 = (d_o1 * out_o1 * (1 - out_o1) * w[6] + d_o2 * out_o2 * (1 - out_o2) * w[7]) * out_h2 * (1 - out_h2) * x[1]
    print("w的梯度:", round(d_w1, 4), round(d_w2, 4), round(d_w3, 4), round(d_w4, 4),
          round(d_w5, 4), round(d_w6, 4), round(d_w7, 4), round(d_w8, 4))
    return d_w1, d_w2, d_w3, d_w4, d_w5, d_w6, d_w7, d_w8


def update_w(step, grads):
    for i in range(8):
        w[i] = w[i] - step * grads[i]


losses = []
for i in range(200):
    print("=====第" + str(i + 1) + "轮=====")
    out_o1, out_o2, out_h1, out_h2 = forward_propagate(x, w)
    losses.append(0.5 * ((out_o1 - y[0]) ** 2 + (out_o2 - y[1]) ** 2))
    grads = back_propagate(out_o1, out_o2, out_h1, out_h2)
    update_w(lr, grads)
    print("更新后的权值w:", np.round(w, 4))

print("最终的权值w:", np.round(w, 6))

plt.plot(losses)
plt.xlabel('epoch')
plt.ylabel('loss')
plt.show()

# ---------------- 第二部分：pytorch 自动求导 ----------------
print("\n====== pytorch ======")
xt = torch.tensor([0.5, 0.3])
yt = torch.tensor([0.23, -0.07])
wt = [torch.tensor([v], requires_grad=True) for v in [0.2, -0.4, 0.5, 0.6, 0.1, -0.5, -0.3, 0.8]]

h1 = torch.sigmoid(wt[0] * xt[0] + wt[2] * xt[1])
h2 = torch.sigmoid(wt[1] * xt[0] + wt[3] * xt[1])
o1 = torch.sigmoid(wt[4] * h1 + wt[6] * h2)
o2 = torch.sigmoid(wt[5] * h1 + wt[7] * h2)
loss = ((o1 - yt[0]) ** 2 + (o2 - yt[1]) ** 2) / 2
print("输出:", o1.data, o2.data)
print("损失:", loss.item())
loss.backward()
print("梯度:", [round(t.grad.item(), 4) for t in wt])
for t in wt:
    t.data = t.data - lr * t.grad.data
    t.grad.data.zero_()
print("更新后:", [round(t.item(), 4) for t in wt])
