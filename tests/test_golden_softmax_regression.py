"""softmax-regression (d2l 3.6): the reference against the book's definitions; the examples' pins
are in tests/golden/softmax-regression.yaml."""

from __future__ import annotations

import importlib.util
import inspect

import pytest
import torch
from conftest import ROOT

NAME = "softmax-regression"


def _load(folder: str, name: str):
    spec = importlib.util.spec_from_file_location(name, ROOT / "assignments" / NAME / folder / "softmax_regression.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def ref():
    return _load("reference", "softmax_regression_reference")


def test_reference_follows_the_book(ref) -> None:
    gen = torch.Generator().manual_seed(0)
    X, y = torch.randn(8, 1, 2, 3, generator=gen), torch.tensor([0, 1, 2, 0, 1, 2, 0, 1])
    W, b = torch.normal(0, 0.01, (6, 3), generator=gen), torch.zeros(3)
    y_hat = ref.net(X, W, b)
    torch.testing.assert_close(y_hat.sum(1), torch.ones(8))
    torch.testing.assert_close(y_hat, torch.softmax(X.reshape(8, 6) @ W + b, dim=1))
    torch.testing.assert_close(ref.cross_entropy(y_hat, y).mean(), torch.nn.functional.cross_entropy(X.reshape(8, 6) @ W + b, y))
    assert ref.accuracy(y_hat, y) == float((y_hat.argmax(1) == y).sum()) == ref.accuracy(y_hat.argmax(1), y)
    W1, b1 = ref.sgd_step(X, y, W, b, 0.5)
    model = torch.nn.Linear(6, 3)
    with torch.no_grad():
        model.weight.copy_(W.T)
        model.bias.copy_(b)
    optimiser = torch.optim.SGD(model.parameters(), lr=0.5)
    torch.nn.functional.cross_entropy(model(X.reshape(8, 6)), y).backward()   # mean loss = sum / batch size
    optimiser.step()
    torch.testing.assert_close(W1, model.weight.detach().T)
    torch.testing.assert_close(b1, model.bias.detach())


def test_starter_has_the_reference_signatures(ref) -> None:
    starter = _load("starter", "softmax_regression_starter")
    for name, func in inspect.getmembers(ref, inspect.isfunction):
        if func.__module__ == ref.__name__:
            assert inspect.signature(getattr(starter, name)) == inspect.signature(func)
    with pytest.raises(NotImplementedError):
        starter.softmax(torch.zeros(1, 2))


