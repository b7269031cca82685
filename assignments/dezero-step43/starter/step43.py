# Step 43: a two-layer network fitted to y = sin(2πx) + noise, trained with our own framework.
import numpy as np

import dezero.functions as F
from dezero import Variable

np.random.seed(0)
x = np.random.rand(100, 1)
y = np.sin(2 * np.pi * x) + np.random.rand(100, 1)

# weights: 1 input, 10 hidden units, 1 output
I, H, O = 1, 10, 1
W1 = ...  # YOUR CODE HERE
b1 = ...  # YOUR CODE HERE
W2 = ...  # YOUR CODE HERE
b2 = ...  # YOUR CODE HERE


def predict(x):
    """The network's output for a batch x of shape (N, 1)."""
    # TODO: linear -> sigmoid -> linear
    raise NotImplementedError


lr = 0.2
iters = 10000

for i in range(iters):
    # TODO: one step of gradient descent on the mean squared error
    raise NotImplementedError
    if i % 1000 == 0:
        print(loss)
