import torch
import torch.nn.functional as F


def mse(o: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """torch.nn.MSELoss (mean reduction) of the outputs o against the targets y."""
    return torch.nn.MSELoss()(o, y)


def cross_entropy(Z: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """torch.nn.functional.cross_entropy of logits Z (N, C) and class indices (sent as floats)."""
    return F.cross_entropy(Z, labels.long())


def network_ce(x: torch.Tensor, label: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
    """Cross-entropy of the 2-2-2 network's logits (sigmoid hidden layer, no sigmoid on the outputs)."""
    h1 = torch.sigmoid(w[0] * x[0] + w[2] * x[1])
    h2 = torch.sigmoid(w[1] * x[0] + w[3] * x[1])
    z = torch.stack([w[4] * h1 + w[6] * h2, w[5] * h1 + w[7] * h2])
    return F.cross_entropy(z[None, :], label.long().reshape(1))
