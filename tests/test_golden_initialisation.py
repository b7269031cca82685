"""initialisation: the reference's draws and experiments and the stated false-alarm rate; the examples' pins
are in tests/golden/initialisation.yaml."""

from __future__ import annotations

import importlib.util
import inspect
import math
import re

import pytest
import torch
from conftest import ROOT

from grader import api
from grader.checks import expr as ex

NAME = "initialisation"


def _load(folder: str, name: str):
    spec = importlib.util.spec_from_file_location(name, ROOT / "assignments" / NAME / folder / "init.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def ref():
    return _load("reference", "init_reference")


@pytest.fixture(scope="module")
def assignment():
    return api.load_assignment(ROOT / "assignments" / NAME)


def test_reference_draws_have_the_stated_moments(ref) -> None:
    torch.manual_seed(0)
    W = ref.xavier_uniform(400, 600).double()
    a = math.sqrt(6 / 1000)
    assert W.shape == (400, 600) and W.abs().max() <= a
    assert abs(float((W ** 2).mean()) / a ** 2 - 1 / 3) <= ex.hoeffding(W.numel(), 1, 1e-8)
    W = ref.xavier_normal(400, 600).double()
    assert abs(float((W ** 2).mean()) / (2 / 1000) - 1) < 0.02
    assert math.isclose(math.erfc(math.sqrt(2)), 0.0455003, abs_tol=1e-7)   # P(|N(0,1)| > 2)


def test_reference_symmetry(ref) -> None:
    X, y = torch.randn(16, 4), torch.randn(16, 3)
    params, losses = ref.train(X, y, ref.init_params("constant", 4, 6, 3, 0.3), 0.5, 20)
    W1 = params[0]
    assert torch.allclose(W1, W1[:, :1].expand_as(W1), atol=1e-6) and len(losses) == 20


def test_stated_false_alarm_rate_is_below_one_in_a_million(assignment) -> None:
    tests = 0
    for check in assignment.checks:
        cases = assignment.input_sets[check.inputs].cases if isinstance(getattr(check, "inputs", None), str) else 1
        for prop in getattr(check, "properties", []):
            texts = [t for t in prop.expressions() if re.search(r"(hoeffding|z_bound|chi2_low)\(", t)]
            if texts:
                assert all("1e-8" in t for t in texts)
                tests += cases
    assert tests == 26 and tests * 1e-8 < 1e-6


def test_starter_has_the_reference_signatures(ref) -> None:
    starter = _load("starter", "init_starter")
    for name, func in inspect.getmembers(ref, inspect.isfunction):
        if func.__module__ == ref.__name__:
            assert inspect.signature(getattr(starter, name)) == inspect.signature(func)
    with pytest.raises(NotImplementedError):
        starter.xavier_normal(2, 3)


