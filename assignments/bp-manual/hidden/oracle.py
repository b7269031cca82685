import numpy as np
import torch


def loss(x: torch.Tensor, y: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
    """Scalar loss E = 0.5 * sum((o - y)**2) of the 2-2-2 sigmoid network, in torch ops.

    x, y: float64 tensors of shape (2,); w: float64 tensor of shape (8,) holding
    w1..w8 (w[0] = w1, ..., w[7] = w8), typically with requires_grad=True so that
    torch.autograd.grad(loss(x, y, w), w) gives dE/dw1 .. dE/dw8.
    """
    h1 = torch.sigmoid(w[0] * x[0] + w[2] * x[1])
    h2 = torch.sigmoid(w[1] * x[0] + w[3] * x[1])
    o1 = torch.sigmoid(w[4] * h1 + w[6] * h2)
    o2 = torch.sigmoid(w[5] * h1 + w[7] * h2)
    return 0.5 * ((o1 - y[0]) ** 2 + (o2 - y[1]) ** 2)


def _numpy_step(x: np.ndarray, y: np.ndarray, w: np.ndarray) -> dict[str, np.ndarray]:
    """One forward and backward pass of the same network in NumPy, with the classic mistakes beside it."""
    h = 1 / (1 + np.exp(-np.array([w[0] * x[0] + w[2] * x[1], w[1] * x[0] + w[3] * x[1]])))
    o = 1 / (1 + np.exp(-np.array([w[4] * h[0] + w[6] * h[1], w[5] * h[0] + w[7] * h[1]])))
    W2 = np.array([[w[4], w[6]], [w[5], w[7]]])
    d_o = (o - y) * o * (1 - o)
    d_o_bug = (o - y) * h * (1 - h)           # the output layer given the hidden layer's derivative
    flat = [(0, 0), (1, 0), (0, 1), (1, 1)]   # (unit, input) of w1..w4 and of w5..w8

    def grads(d_out: np.ndarray, d_hidden: np.ndarray) -> np.ndarray:
        return np.array([d_hidden[j] * x[i] for j, i in flat] + [d_out[k] * h[j] for k, j in flat])

    return {"h": h, "o": o, "E": np.array([0.5 * np.sum((o - y) ** 2)]),
            "g": grads(d_o, (W2.T @ d_o) * h * (1 - h)),
            "g_no_hidden_derivative": grads(d_o, W2.T @ d_o),
            "g_output_hidden_derivative": grads(d_o_bug, (W2.T @ d_o_bug) * h * (1 - h))}


def printed(x: list[float], y: list[float], w: list[float], lr: float, epochs: int) -> dict[str, object]:
    """What a student's script prints for this network, as the ``output`` kind's quantities: the first
    epoch's prediction, loss, gradients and weights after one step (each in the order w1..w4 or as
    the matrix [[w1, w3], [w2, w4]] that nn.Linear and ``W @ x`` print), and the weights after every
    epoch of training up to ``epochs``. Known mistakes are given by what they break."""
    x_, y_, w0 = (np.asarray(v, dtype=np.float64) for v in (x, y, w))
    first = _numpy_step(x_, y_, w0)
    matrix = [[0, 2, 1, 3]]
    g = first["g"]
    rows = [w0]
    for _ in range(int(epochs)):
        rows.append(rows[-1] - lr * _numpy_step(x_, y_, rows[-1])["g"])
    no_dh, out_dh = first["g_no_hidden_derivative"], first["g_output_hidden_derivative"]
    return {
        "the prediction o1, o2": first["o"],
        "the loss E": first["E"],
        "∂E/∂w5..w8": {"values": g[4:], "orders": matrix, "mistakes": {
            "the output layer uses the hidden layer's derivative h·(1−h) instead of o·(1−o)": out_dh[4:]}},
        "∂E/∂w1..w4": {"values": g[:4], "orders": matrix, "mistakes": {
            "the hidden layer's sigmoid derivative h·(1−h) is missing": no_dh[:4],
            "it follows from a wrong output-layer δ (o·(1−o) replaced by h·(1−h))": out_dh[:4]}},
        "w1..w4 after one step": {"values": w0[:4] - lr * g[:4], "orders": matrix, "mistakes": {
            "the step goes uphill (w + lr·∂E/∂w instead of w − lr·∂E/∂w)": w0[:4] + lr * g[:4]}},
        "w5..w8 after one step": {"values": w0[4:] - lr * g[4:], "orders": matrix, "mistakes": {
            "the step goes uphill (w + lr·∂E/∂w instead of w − lr·∂E/∂w)": w0[4:] + lr * g[4:]}},
        "w1..w8 after training": {"rows": np.array(rows)},
    }
