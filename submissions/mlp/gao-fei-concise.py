"""4.3 多层感知机的简洁实现  —— 高飞 2021010456"""
import torch
import torchvision
from torch import nn
from torch.utils import data
from torchvision import transforms
import matplotlib.pyplot as plt

trans = transforms.ToTensor()
mnist_train = torchvision.datasets.FashionMNIST(root="../data", train=True, transform=trans, download=True)
mnist_test = torchvision.datasets.FashionMNIST(root="../data", train=False, transform=trans, download=True)
train_iter = data.DataLoader(mnist_train, batch_size=256, shuffle=True)
test_iter = data.DataLoader(mnist_test, batch_size=256, shuffle=False)

model = nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10))


def init_weights(m):
    if type(m) == nn.Linear:
        nn.init.normal_(m.weight, std=0.01)


model.apply(init_weights)

batch_size, lr, num_epochs = 256, 0.1, 10
loss = nn.CrossEntropyLoss(reduction='none')
trainer = torch.optim.SGD(model.parameters(), lr=lr)

损失记录 = []
for epoch in range(num_epochs):
    total, n = 0.0, 0
    for X, y in train_iter:
        l = loss(model(X), y)
        trainer.zero_grad()
        l.mean().backward()
        trainer.step()
        total += l.sum().item()
        n += y.numel()
    损失记录.append(total / n)
    print(f"第{epoch + 1}轮, 损失 {total / n:.4f}")
    plt.plot(损失记录)
    plt.show()

correct = 0
with torch.no_grad():
    for X, y in test_iter:
        correct += (model(X).argmax(dim=1) == y).sum().item()
print("测试集准确率:", correct / len(mnist_test))
