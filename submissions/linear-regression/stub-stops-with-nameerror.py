import random
import torch
from d2l import torch as d2l


def synthetic_data(w, b, num_examples):
    pass


true_w = torch.tensor([2, -3.4])
true_b = 4.2
features, labels = synthetic_data(true_w, true_b, 1000)

# TODO data_iter, linreg, squared_loss, sgd

for epoch in range(num_epochs):
    pass
