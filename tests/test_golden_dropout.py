"""dropout: the reference's statistics and the stated false-alarm rate; the examples' pins are in tests/golden/dropout.yaml."""

from __future__ import annotations

import importlib.util
import inspect

import pytest
import torch
from conftest import ROOT

from grader import api
from grader.checks import expr as ex

NAME = "dropout"

def _load(folder: str, name: str):
    spec = importlib.util.spec_from_file_location(name, ROOT / "assignments" / NAME / folder / "dropout.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def ref():
    return _load("reference", "dropout_reference")


@pytest.fixture(scope="module")
def assignment():
    return api.load_assignment(ROOT / "assignments" / NAME)


def test_reference_dropout(ref) -> None:
    X = torch.rand(200, 500) + 0.5
    assert torch.equal(ref.dropout_layer(X, 0.0), X) and torch.equal(ref.dropout_layer(X, 1.0), torch.zeros_like(X))
    out = ref.dropout_layer(X, 0.3)
    kept = out != 0
    torch.testing.assert_close(out[kept], X[kept] / 0.7)
    assert abs(float((~kept).float().mean()) - 0.3) <= ex.hoeffding(X.numel(), 1, 2e-8)


def test_reference_weight_decay_matches_torch_optim(ref) -> None:
    gen = torch.Generator().manual_seed(3)
    X, y = torch.randn(8, 5, generator=gen), torch.randn(8, 1, generator=gen)
    w, b = torch.randn(5, 1, generator=gen), torch.randn(1, generator=gen)
    w1, b1 = ref.sgd_weight_decay_step(X, y, w, b, 0.1, 3.0)
    wp, bp = w.clone().requires_grad_(True), b.clone().requires_grad_(True)
    optimiser = torch.optim.SGD([{"params": [wp], "weight_decay": 3.0}, {"params": [bp]}], lr=0.1)
    (((X @ wp + bp - y) ** 2) / 2).mean().backward()
    optimiser.step()
    torch.testing.assert_close(w1, wp.detach())
    torch.testing.assert_close(b1, bp.detach())


def test_stated_false_alarm_rate_is_below_one_in_a_million(assignment) -> None:
    statistical = 0
    for check in assignment.checks:
        repeats = check.inputs.get("cases", 1) if isinstance(getattr(check, "inputs", None), dict) else 1
        for prop in getattr(check, "properties", []):
            if isinstance(prop.atol, str) and "hoeffding" in prop.atol:
                assert prop.atol.endswith(", 2e-8)")
                statistical += repeats
    assert statistical == 12
    identity_runs = 2 * 4 * 2.0 ** -24          # two p = 0 runs of four elements, rand() == 0 drops one
    assert statistical * 2e-8 + identity_runs < 1e-6
    assert "7.2e-7 < 1e-6" in (ROOT / "assignments" / NAME / "assignment.yaml").read_text()


def test_starter_has_the_reference_signatures(ref) -> None:
    starter = _load("starter", "dropout_starter")
    for name, func in inspect.getmembers(ref, inspect.isfunction):
        if func.__module__ == ref.__name__:
            assert inspect.signature(getattr(starter, name)) == inspect.signature(func)
    with pytest.raises(NotImplementedError):
        starter.dropout_layer(torch.ones(2), 0.5)


