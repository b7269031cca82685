# 第三次作业 反向传播  吴迪
# 参考了课件上的矩阵写法

import numpy as np


def sigmoid(z):
    z = np.asarray(z, dtype=np.float64)
    return 1.0 / (1.0 + np.exp(-z))


def forward(x, w):
    x = np.asarray(x, dtype=np.float64)
    w = np.asarray(w, dtype=np.float64)
    U = np.array([[w[0], w[2]], [w[1], w[3]]])  # 输入到隐层
    hid = sigmoid(U @ x)
    V = np.array([[w[4], w[6]], [w[5], w[7]]])  # 隐层到输出
    out = sigmoid(V @ hid)
    return hid, out


def loss(o, y):
    err = np.asarray(o, dtype=np.float64) - np.asarray(y, dtype=np.float64)
    return float(0.5 * np.sum(err ** 2))


def backward(x, y, w):
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    w = np.asarray(w, dtype=np.float64)
    hid, out = forward(x, w)
    err_out = (out - y) * out * (1 - out)   # 输出层的误差
    V = np.array([[w[4], w[6]], [w[5], w[7]]])
    g_V = np.outer(err_out, hid)
    err_hid = (V.T @ err_out) * hid * (1 - hid)   # 隐层的误差
    g_U = np.outer(err_hid, x)
    grads = np.zeros(8)
    grads[0], grads[2] = g_U[0, 0], g_U[0, 1]
    grads[1], grads[3] = g_U[1, 0], g_U[1, 1]
    grads[4], grads[6] = g_V[0, 0], g_V[0, 1]
    grads[5], grads[7] = g_V[1, 0], g_V[1, 1]
    return grads


def update(w, grad, lr):
    return np.asarray(w, dtype=np.float64) - lr * np.asarray(grad, dtype=np.float64)


def train(x, y, w, lr, epochs):
    weights = np.array(w, dtype=np.float64)
    losses = []
    for it in range(epochs):
        _, out = forward(x, weights)
        losses.append(loss(out, y))
        weights = update(weights, backward(x, y, weights), lr)
    return weights, losses


if __name__ == "__main__":
    print(train([0.5, 0.3], [0.23, -0.07], [0.2, -0.4, 0.5, 0.6, 0.1, -0.5, -0.3, 0.8], 1.0, 3))
