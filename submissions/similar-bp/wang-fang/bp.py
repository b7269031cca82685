# 王芳 作业三
# 按照公式一项一项写出来
import numpy as np


def sigmoid(z):
    return 1 / (1 + np.exp(-np.asarray(z, dtype=float)))


def forward(x, w):
    w1, w2, w3, w4, w5, w6, w7, w8 = w
    net_h1 = w1 * x[0] + w3 * x[1]
    net_h2 = w2 * x[0] + w4 * x[1]
    out_h1 = sigmoid(net_h1)
    out_h2 = sigmoid(net_h2)
    net_o1 = w5 * out_h1 + w7 * out_h2
    net_o2 = w6 * out_h1 + w8 * out_h2
    return np.array([out_h1, out_h2]), np.array([sigmoid(net_o1), sigmoid(net_o2)])


def loss(o, y):
    e1 = (o[0] - y[0]) ** 2
    e2 = (o[1] - y[1]) ** 2
    return float((e1 + e2) / 2)


def backward(x, y, w):
    w1, w2, w3, w4, w5, w6, w7, w8 = w
    (out_h1, out_h2), (out_o1, out_o2) = forward(x, w)
    # 输出层
    dE_dnet_o1 = (out_o1 - y[0]) * out_o1 * (1 - out_o1)
    dE_dnet_o2 = (out_o2 - y[1]) * out_o2 * (1 - out_o2)
    g5 = dE_dnet_o1 * out_h1
    g7 = dE_dnet_o1 * out_h2
    g6 = dE_dnet_o2 * out_h1
    g8 = dE_dnet_o2 * out_h2
    # 隐藏层, 误差从两个输出传回来
    dE_dout_h1 = dE_dnet_o1 * w5 + dE_dnet_o2 * w6
    dE_dout_h2 = dE_dnet_o1 * w6 + dE_dnet_o2 * w7
    dE_dnet_h1 = dE_dout_h1 * out_h1 * (1 - out_h1)
    dE_dnet_h2 = dE_dout_h2 * out_h2 * (1 - out_h2)
    g1 = dE_dnet_h1 * x[0]
    g3 = dE_dnet_h1 * x[1]
    g2 = dE_dnet_h2 * x[0]
    g4 = dE_dnet_h2 * x[1]
    return np.array([g1, g2, g3, g4, g5, g6, g7, g8])


def update(w, grad, lr):
    return np.array([wi - lr * gi for wi, gi in zip(w, grad)])


def train(x, y, w, lr, epochs):
    losses = []
    for i in range(epochs):
        h, o = forward(x, w)
        losses.append(loss(o, y))
        w = update(w, backward(x, y, w), lr)
    return w, losses


x = [0.5, 0.3]
y = [0.23, -0.07]
w = [0.2, -0.4, 0.5, 0.6, 0.1, -0.5, -0.3, 0.8]
print(forward(x, w))
print(loss(forward(x, w)[1], y))
