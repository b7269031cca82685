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
