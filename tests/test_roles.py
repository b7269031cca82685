"""Roles: the child finds a value by what it is (module, parameter list, callable, array, optimizer),
whatever the submission calls it, and the result says how it was found."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import write_assignment, write_submission

from grader import spec
from grader.engine import Engine
from grader.errors import SpecError
from grader.results import Result

SPEC = """\
name: roles-demo
title: Roles
files: [work.py]
sandbox: {timeout_s: 20, import_timeout_s: 30, preload: [numpy, torch]}
import_errors: continue
roles:
  net:
    kind: callable
    names: [forward]
    probe: {args: [{shape: [3, 4]}], shape: [3, 2]}
    uses: params
    strict: true
  params:
    kind: params
    shapes: [[4, 5], [5], [5, 2], [2]]
  model:
    kind: module
    shapes: [[5, 4], [5], [2, 5], [2]]
  trainer:
    kind: optimizer
  fit: {kind: trained, model: model}
  X:
    kind: array
    shape: [6, 4]
inputs:
  given:
    Z: {value: [[0.5, -1.0, 2.0, 0.0]], dtype: float32, as: tensor}
checks:
  - {id: net-shape, kind: property, call: net(Z), inputs: given, properties: [{shape: [1, 2]}]}
  - {id: params, kind: property, call: params, names: [W1, b1, W2, b2], properties: [{of: b1, shape: [5]}]}
  - {id: model, kind: property, call: "model(Z)", inputs: given, properties: [{shape: [1, 2]}]}
  - {id: decay, kind: property, call: "trainer.param_groups[0]['weight_decay']", properties: [{close_to: 3}]}
  - {id: data, kind: property, call: X, properties: [{shape: [6, 4]}]}
  - {id: fitted, kind: property, call: "fit(Z)(Z)", inputs: given, properties: [{shape: [1, 2]}]}
"""
REFERENCE = """\
import torch
from torch import nn

W1, b1 = torch.zeros(4, 5), torch.zeros(5)
W2, b2 = torch.zeros(5, 2), torch.zeros(2)
params = [W1, b1, W2, b2]
X = torch.ones(6, 4)

def net(X):
    return torch.relu(X @ W1 + b1) @ W2 + b2

model = nn.Sequential(nn.Linear(4, 5), nn.ReLU(), nn.Linear(5, 2))
trainer = torch.optim.SGD(model.parameters(), lr=0.1, weight_decay=3)

def fit(Z):
    return model
"""
OWN_NAMES = """\
import torch
from torch import nn

w_hidden = torch.zeros(4, 5)
b_hidden = torch.zeros(5)
w_out = torch.zeros(5, 2)
b_out = torch.zeros(2)
images = torch.ones(6, 4)

def softmax_like(X):          # maps (3, 4) to (3, 4): not the network
    return X

def mlp(X):
    print("forward!")
    return torch.relu(X @ w_hidden + b_hidden) @ w_out + b_out

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.hidden, self.out = nn.Linear(4, 5), nn.Linear(5, 2)
    def forward(self, X):
        return self.out(torch.relu(self.hidden(X)))

my_model = Net()

def train(wd):
    optimizer = torch.optim.SGD(my_model.parameters(), lr=0.1, weight_decay=wd)
    return optimizer.param_groups[0]["lr"]

train(0)
train(3)
"""
NO_HIDDEN_LAYER = """\
import torch

W = torch.zeros(4, 2)
b = torch.zeros(2)

def net(X):                   # softmax regression: the right output shape, but no hidden layer
    return X @ W + b
"""


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Result]:
    root = tmp_path_factory.mktemp("roles")
    assignment = spec.load(write_assignment(root / "a", SPEC, {"work.py": REFERENCE}))
    subs = {name: write_submission(root / name, {"work.py": code})
            for name, code in (("own", OWN_NAMES), ("flat", NO_HIDDEN_LAYER))}
    with Engine(workers=1, secret="roles", preload=["numpy", "torch"], require=[]) as engine:
        prepared = engine.prepare(assignment)
        results = {name: engine.grade(prepared, path) for name, path in subs.items()}
        results["reference"] = engine.grade(prepared, assignment.reference_dir)
    return results


def _check(result: Result, check_id: str):
    return next(c for c in result.checks if c.id == check_id)


def test_the_reference_uses_its_own_names_and_says_nothing(graded: dict[str, Result]) -> None:
    result = graded["reference"]
    assert result.score == result.max_score
    assert all("found" not in c.details for c in result.checks)


def test_values_under_other_names_are_found_and_the_result_says_how(graded: dict[str, Result]) -> None:
    result = graded["own"]
    assert {c.id: c.status for c in result.checks if c.status != "passed"} == {}
    assert _check(result, "net-shape").details["found"].startswith("mlp (a function that maps inputs of shape (3, 4)")
    assert _check(result, "params").details["found"] == (
        "w_hidden, b_hidden, w_out, b_out (tensors of the shapes (4, 5), (5,), (5, 2), (2,), found by their shapes)")
    assert _check(result, "model").details["found"].startswith("my_model (an nn.Module whose parameters have")
    assert _check(result, "decay").details["found"] == (
        "the SGD optimizer built at work.py line 27 (a torch.optim optimizer the script built, found by its type)")
    assert _check(result, "data").details["found"] == "images (an array of shape (6, 4), found by its shape)"
    assert _check(result, "fitted").details["found"] == (
        "fit is not defined: the script trained its model itself (my_model (an nn.Module whose parameters have the "
        "shapes (5, 4), (5,), (2, 5), (2,), found by its parameter shapes))")
    assert "forward!" not in (result.output or "")   # the probe's prints stay out of the run's output


def test_a_callable_that_skips_the_hidden_layer_is_not_the_network(graded: dict[str, Result]) -> None:
    check = _check(graded["flat"], "net-shape")
    assert check.status == "error"
    assert ("net is not a function that maps inputs of shape (3, 4) to shape (3, 2), through the params tensors, "
            "and nothing else in the submission is") in check.message


def test_a_role_missing_what_its_kind_needs_is_a_spec_error(tmp_path: Path) -> None:
    bad = SPEC.replace("    shape: [6, 4]\n", "")
    with pytest.raises(SpecError, match=r"roles\.X: Value error, an array role needs 'shape'"):
        spec.load(write_assignment(tmp_path / "a", bad, {"work.py": REFERENCE}))


def test_a_script_that_trained_no_model_has_no_training_function(graded: dict[str, Result]) -> None:
    check = _check(graded["flat"], "fitted")
    assert check.status == "error"
    assert "name 'fit' is not defined, and nothing the script trained itself is an nn.Module whose parameters have" \
        in check.message


def test_uses_must_name_a_params_or_module_role(tmp_path: Path) -> None:
    bad = SPEC.replace("    uses: params\n", "    uses: trainer\n")
    with pytest.raises(SpecError, match="'trainer' is not a params or module role"):
        spec.load(write_assignment(tmp_path / "a", bad, {"work.py": REFERENCE}))


def test_the_childs_account_is_kept_as_short_strings_only() -> None:
    from grader.sandbox.protocol import _found

    assert _found({"net": "x" * 500, 3: "not a role name", "params": ["not", "text"]}) == {"net": "x" * 200}
    assert _found(["net"]) is None and _found({}) is None
    assert len(_found({f"r{i}": "y" for i in range(40)}) or {}) == 16
