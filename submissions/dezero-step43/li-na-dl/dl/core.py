import numpy as np


class Variable:
    """变量：data 是 ndarray，grad 也是 ndarray（不做高阶导数）"""
    __array_priority__ = 100

    def __init__(self, data):
        if np.isscalar(data):
            data = np.array(data, dtype=np.float64)
        self.data = data
        self.grad = None
        self.creator = None
        self.generation = 0

    @property
    def shape(self):
        return self.data.shape

    def __len__(self):
        return len(self.data)

    def __repr__(self):
        return 'Variable(' + str(self.data) + ')'

    def set_creator(self, f):
        self.creator = f
        self.generation = f.generation + 1

    def cleargrad(self):
        self.grad = None

    def backward(self):
        if self.grad is None:
            self.grad = np.ones_like(self.data)
        todo = [self.creator]
        done = {id(self.creator)}
        while todo:
            todo.sort(key=lambda f: f.generation)
            f = todo.pop()           # 辈分最大的函数先反向传播
            gys = [o.grad for o in f.outputs]
            gxs = f.backward(*gys)
            if not isinstance(gxs, tuple):
                gxs = (gxs,)
            for x, gx in zip(f.inputs, gxs):
                if gx is None:
                    continue
                x.grad = gx if x.grad is None else x.grad + gx
                if x.creator is not None and id(x.creator) not in done:
                    done.add(id(x.creator))
                    todo.append(x.creator)

    def __add__(self, other):
        from dl.functions import add
        return add(self, other)

    __radd__ = __add__

    def __sub__(self, other):
        from dl.functions import sub
        return sub(self, other)

    def __rsub__(self, other):
        from dl.functions import sub
        return sub(other, self)

    def __mul__(self, other):
        from dl.functions import mul
        return mul(self, other)

    __rmul__ = __mul__


def as_variable(x):
    if isinstance(x, Variable):
        return x
    return Variable(np.asarray(x, dtype=np.float64))


class Function:
    def __call__(self, *inputs):
        inputs = [as_variable(x) for x in inputs]
        y = self.forward(*[x.data for x in inputs])
        out = Variable(np.asarray(y))
        self.generation = max(x.generation for x in inputs)
        out.set_creator(self)
        self.inputs = inputs
        self.outputs = [out]
        return out

    def forward(self, *xs):
        raise NotImplementedError

    def backward(self, gy):
        raise NotImplementedError
