import numpy as np

# 前向传播（反向传播还没写完）
x = np.array([0.5, 0.3])
y = np.array([0.23, -0.07])
w = np.array([0.2, -0.4, 0.5, 0.6, 0.1, -0.5, -0.3, 0.8])


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


out_h1 = sigmoid(w[0] * x[0] + w[2] * x[1])
out_h2 = sigmoid(w[1] * x[0] + w[3] * x[1])
out_o1 = sigmoid(w[4] * out_h1 + w[6] * out_h2)
out_o2 = sigmoid(w[5] * out_h1 + w[7] * out_h2)
print("隐藏层输出:", out_h1, out_h2)
print("输出层输出:", out_o1, out_o2)
loss = ((out_o1 - y[0]) ** 2 + (out_o2 - y[1]) ** 2) / 2
print("损失:", loss)
# TODO 反向传播
