# 作业三：第43步的回归问题，用第45步的 Model / MLP 和 optimizers 写
# 王磊
import numpy as np
import matplotlib.pyplot as plt
from dezero import Model
from dezero import optimizers
import dezero.functions as F
from dezero.models import MLP

np.random.seed(0)
x = np.random.rand(100, 1)
y = np.sin(2 * np.pi * x) + np.random.rand(100, 1)

lr = 0.2
max_iter = 10000
hidden_size = 10

model = MLP((hidden_size, 1))
optimizer = optimizers.SGD(lr).setup(model)

for i in range(max_iter):
    y_pred = model(x)
    loss = F.mean_squared_error(y, y_pred)

    model.cleargrads()
    loss.backward()

    optimizer.update()
    if i % 1000 == 0:
        print('iter', i, 'loss', loss.data)

# 画出拟合曲线
plt.scatter(x, y, s=10, label='数据')
t = np.arange(0, 1, .01)[:, np.newaxis]
plt.plot(t, model(t).data, color='r', label='MLP')
plt.legend()
plt.show()
