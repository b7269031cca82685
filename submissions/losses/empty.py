# 损失函数作业
# 还没写完
import numpy as np
import torch
