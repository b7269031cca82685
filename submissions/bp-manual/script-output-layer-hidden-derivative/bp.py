"""HW3 backprop - numpy then pytorch"""
import numpy as np
import torch

x = np.array([0.5, 0.3])
y = np.array([0.23, -0.07])
w = np.array([0.2, -0.4, 0.5, 0.6, 0.1, -0.5, -0.3, 0.8])
lr = 1.0
EPOCHS = 100


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


for epoch in range(EPOCHS):
    W1 = np.array([[w[0], w[2]], [w[1], w[3]]])
    W2 = np.array([[w[4], w[6]], [w[5], w[7]]])
    out_h = sigmoid(W1 @ x)
    out_o = sigmoid(W2 @ out_h)
    loss = 0.5 * np.sum((out_o - y) ** 2)
    delta_o = (out_o - y) * out_h * (1 - out_h)
    delta_h = (W2.T @ delta_o) * out_h * (1 - out_h)
    gW2 = np.outer(delta_o, out_h)
    gW1 = np.outer(delta_h, x)
    grad = np.array([gW1[0, 0], gW1[1, 0], gW1[0, 1], gW1[1, 1], gW2[0, 0], gW2[1, 0], gW2[0, 1], gW2[1, 1]])
    w = w - lr * grad
    if epoch == 0 or (epoch + 1) % 10 == 0:
        print(f"epoch {epoch + 1}: output = {out_o.round(6)}, loss = {loss:.6f}")
        print("  gradients w1..w8:", grad.round(6))
        print("  new weights:", w.round(6))

# ---- part 2: autograd ----
xt = torch.tensor(x)
yt = torch.tensor(y)
wt = torch.tensor([0.2, -0.4, 0.5, 0.6, 0.1, -0.5, -0.3, 0.8], dtype=torch.float64, requires_grad=True)
h1 = torch.sigmoid(wt[0] * xt[0] + wt[2] * xt[1])
h2 = torch.sigmoid(wt[1] * xt[0] + wt[3] * xt[1])
o1 = torch.sigmoid(wt[4] * h1 + wt[6] * h2)
o2 = torch.sigmoid(wt[5] * h1 + wt[7] * h2)
L = 0.5 * ((o1 - yt[0]) ** 2 + (o2 - yt[1]) ** 2)
L.backward()
print("autograd gradients:", wt.grad)
wt.data -= lr * wt.grad
print("autograd new weights:", wt.data)
