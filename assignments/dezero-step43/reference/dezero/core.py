"""Variables, functions and backpropagation in generation order."""

import contextlib
import heapq
import itertools
import weakref

import numpy as np


class Config:
    enable_backprop = True


@contextlib.contextmanager
def using_config(name, value):
    old = getattr(Config, name)
    setattr(Config, name, value)
    try:
        yield
    finally:
        setattr(Config, name, old)


def no_grad():
    return using_config("enable_backprop", False)


def as_array(x):
    return np.array(x) if np.isscalar(x) else x


def as_variable(obj):
    return obj if isinstance(obj, Variable) else Variable(obj)


class Variable:
    __array_priority__ = 200   # ndarray * Variable goes to Variable.__rmul__

    def __init__(self, data, name=None):
        if data is not None and not isinstance(data, np.ndarray):
            raise TypeError(f"{type(data).__name__} is not supported")
        self.data = data
        self.name = name
        self.grad = None
        self.creator = None
        self.generation = 0

    @property
    def shape(self):
        return self.data.shape

    @property
    def ndim(self):
        return self.data.ndim

    @property
    def size(self):
        return self.data.size

    @property
    def dtype(self):
        return self.data.dtype

    def __len__(self):
        return len(self.data)

    def __repr__(self):
        if self.data is None:
            return "variable(None)"
        body = str(self.data).replace("\n", "\n" + " " * 9)
        return f"variable({body})"

    def set_creator(self, func):
        self.creator = func
        self.generation = func.generation + 1

    def cleargrad(self):
        self.grad = None

    def backward(self, retain_grad=False, create_graph=False):
        if self.grad is None:
            self.grad = Variable(np.ones_like(self.data))
        heap, seen, order = [], set(), itertools.count()

        def push(func):
            if func not in seen:
                seen.add(func)
                # the newest generation first; the counter breaks ties without comparing functions
                heapq.heappush(heap, (-func.generation, next(order), func))

        # BEGIN SOLUTION every function once, the newest generation first; grads accumulate
        push(self.creator)
        while heap:
            func = heapq.heappop(heap)[2]
            gys = [out().grad for out in func.outputs]
            with using_config("enable_backprop", create_graph):
                gxs = func.backward(*gys)
                if not isinstance(gxs, tuple):
                    gxs = (gxs,)
                for x, gx in zip(func.inputs, gxs):
                    x.grad = gx if x.grad is None else x.grad + gx
                    if x.creator is not None:
                        push(x.creator)
            if not retain_grad:
                for out in func.outputs:
                    out().grad = None
        # END SOLUTION

    def reshape(self, *shape):
        import dezero.functions as F
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = shape[0]
        return F.reshape(self, shape)

    def transpose(self):
        import dezero.functions as F
        return F.transpose(self)

    @property
    def T(self):
        return self.transpose()

    def sum(self, axis=None, keepdims=False):
        import dezero.functions as F
        return F.sum(self, axis, keepdims)


class Function:
    def __call__(self, *inputs):
        inputs = [as_variable(x) for x in inputs]
        ys = self.forward(*[x.data for x in inputs])
        if not isinstance(ys, tuple):
            ys = (ys,)
        outputs = [Variable(as_array(y)) for y in ys]
        if Config.enable_backprop:
            self.generation = max(x.generation for x in inputs)
            for out in outputs:
                out.set_creator(self)
            self.inputs = inputs
            self.outputs = [weakref.ref(out) for out in outputs]
        return outputs if len(outputs) > 1 else outputs[0]

    def forward(self, *xs):
        raise NotImplementedError

    def backward(self, *gys):
        raise NotImplementedError


class Add(Function):
    def forward(self, x0, x1):
        self.shapes = x0.shape, x1.shape
        return x0 + x1

    def backward(self, gy):
        import dezero.functions as F
        return F.sum_to(gy, self.shapes[0]), F.sum_to(gy, self.shapes[1])


class Mul(Function):
    def forward(self, x0, x1):
        return x0 * x1

    def backward(self, gy):
        import dezero.functions as F
        x0, x1 = self.inputs
        return F.sum_to(gy * x1, x0.shape), F.sum_to(gy * x0, x1.shape)


class Neg(Function):
    def forward(self, x):
        return -x

    def backward(self, gy):
        return -gy


class Sub(Function):
    def forward(self, x0, x1):
        self.shapes = x0.shape, x1.shape
        return x0 - x1

    def backward(self, gy):
        import dezero.functions as F
        return F.sum_to(gy, self.shapes[0]), F.sum_to(-gy, self.shapes[1])


class Div(Function):
    def forward(self, x0, x1):
        return x0 / x1

    def backward(self, gy):
        import dezero.functions as F
        x0, x1 = self.inputs
        gx0 = gy / x1
        gx1 = gy * (-x0 / x1 ** 2)
        return F.sum_to(gx0, x0.shape), F.sum_to(gx1, x1.shape)


class Pow(Function):
    def __init__(self, c):
        self.c = c

    def forward(self, x):
        return x ** self.c

    def backward(self, gy):
        (x,) = self.inputs
        return gy * self.c * x ** (self.c - 1)


def _operand(x):
    return as_variable(as_array(x))


Variable.__add__ = Variable.__radd__ = lambda self, other: Add()(self, _operand(other))
Variable.__mul__ = Variable.__rmul__ = lambda self, other: Mul()(self, _operand(other))
Variable.__neg__ = lambda self: Neg()(self)
Variable.__sub__ = lambda self, other: Sub()(self, _operand(other))
Variable.__rsub__ = lambda self, other: Sub()(_operand(other), self)
Variable.__truediv__ = lambda self, other: Div()(self, _operand(other))
Variable.__rtruediv__ = lambda self, other: Div()(_operand(other), self)
Variable.__pow__ = lambda self, c: Pow(c)(self)
