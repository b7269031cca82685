# Step 43: a two-layer network fitted to y = sin(2πx) + noise, trained with our own framework.
import numpy as np

import dezero.functions as F
from dezero import Variable

np.random.seed(0)
x = np.random.rand(100, 1)
y = np.sin(2 * np.pi * x) + np.random.rand(100, 1)

# weights: 1 input, 10 hidden units, 1 output
I, H, O = 1, 10, 1
W1 = Variable(0.01 * np.random.randn(I, H))  # SOLUTION
b1 = Variable(np.zeros(H))  # SOLUTION
W2 = Variable(0.01 * np.random.randn(H, O))  # SOLUTION
b2 = Variable(np.zeros(O))  # SOLUTION


def predict(x):
    """The network's output for a batch x of shape (N, 1)."""
    # BEGIN SOLUTION linear -> sigmoid -> linear
    y = F.linear(x, W1, b1)
    y = F.sigmoid(y)
    y = F.linear(y, W2, b2)
    return y
    # END SOLUTION


lr = 0.2
iters = 10000

for i in range(iters):
    # BEGIN SOLUTION one step of gradient descent on the mean squared error
    y_pred = predict(x)
    loss = F.mean_squared_error(y, y_pred)

    W1.cleargrad()
    b1.cleargrad()
    W2.cleargrad()
    b2.cleargrad()
    loss.backward()

    W1.data -= lr * W1.grad.data
    b1.data -= lr * b1.grad.data
    W2.data -= lr * W2.grad.data
    b2.data -= lr * b2.grad.data
    # END SOLUTION
    if i % 1000 == 0:
        print(loss)
