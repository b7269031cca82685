"""Judges for dezero-step43, run in the grader on plain data the student's run returned.

``fit`` scores the trained network's predictions against the curve the data was drawn around;
``gradients`` re-derives, in NumPy, the gradients of the loss on the script's x, y at the trained
parameters and compares them with those the student's own framework's backward computed.
"""

import numpy as np

FIT_FULL = 0.05   # a correct fit: 0.007 to 0.018 over 20 data seeds (10,000 steps, lr 0.2)
FIT_HALF = 0.10   # nearly there; an unfitted network (a constant) is about 0.5
GRAD_RTOL = 1e-7      # float64 parameters
GRAD_RTOL_32 = 1e-4   # float32 ones (the book's L.Linear's default dtype)
LEFT_APART = 0.5      # correct runs: about 7e-5; gradients never cleared: about 9
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
                        "update (W.data -= lr * W.grad.data), the learning rate, the number of iterations and "
                        "that the gradients are cleared every iteration (cleargrads()).")


def _grads(x, y, params):
    """∂L/∂(W1, b1, W2, b2) of L = mean((sigmoid(x W1 + b1) W2 + b2 − y)²), by hand."""
    W1, b1, W2, b2 = params
    h = 0.5 * np.tanh(0.5 * (x @ W1 + b1)) + 0.5   # sigmoid, without overflow for large weights
    d = 2 * (h @ W2 + b2 - y) / len(x)
    dz = (d @ W2.T) * h * (1 - h)
    return [x.T @ dz, dz.sum(0), h.T @ d, d.sum(0)]


def _errors(x, y, params, grads):
    """Each parameter's gradient error, relative to the size of the whole true gradient (a scalar
    b2's tiny gradient is not held to more digits than the rest)."""
    true = _grads(x, y, params)
    scale = float(np.sqrt(sum(np.sum(t ** 2) for t in true))) + 1e-300
    return [float(np.linalg.norm(t - g)) / scale for t, g in zip(true, grads)], true


def _arrays(items):
    single = any(np.asarray(v).dtype.kind == "f" and np.asarray(v).dtype.itemsize < 8 for v in items[2:])
    return [np.asarray(v, dtype=float) for v in items], GRAD_RTOL_32 if single else GRAD_RTOL


def _unpack(got):
    """(gradients the script left or None, x, y, params, fresh gradients, tolerance) from the list
    the check's call returns, or a message."""
    items = list(got) if isinstance(got, (list, tuple)) else []
    if len(items) < 14:
        return "the check could not read x, y, the four parameters and their gradients"
    left, items = items[:4], items[-10:]
    if any(v is None for v in items[6:]):
        missing = [n for n, v in zip(NAMES, items[6:]) if v is None]
        return f"{', '.join(missing)} got no gradient from loss.backward()"
    try:
        (x, y, *rest), rtol = _arrays(items)
        left = None if any(v is None for v in left) else [np.asarray(v, dtype=float) for v in left]
    except (TypeError, ValueError):
        return "x, y, the parameters or their gradients are not arrays of numbers"
    params, grads = rest[:4], rest[4:]
    x, y = x.reshape(-1, 1), y.reshape(-1, 1)
    hidden = params[0].size
    shapes = [(1, hidden), (hidden,), (hidden, 1), (1,)]
    sizes_ok = all(p.size == int(np.prod(s)) and g.size == p.size for p, g, s in zip(params, grads, shapes))
    if not sizes_ok or len(x) != len(y) or (left is not None and any(a.size != p.size for a, p in zip(left, params))):
        return "the parameters do not have the shapes of a 1-H-1 network (W1 (1, H), b1 (H,), W2 (H, 1), b2 (1,))"
    shaped = [[v.reshape(s) for v, s in zip(group, shapes)] for group in (params, grads, left or params)]
    return (left and shaped[2]), x, y, shaped[0], shaped[1], rtol


def gradients(got, expected, inputs):
    """The student's backward run by the check on the trained network and the script's x, y: right
    (0.75 of the points), and the gradients the script itself left were those of one step (0.25)."""
    unpacked = _unpack(got)
    if isinstance(unpacked, str):
        return 0.0, unpacked[0].upper() + unpacked[1:] + "."
    left, x, y, params, grads, rtol = unpacked
    if not all(np.all(np.isfinite(v)) for v in [*params, *grads]):
        return 0.0, ("The trained parameters or their gradients are not finite (training diverged), so the "
                     "gradients cannot be checked.")
    errors, true = _errors(x, y, params, grads)
    wrong = [n for n, e in zip(NAMES, errors) if e > rtol]
    if wrong:
        return 0.0, _diagnosis(wrong, true, grads)
    said = "Your framework's backward gives the right gradients for W1, b1, W2 and b2 on the trained network."
    if left is not None:
        # after a correct run the last step's gradients (taken one small step earlier) differ from
        # these by about 1e-4 of their size; accumulated ones by several times it
        apart = _norm([a - g for a, g in zip(left, grads)]) / (_norm(grads) + 1e-300)
        if not np.isfinite(apart) or apart > LEFT_APART:
            return 0.75, (said + " But the gradients your script left after its last step are not one step's "
                          f"(they differ from it by {apart:.3g}× its size): they accumulated over the iterations. "
                          "Clear them every iteration (cleargrads() before loss.backward()).")
    return 1.0, said


def _norm(arrays):
    return float(np.sqrt(sum(np.sum(a ** 2) for a in arrays)))


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
