"""losses: the reference against PyTorch; the examples' pins are in tests/golden/losses.yaml."""

from __future__ import annotations

import importlib.util
import inspect

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from conftest import ROOT

NAME = "losses"


def _load(folder: str, name: str):
    spec = importlib.util.spec_from_file_location(name, ROOT / "assignments" / NAME / folder / "losses.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def ref():
    return _load("reference", "losses_reference")


@pytest.fixture(scope="module")
def graded(golden_results):
    return golden_results(NAME)   # graded once per session (conftest), pinned in tests/golden/losses.yaml


def test_reference_matches_pytorch_on_extreme_logits(ref) -> None:
    rng = np.random.default_rng(1)
    for scale in (1.0, 1000.0):
        Z, labels = rng.uniform(-scale, scale, (16, 7)), rng.integers(0, 7, 16)
        zt = torch.tensor(Z, requires_grad=True)
        expected = F.cross_entropy(zt, torch.tensor(labels))
        (grad,) = torch.autograd.grad(expected, zt)
        assert ref.cross_entropy(Z, labels) == pytest.approx(expected.item(), rel=1e-12)
        np.testing.assert_allclose(ref.cross_entropy_grad(Z, labels), grad.numpy(), rtol=0, atol=1e-15)
        np.testing.assert_allclose(ref.softmax(Z), torch.softmax(torch.tensor(Z), -1).numpy(), rtol=1e-12, atol=1e-300)
        assert np.all(np.isfinite(ref.log_softmax(Z)))


def test_mse_is_two_over_n_times_half_sse(ref) -> None:
    o, y = np.array([0.476946, 0.528696]), np.array([0.23, -0.07])
    assert ref.mse(o, y) == pytest.approx(ref.half_sse(o, y), rel=1e-15)
    rng = np.random.default_rng(2)
    o, y = rng.uniform(size=5), rng.uniform(size=5)
    assert ref.mse(o, y) == pytest.approx(2 / 5 * ref.half_sse(o, y), rel=1e-12)
    x, W1, W2 = np.array([0.5, 0.3]), np.array([[0.2, 0.5], [-0.4, 0.6]]), np.array([[0.1, -0.3], [-0.5, 0.8]])
    half, mse = ref.network_losses(x, np.array([0.23, -0.07]), W1, W2)
    assert half == pytest.approx(0.209710, abs=1e-6) and mse == pytest.approx(half, rel=1e-15)


def test_starter_has_the_reference_signatures(ref) -> None:
    starter = _load("starter", "losses_starter")
    for name, func in inspect.getmembers(ref, inspect.isfunction):
        if func.__module__ == ref.__name__ and not name.startswith("_"):   # private helpers are the reference's own
            assert inspect.signature(getattr(starter, name)) == inspect.signature(func)
    with pytest.raises(NotImplementedError):
        starter.softmax(np.zeros((1, 2)))


def test_a_notebook_runs_top_to_bottom_with_its_plot(graded) -> None:
    result = graded["notebook.ipynb"]   # its full marks: tests/golden/losses.yaml
    assert result.output["stdout"].count("MSE loss = 0.2097") == 2   # imported, then run for the output check
    assert "non-interactive" not in result.output.get("stderr", "")


def test_part_4_matches_torch_autograd_on_the_homework_network(ref) -> None:
    x, w = np.array([0.5, 0.3]), np.array([0.2, -0.4, 0.5, 0.6, 0.1, -0.5, -0.3, 0.8])
    tw = torch.tensor(w, requires_grad=True)
    h = torch.sigmoid(torch.stack([tw[0] * x[0] + tw[2] * x[1], tw[1] * x[0] + tw[3] * x[1]]))
    z = torch.stack([tw[4] * h[0] + tw[6] * h[1], tw[5] * h[0] + tw[7] * h[1]])
    loss = F.cross_entropy(z[None, :], torch.tensor([0]))
    loss.backward()
    assert ref.network_ce(x, 0, w) == pytest.approx(float(loss), rel=1e-12) == pytest.approx(0.8021, abs=1e-4)
    assert np.allclose(ref.network_ce_grad(x, 0, w), tw.grad.numpy(), rtol=1e-10, atol=1e-12)
    _final, losses = ref.train_ce(x, 0, w, 0.5, 5)
    assert len(losses) == 5 and all(b < a for a, b in zip(losses, losses[1:])) and np.array_equal(w, [0.2, -0.4, 0.5, 0.6, 0.1, -0.5, -0.3, 0.8])


