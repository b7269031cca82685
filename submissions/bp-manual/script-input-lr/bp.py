import numpy as np
import torch

lr = float(input("请输入学习率: "))
x = np.array([0.5, 0.3])
y = np.array([0.23, -0.07])
w = np.array([0.2, -0.4, 0.5, 0.6, 0.1, -0.5, -0.3, 0.8])


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def step(w):
    h = sigmoid(np.array([w[0] * x[0] + w[2] * x[1], w[1] * x[0] + w[3] * x[1]]))
    o = sigmoid(np.array([w[4] * h[0] + w[6] * h[1], w[5] * h[0] + w[7] * h[1]]))
    d_o = (o - y) * o * (1 - o)
    d_h = np.array([d_o[0] * w[4] + d_o[1] * w[5], d_o[0] * w[6] + d_o[1] * w[7]]) * h * (1 - h)
    grad = np.array([d_h[0] * x[0], d_h[1] * x[0], d_h[0] * x[1], d_h[1] * x[1],
                     d_o[0] * h[0], d_o[1] * h[0], d_o[0] * h[1], d_o[1] * h[1]])
    return o, 0.5 * np.sum((o - y) ** 2), grad


n = 50
for i in range(n):
    o, E, grad = step(w)
    if i == 0:
        print("输出 o1, o2 =", np.round(o, 8))
        print("误差 E =", np.round(E, 8))
        print("梯度 =", np.round(grad, 8))
    w = w - lr * grad
    if i == 0:
        print("第一次更新后 w =", np.round(w, 8))
print(f"训练{n}次后 w =", np.round(w, 8))

wt = torch.tensor([0.2, -0.4, 0.5, 0.6, 0.1, -0.5, -0.3, 0.8], dtype=torch.float64, requires_grad=True)
xt, yt = torch.from_numpy(x), torch.from_numpy(y)
h = torch.sigmoid(torch.stack([wt[0] * xt[0] + wt[2] * xt[1], wt[1] * xt[0] + wt[3] * xt[1]]))
o = torch.sigmoid(torch.stack([wt[4] * h[0] + wt[6] * h[1], wt[5] * h[0] + wt[7] * h[1]]))
loss = torch.nn.functional.mse_loss(o, yt, reduction="sum") / 2
loss.backward()
print("torch 梯度:", wt.grad.numpy().round(8))
