"""The reference forward passes the grader predicts with (``predict: reference``) agree with torch's layers."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from grader import forwards


@pytest.mark.parametrize("hidden", [256, 17])
def test_the_forwards_match_the_networks_they_name(hidden: int) -> None:
    torch.manual_seed(0)
    images = torch.randint(0, 256, (50, 28, 28), dtype=torch.uint8)
    X = images.float().div(255).unsqueeze(1)
    concise = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(784, hidden), torch.nn.ReLU(), torch.nn.Linear(hidden, 10))
    arrays = [p.detach().numpy() for p in concise.parameters()]
    checked = forwards.validate("mlp-linear", arrays)
    assert not isinstance(checked, str)
    got = forwards.logits("mlp-linear", checked, images.numpy())
    np.testing.assert_allclose(got, concise(X).detach().numpy(), rtol=1e-5, atol=1e-5)
    scratch = [arrays[0].T, arrays[1], arrays[2].T, arrays[3]]
    checked = forwards.validate("mlp", scratch)
    assert not isinstance(checked, str)
    np.testing.assert_allclose(forwards.logits("mlp", checked, images.numpy()), got, rtol=1e-5, atol=1e-5)


def test_validate_refuses_other_counts_shapes_widths_and_dtypes() -> None:
    W1, b1, W2, b2 = np.zeros((784, 8)), np.zeros(8), np.zeros((8, 10)), np.zeros(10)
    assert not isinstance(forwards.validate("mlp", [W1, b1, W2, b2]), str)
    assert "gave 3 parameter arrays" in str(forwards.validate("mlp", [W1, b1, W2]))
    assert "one hidden width" in str(forwards.validate("mlp", [W1, np.zeros(9), np.zeros((9, 10)), b2]))
    assert "one hidden width" in str(forwards.validate("mlp", [np.zeros((784, 5000)), np.zeros(5000), np.zeros((5000, 10)), b2]))
    assert "needs W1 (784, H)" in str(forwards.validate("mlp", [W1.T, b1, W2, b2]))
    assert "not real numbers" in str(forwards.validate("softmax", [np.zeros((784, 10), bool), np.zeros(10)]))


def test_cross_entropy_of_uniform_logits_is_ln_10() -> None:
    assert forwards.cross_entropy(np.zeros((4, 10), np.float32), np.array([0, 1, 2, 3])) == pytest.approx(np.log(10))
