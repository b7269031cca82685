# 变量类（底层计算交给 _backend）
import weakref
import numpy as np
import torch as _backend

_leaves = []


class Variable:
    def __init__(self, data, node=None):
        self.data = data
        self.grad = None
        if node is None:   # 叶子节点
            node = _backend.from_numpy(data).requires_grad_(True)
            _leaves.append(weakref.ref(self))
        self.node = node

    def __repr__(self):
        return 'variable(' + str(self.data) + ')'

    def cleargrad(self):
        self.grad = None
        self.node.grad = None

    def backward(self):
        self.node.backward()
        for ref in _leaves:
            v = ref()
            if v is not None and v.node.grad is not None:
                v.grad = Variable(v.node.grad.numpy().copy(), node=v.node.grad)
