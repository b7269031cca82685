"""output with ``quantities``: each quantity the oracle gives is found on its own among what a script printed,
at the student's own rounding, whatever the labels and the order; and the torch part of a script, read with ast."""

from __future__ import annotations

import ast
import shutil
from pathlib import Path
from types import SimpleNamespace

import pytest

from grader.checks.base import Evaluation, JudgeContext
from grader.checks.output import Output, OutputSpec
from grader.checks.printed import extract
from grader.checks.quantities import find, groups
from grader.checks.source import Source, SourceSpec, aliases
from grader.checks.torch_part import split

ROOT = Path(__file__).resolve().parents[2]
HOMEWORK = {"x": [0.5, 0.3], "y": [0.23, -0.07], "w": [0.2, -0.4, 0.5, 0.6, 0.1, -0.5, -0.3, 0.8], "lr": 1.0,
            "epochs": 300}
GRADIENTS = ["∂E/∂w5..w8", "∂E/∂w1..w4"]


@pytest.fixture(scope="module")
def assignment(tmp_path_factory) -> SimpleNamespace:
    root = tmp_path_factory.mktemp("bp")
    shutil.copytree(ROOT / "assignments" / "bp-manual" / "hidden", root / "hidden")
    return SimpleNamespace(root=root)


def judge(assignment, text: str, files: dict[str, str] | None = None, **fields):
    spec = OutputSpec(id="printed", kind="output", quantities="hidden/oracle.py:printed", inputs="homework", **fields)
    got = Evaluation(True, {"stdout": [text], "truncated": False, "error": None, "traceback": None, "memory": False})
    raw = {k: v.encode() for k, v in (files or {}).items()}
    return Output().judge(spec, JudgeContext([got], [got], [HOMEWORK], raw, 1e-6, 1e-6, None, assignment))


RIGHT = ("第1轮 输出: 0.4769 0.5287  损失: 0.21\n"
         "梯度 w5-w8: 0.0346 0.0839 0.0305 0.0738\n"
         "梯度 w1-w4: -0.0084 0.0126 -0.0051 0.0076\n"
         "更新后: [ 0.2084 -0.4126  0.5051  0.5924  0.0654 -0.5839 -0.3305  0.7262]\n")


def test_right_numbers_pass_whatever_the_labels_order_and_rounding(assignment) -> None:
    verdict = judge(assignment, RIGHT, groups=["the prediction o1, o2", "the loss E", *GRADIENTS,
                                               "w1..w4 after one step", "w5..w8 after one step"])
    assert verdict.status == "passed", verdict.message
    assert verdict.details["found_by"] == "the numbers the script printed"


def test_a_quantity_in_the_matrix_layout_is_found() -> None:
    group = groups({"g": {"values": [1.0, 2.0, 3.0, 4.0], "orders": [[0, 2, 1, 3]]}})[0]
    assert find(extract("tensor([[1.0, 3.0],\n [2.0, 4.0]])"), group, 1, 1e-6, 0).ok
    assert not find(extract("[[1.0, 4.0], [2.0, 3.0]]"), group, 1, 1e-6, 0).ok


def test_too_few_digits_to_tell_is_said(assignment) -> None:
    verdict = judge(assignment, "grads: 0.03 0.08 0.03 0.07 -0.01 0.01 -0.01 0.01\n", groups=GRADIENTS)
    assert verdict.status == "passed"
    assert "too few digits" in verdict.message and verdict.details["too_few_digits"] == GRADIENTS


def test_a_wrong_by_hand_gradient_is_named_with_its_factor_even_if_torch_prints_it_right(assignment) -> None:
    wrong = "numpy: 0.034633 0.083866 0.030495 0.073845 -0.034215 0.050432 -0.020529 0.030259\n"
    torch_right = "torch: 0.0346 0.0839 0.0305 0.0738 -0.0084 0.0126 -0.0051 0.0076\n"
    by_hand = judge(assignment, wrong + torch_right, groups=GRADIENTS)
    assert by_hand.status == "partial" and by_hand.score_fraction == 0.5
    assert by_hand.message.startswith("∂E/∂w1..w4 wrong (about 4.03× the true values): the hidden layer's sigmoid "
                                      "derivative h·(1−h) is missing."), by_hand.message
    torch = judge(assignment, wrong + torch_right, groups=GRADIENTS, occurrences=2, torch_half=True,
                  files={"bp.py": "import numpy as np\nw = np.ones(8)\nimport torch\nt = torch.ones(8)\n"})
    assert torch.status == "passed", torch.message


def test_an_uphill_step_is_named(assignment) -> None:
    verdict = judge(assignment, "w: 0.191579 -0.387393 0.494947 0.607564 0.134633 -0.416134 -0.269505 0.873845\n",
                    groups=["w1..w4 after one step", "w5..w8 after one step"])
    assert verdict.status == "failed"
    assert "the step goes uphill (w + lr·∂E/∂w instead of w − lr·∂E/∂w)" in verdict.message


def test_training_reports_the_most_epochs_printed_and_ignores_one_step(assignment) -> None:
    import importlib.util
    spec = importlib.util.spec_from_file_location("oracle", assignment.root / "hidden" / "oracle.py")
    oracle = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(oracle)   # type: ignore[union-attr]
    rows = oracle.printed(**HOMEWORK)["w1..w8 after training"]["rows"]
    line = " ".join(f"{v:.4f}" for v in rows[250])
    one = " ".join(f"{v:.4f}" for v in rows[1])
    verdict = judge(assignment, f"final {line}\ntorch one step {one}\n", groups=["w1..w8 after training"])
    assert verdict.status == "passed" and verdict.details["epochs_trained"] == 250, verdict.message
    assert judge(assignment, f"torch one step {one}\n", groups=["w1..w8 after training"]).status == "failed"


def test_by_hand_quantities_need_a_numpy_part(assignment) -> None:
    torch_only = {"bp.py": "import torch\nw = torch.ones(8, requires_grad=True)\n(w * w).sum().backward()\n"}
    verdict = judge(assignment, RIGHT, files=torch_only, groups=["the prediction o1, o2"], by_hand=True)
    assert verdict.status == "failed" and "no NumPy part" in verdict.message


def test_a_hidden_quantity_check_names_quantities_only(assignment) -> None:
    wrong = "0.034633 0.083866 0.030495 0.073845 -0.034215 0.050432 -0.020529 0.030259\n"
    verdict = judge(assignment, wrong, groups=GRADIENTS, visibility="hidden")
    assert verdict.message == "∂E/∂w1..w4: not printed, or wrong. Right: ∂E/∂w5..w8."
    assert "printed_numbers" not in verdict.details


def test_an_oracle_without_the_named_quantity_is_the_assignments_fault(assignment) -> None:
    verdict = judge(assignment, RIGHT, groups=["the velocity"])
    assert verdict.status == "error" and "fix the assignment" in verdict.message


# ------------------------------------------------------------------ the torch part of a script

SCRIPT = """\
import numpy as np
import torch
import torch.nn as nn
w = np.array([0.2, -0.4])
for epoch in range(3):
    g = w * (1 - w)
    w = w - g
    print(w)
wt = torch.tensor(w, requires_grad=True)
loss = (wt ** 2).sum()
loss.backward()
net = nn.Linear(2, 2)
print(wt.grad)
"""


def test_the_script_splits_into_a_numpy_part_and_a_torch_part() -> None:
    tree = ast.parse(SCRIPT)
    numpy_part, torch_part = split(tree, aliases(tree))
    assert [ast.unparse(u) for u in torch_part] == [
        "import torch", "import torch.nn as nn", "wt = torch.tensor(w, requires_grad=True)", "loss = (wt ** 2).sum()",
        "loss.backward()", "net = nn.Linear(2, 2)", "print(wt.grad)"]
    assert "g = w * (1 - w)" in [ast.unparse(u) for u in numpy_part]


def source(code: str, **fields):
    spec = SourceSpec(id="rule", kind="source", **fields)
    return Source().judge(spec, JudgeContext([], [], [], {"bp.py": code.encode()}, None, None))


RULE = {"forbid_imports": ["torch.autograd"], "forbid_calls": [".backward", "torch.autograd.*"],
        "forbid_attributes": ["requires_grad", "requires_grad_"]}


def test_the_by_hand_rule_skips_the_torch_half_and_catches_autograd_in_numpy_code() -> None:
    assert source(SCRIPT, outside_torch=True, **RULE).status == "passed"
    assert source(SCRIPT, **RULE).status == "failed"                      # the whole file: the torch half breaks it
    cheat = SCRIPT + "import torch.autograd as ag\ngrad = ag.grad\n"
    assert source(cheat, outside_torch=True, **RULE).status == "passed"   # a torch name: in the torch part by design
    smuggled = SCRIPT.replace("    w = w - g\n", "    w = w - g\n    v = getattr(w, 'back' + 'ward')\n")
    assert source(smuggled, outside_torch=True, **RULE).status == "failed"


def test_the_by_hand_rule_earns_nothing_without_numpy_code() -> None:
    verdict = source("import torch\nw = torch.ones(2, requires_grad=True)\n(w * w).sum().backward()\n",
                     outside_torch=True, **RULE)
    assert verdict.status == "failed" and "no NumPy part" in verdict.message


def test_require_calls() -> None:
    assert source(SCRIPT, require_calls=[".backward", "torch.autograd.grad"]).status == "passed"
    assert source("import torch as T\nT.autograd.grad(1, 2)\n", require_calls=["torch.autograd.grad"]).status == "passed"
    missing = source("import numpy as np\nprint(np.ones(2))\n", require_calls=[".backward"])
    assert missing.status == "failed" and "never calls .backward" in missing.message
