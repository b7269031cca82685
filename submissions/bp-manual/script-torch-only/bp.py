import torch

# 作业3 用pytorch实现
x = torch.tensor([0.5, 0.3])
y = torch.tensor([0.23, -0.07])
w = [torch.tensor(v, requires_grad=True) for v in [0.2, -0.4, 0.5, 0.6, 0.1, -0.5, -0.3, 0.8]]

for epoch in range(1, 21):
    h1 = torch.sigmoid(w[0] * x[0] + w[2] * x[1])
    h2 = torch.sigmoid(w[1] * x[0] + w[3] * x[1])
    o1 = torch.sigmoid(w[4] * h1 + w[6] * h2)
    o2 = torch.sigmoid(w[5] * h1 + w[7] * h2)
    loss = ((o1 - y[0]) ** 2 + (o2 - y[1]) ** 2) / 2
    loss.backward()
    if epoch == 1:
        print("输出", o1.item(), o2.item(), "损失", loss.item())
        print("梯度", [round(t.grad.item(), 5) for t in w])
    with torch.no_grad():
        for t in w:
            t -= 1.0 * t.grad
            t.grad.zero_()
    print("第", epoch, "轮权重", [round(t.item(), 5) for t in w])
