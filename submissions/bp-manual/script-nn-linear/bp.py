import numpy as np
import torch
import torch.nn as nn
import matplotlib.pyplot as plt

# ---------- part 1: numpy ----------
x1, x2 = 0.5, 0.3
y1, y2 = 0.23, -0.07
w1, w2, w3, w4, w5, w6, w7, w8 = 0.2, -0.4, 0.5, 0.6, 0.1, -0.5, -0.3, 0.8
step = 1


def sig(a):
    return 1.0 / (1.0 + np.exp(-a))


def one_epoch(w1, w2, w3, w4, w5, w6, w7, w8, show=False):
    h1 = sig(w1 * x1 + w3 * x2)
    h2 = sig(w2 * x1 + w4 * x2)
    o1 = sig(w5 * h1 + w7 * h2)
    o2 = sig(w6 * h1 + w8 * h2)
    E = 0.5 * ((o1 - y1) ** 2 + (o2 - y2) ** 2)
    do1 = (o1 - y1) * o1 * (1 - o1)
    do2 = (o2 - y2) * o2 * (1 - o2)
    g5, g7, g6, g8 = do1 * h1, do1 * h2, do2 * h1, do2 * h2
    dh1 = (do1 * w5 + do2 * w6) * h1 * (1 - h1)
    dh2 = (do1 * w7 + do2 * w8) * h2 * (1 - h2)
    g1, g3, g2, g4 = dh1 * x1, dh1 * x2, dh2 * x1, dh2 * x2
    if show:
        print("predict: o1=%.2f o2=%.2f" % (o1, o2))
        print("E = %.3f" % E)
        print("dE/dw5..w8: %.5f %.5f %.5f %.5f" % (g5, g6, g7, g8))
        print("dE/dw1..w4: %.5f %.5f %.5f %.5f" % (g1, g2, g3, g4))
    return (w1 - step * g1, w2 - step * g2, w3 - step * g3, w4 - step * g4,
            w5 - step * g5, w6 - step * g6, w7 - step * g7, w8 - step * g8), E


W, E = one_epoch(w1, w2, w3, w4, w5, w6, w7, w8, show=True)
print("weights after 1 step:", ", ".join("%.3f" % v for v in W))
loss_list = [E]
for epoch in range(999):
    W, E = one_epoch(*W)
    loss_list.append(E)
print("after 1000 epochs:", ", ".join("%.4f" % v for v in W))
plt.plot(loss_list)
plt.show()

# ---------- part 2: torch ----------
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.hidden = nn.Linear(2, 2, bias=False)
        self.out = nn.Linear(2, 2, bias=False)

    def forward(self, x):
        return torch.sigmoid(self.out(torch.sigmoid(self.hidden(x))))


net = Net()
with torch.no_grad():
    net.hidden.weight.copy_(torch.tensor([[0.2, 0.5], [-0.4, 0.6]]))
    net.out.weight.copy_(torch.tensor([[0.1, -0.3], [-0.5, 0.8]]))
criterion = nn.MSELoss()          # mean of 2 squared errors = 1/2 * sum
optimizer = torch.optim.SGD(net.parameters(), lr=1)
x = torch.tensor([0.5, 0.3])
y = torch.tensor([0.23, -0.07])
out = net(x)
loss = criterion(out, y)
print("torch out", out)
print("torch loss", loss)
optimizer.zero_grad()
loss.backward()
print("grad hidden", net.hidden.weight.grad)
print("grad out", net.out.weight.grad)
optimizer.step()
print(net.hidden.weight.data, net.out.weight.data)
