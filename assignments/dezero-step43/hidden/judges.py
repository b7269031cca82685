"""Judges for dezero-step43, run in the grader on plain data the student's run returned.

``fit`` scores the trained network's predictions against the curve the data was drawn around;
``gradients`` re-derives, in NumPy, the gradients of the script's last loss and compares them
with the ones the student's own framework left on the parameters.
"""

import numpy as np

FIT_FULL = 0.05   # a correct fit: 0.007 to 0.018 over 20 data seeds (10,000 steps, lr 0.2)
FIT_HALF = 0.10   # nearly there; an unfitted network (a constant) is about 0.5
GRAD_RTOL = 1e-6
NAMES = ("W1", "b1", "W2", "b2")


def _truth(x):
    """sin(2πx) + 0.5: the noise np.random.rand adds has mean 0.5, so the best fit is shifted by it."""
    return np.sin(2 * np.pi * x) + 0.5


def fit(got, expected, inputs):
    x = np.ravel(np.asarray(inputs["x"], dtype=float))
    try:
        pred = np.ravel(np.asarray(got, dtype=float))
    except (TypeError, ValueError):
        return 0.0, f"predict(x) returned {type(got).__name__}, not the network's output"
    if pred.size != x.size:
        return 0.0, f"predict(x) gave {pred.size} values for {x.size} inputs x of shape ({x.size}, 1)"
    if not np.all(np.isfinite(pred)):
        return 0.0, "the trained network's output is not finite: training diverged"
    mse = float(np.mean((pred - _truth(x)) ** 2))
    said = (f"mean squared error of the trained network against sin(2πx) + 0.5 on {x.size} points in [0, 1]: "
            f"{mse:.4f}")
    if mse <= FIT_FULL:
        return 1.0, said + f" (at most {FIT_FULL} passes)."
    if mse <= FIT_HALF:
        return 0.5, said + f"; a finished fit is below {FIT_FULL}: train 10,000 iterations with lr 0.2."
    return 0.0, said + (f"; a finished fit is below {FIT_FULL}, an untrained network is about 0.5: check the "
                        "update (W.data -= lr * W.grad.data), the learning rate and the number of iterations.")


def _grads(x, y, params):
    """∂L/∂(W1, b1, W2, b2) of L = mean((sigmoid(x W1 + b1) W2 + b2 − y)²), by hand."""
    W1, b1, W2, b2 = params
    h = 1 / (1 + np.exp(-(x @ W1 + b1)))
    d = 2 * (h @ W2 + b2 - y) / len(x)
    dz = (d @ W2.T) * h * (1 - h)
    return [x.T @ dz, dz.sum(0), h.T @ d, d.sum(0)]


def _errors(x, y, params, grads, alpha):
    at = [p + alpha * g for p, g in zip(params, grads)]
    true = _grads(x, y, at)
    return [float(np.linalg.norm(t - g) / (np.linalg.norm(t) + 1e-12)) for t, g in zip(true, grads)], true


def _unpack(got):
    """(x, y, lr or None, params, grads) from the list the check's call returns, or a message."""
    items = list(got) if isinstance(got, (list, tuple)) else []
    if len(items) not in (10, 11):
        return "the check could not read x, y, the four parameters and their gradients"
    lr = None
    if len(items) == 11:
        lr, items = items[2], items[:2] + items[3:]
    if any(v is None for v in items[6:]):
        missing = [n for n, v in zip(NAMES, items[6:]) if v is None]
        return (f"{', '.join(missing)} hold no gradient after training (.grad is None): call cleargrads() before "
                "loss.backward(), as the book does, so the last step's gradients stay to be checked")
    try:
        x, y, *rest = [np.asarray(v, dtype=float) for v in items]
        lr = None if lr is None else float(lr)
    except (TypeError, ValueError):
        return "x, y, the parameters or their gradients are not arrays of numbers"
    params, grads = rest[:4], rest[4:]
    x, y = x.reshape(-1, 1), y.reshape(-1, 1)
    hidden = params[0].size
    shapes = [(1, hidden), (hidden,), (hidden, 1), (1,)]
    if any(p.size != int(np.prod(s)) or g.size != p.size for p, g, s in zip(params, grads, shapes)) or len(x) != len(y):
        return "the parameters do not have the shapes of a 1-H-1 network (W1 (1, H), b1 (H,), W2 (H, 1), b2 (1,))"
    params = [p.reshape(s) for p, s in zip(params, shapes)]
    grads = [g.reshape(s) for g, s in zip(grads, shapes)]
    return x, y, lr, params, grads


def _best_alpha(x, y, params, grads, lr):
    """The step the last update took: the gradients were computed at W + α·grad (α = lr for
    W.data -= lr * W.grad.data); the known candidates first, then a search."""
    candidates = {0.0, 0.2, -0.2} | ({lr, -lr} if lr is not None else set())

    def total(a):
        return sum(_errors(x, y, params, grads, a)[0])

    best = min(candidates, key=total)
    if max(_errors(x, y, params, grads, best)[0]) > GRAD_RTOL:
        grid = np.linspace(-2.0, 2.0, 4001)
        i = int(np.argmin([total(a) for a in grid]))
        best = min([best, _golden(total, grid[max(i - 1, 0)], grid[min(i + 1, grid.size - 1)])], key=total)
    return best


def _golden(f, lo, hi, steps=80):
    """The minimum of f on [lo, hi] by golden-section search (f unimodal there)."""
    ratio = (np.sqrt(5) - 1) / 2
    a, b = lo, hi
    for _ in range(steps):
        c, d = b - ratio * (b - a), a + ratio * (b - a)
        if f(c) < f(d):
            b = d
        else:
            a = c
    return (a + b) / 2


def gradients(got, expected, inputs):
    unpacked = _unpack(got)
    if isinstance(unpacked, str):
        return 0.0, unpacked.capitalize() + "."
    x, y, lr, params, grads = unpacked
    if not all(np.all(np.isfinite(v)) for v in [*params, *grads]):
        return 0.0, "The trained parameters or their gradients are not finite (training diverged), so the gradients cannot be checked."
    alpha = _best_alpha(x, y, params, grads, lr)
    errors, true = _errors(x, y, params, grads, alpha)
    wrong = [n for n, e in zip(NAMES, errors) if e > GRAD_RTOL]
    if not wrong:
        return 1.0, "The gradients your framework's backward left on W1, b1, W2 and b2 are those of the last loss."
    return 0.0, _diagnosis(wrong, true, grads)


def _diagnosis(wrong, true, grads):
    named = ", ".join(f"∂L/∂{n}" for n in wrong)
    t, g = np.concatenate([v.ravel() for v in true]), np.concatenate([v.ravel() for v in grads])
    k = float(t @ g / (t @ t)) if t @ t > 0 else 0.0
    if k and np.linalg.norm(g - k * t) <= 1e-4 * np.linalg.norm(g) and abs(k - 1) > 1e-3:
        return (f"{named} are all {k:.3g}× the gradients of the last loss: look at mean_squared_error's backward "
                "(gy · 2(x0 − x1) / N).")
    if wrong == ["W1", "b1"]:
        return (f"{named} are wrong while ∂L/∂W2 and ∂L/∂b2 are right: the backward between the hidden layer's "
                "output and W1, b1 is wrong; look at sigmoid's backward (gy · y · (1 − y)) and linear's.")
    return (f"{named} are not the gradients of the last loss: check that every parameter's gradient is cleared "
            "each iteration (cleargrads() before loss.backward()) and the backward of linear, sigmoid and "
            "mean_squared_error.")
