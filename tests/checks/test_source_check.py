"""source: rules read from the code, never by running it."""

from grader.checks.base import JudgeContext
from grader.checks.source import Source, SourceSpec

RULES = dict(forbid_imports=["torch.autograd"], forbid_calls=[".backward", "torch.autograd.*"],
             forbid_attributes=["requires_grad"])


def judge(code: str, **kw):
    spec = SourceSpec(id="no-autograd", kind="source", **{**RULES, **kw})
    return Source().judge(spec, JudgeContext([], [], [], {"bp.py": code.encode()}, None, None))


def test_plain_numpy_code_passes() -> None:
    assert judge("import numpy as np\ndef backward(x):\n    return np.zeros(8)\nbackward(1)\n").status == "passed"


def test_method_backward_call_fails_with_line() -> None:
    outcome = judge("import torch\n\ndef backward(w):\n    loss = (w * w).sum()\n    loss.backward()\n")
    assert outcome.status == "failed" and "bp.py:5: calls loss.backward()" in outcome.message


def test_autograd_import_and_calls_fail() -> None:
    outcome = judge("from torch.autograd import grad\nimport torch\ng = torch.autograd.grad(1, 2)\n")
    assert "bp.py:1: imports torch.autograd" in outcome.message
    assert "bp.py:3: calls torch.autograd.grad()" in outcome.message


def test_requires_grad_attribute_fails() -> None:
    assert "uses .requires_grad" in judge("w = 1\nw.requires_grad = True\n").message


def test_scope_limited_to_functions() -> None:
    code = "import torch\ntorch.ones(1).backward()\ndef backward(x):\n    return x\n"
    assert judge(code, functions=["backward"]).status == "passed"


def test_syntax_error_is_an_error_not_a_crash() -> None:
    outcome = judge("def f(:\n")
    assert outcome.status == "error" and "cannot be parsed" in outcome.message


def test_missing_file_is_an_error() -> None:
    spec = SourceSpec(id="s", kind="source", files=["other.py"])
    outcome = Source().judge(spec, JudgeContext([], [], [], {}, None, None))
    assert outcome.status == "error" and "other.py is missing" in outcome.message
