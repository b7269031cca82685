"""source: rules read from the code, never by running it."""

from grader.checks.base import JudgeContext
from grader.checks.source import Source, SourceSpec, forbids_autograd

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


def test_code_not_written_yet_earns_no_points() -> None:
    """An untouched starter breaks no rule, but must not score the rule's points either (a bug fixed here)."""
    starter = ('def forward(x):\n    """Forward pass."""\n    raise NotImplementedError\n\n'
               'def backward(x):\n    ...\n\ndef update(w):\n    raise NotImplementedError("fill me in")\n')
    outcome = judge(starter)
    assert outcome.status == "failed" and outcome.score_fraction == 0
    assert outcome.message.startswith("Not written yet: forward, backward, update still raise NotImplementedError")
    done = starter.replace('raise NotImplementedError\n\ndef', 'return x\n\ndef', 1).replace("    ...\n", "    return x\n")
    assert judge(done).details["unfinished"] == ["update"]
    assert judge(done, functions=["forward", "backward"]).status == "passed"


def test_only_the_files_the_spec_names_are_inspected(engine, tmp_path) -> None:
    """A student's repository also holds the bundle's starter copy: it is not their work (a bug fixed here)."""
    from conftest import ROOT, write_submission

    from grader import api

    assignment = api.load_assignment(ROOT / "assignments" / "bp-manual")
    prepared = engine.prepare(api.public_only(assignment))
    (tmp_path / "repo" / ".grader" / "starter").mkdir(parents=True)
    work = write_submission(tmp_path / "repo", {"bp.py": (ROOT / "submissions/bp-manual/correct/bp.py").read_text(),
                                                ".grader/starter/bp.py": "def forward(x, w):\n    raise NotImplementedError\n",
                                                "scratch.py": "import torch\ntorch.ones(1).backward()\n"})
    result = engine.grade(prepared, work)
    assert {c.id: c.status for c in result.checks}["no-autograd"] == "passed"


def test_the_text_shortcut_never_hides_a_forbidden_construct() -> None:
    """Skipping the tree walk when no forbidden name occurs in the text is exact: every pattern's
    last identifier must be spelled out for the rule to match."""
    import ast

    from grader.checks.source import SourceSpec, could_violate, violations

    spec = SourceSpec.model_validate({"id": "s", "kind": "source", "forbid_imports": ["torch.autograd"],
                                      "forbid_calls": [".backward", "torch.autograd.*", "F.relu"],
                                      "forbid_attributes": ["requires_grad"]})
    for code in ("from torch import autograd\n", "import torch.autograd as ag\n", "loss.backward()\n",
                 "torch.autograd.grad(y, x)\n", "F.relu(x)\n", "x.requires_grad = True\n", "import numpy as np\n"):
        assert bool(violations(ast.parse(code), spec, "f.py")) <= could_violate(code, spec), code
    assert not could_violate("import numpy as np\nx = np.maximum(z, 0)\n", spec)


def test_torch_func_and_functorch_count_as_autograd() -> None:
    """Forbidding torch.autograd forbids the modules that compute the same gradients (a bypass fixed here)."""
    assert "imports torch.func" in judge("from torch.func import grad\ng = grad(f)(x)\n").message
    assert "imports functorch" in judge("import functorch\n").message
    outcome = judge("import torch\ny = torch.func.vjp(f, x)\n")
    assert "calls torch.func.vjp()" in outcome.message


def test_import_aliases_are_resolved() -> None:
    """``import torch as T; T.autograd.grad(...)`` is torch.autograd.grad (a bypass fixed here)."""
    assert "calls T.autograd.grad()" in judge("import torch as T\ng = T.autograd.grad(E, w)\n").message
    assert "refers to torch.autograd" in judge("import torch as T\nA = T.autograd\ng = A.grad(E, w)\n").message
    assert "calls ag.grad()" in judge("from torch import autograd as ag\nag.grad(E, w)\n").message
    # a rule written with an alias still matches its own spelling
    spec = {"forbid_calls": ["F.relu"], "forbid_imports": [], "forbid_attributes": []}
    assert judge("import torch.nn.functional as F\ny = F.relu(x)\n", **spec).status == "failed"
    assert judge("import torch.nn.functional as F\ny = F.gelu(x)\n", **spec).status == "passed"


def test_names_computed_at_run_time_are_violations() -> None:
    """``getattr(E, 'back' + 'ward')()`` reaches what the rule forbids by a name the text never spells (a bypass fixed here)."""
    assert "reaches a name computed at run time (getattr())" in judge("getattr(E, 'back' + 'ward')()\n").message
    assert "uses .backward through getattr()" in judge("getattr(E, 'backward')()\n").message
    for code in ("E.__getattribute__(name)()\n", "vars(type(E))[name](E)\n", "type(E).__dict__[name](E)\n",
                 "eval('E.back' + 'ward()')\n", "__import__('torch.auto' + 'grad')\n"):
        assert judge(code).status == "failed", code
    assert judge("import numpy as np\ny = getattr(np, 'maximum')(x, 0)\n").status == "passed"   # a literal, allowed name
    assert judge("def other():\n    return getattr(E, name)\ndef backward(x):\n    return x\n",
                 functions=["backward"]).status == "passed"   # outside the governed functions


def test_requires_grad_as_a_keyword_fails() -> None:
    """``torch.tensor(x, requires_grad=True)`` sets the forbidden attribute without spelling ``.requires_grad`` (a bypass fixed here)."""
    assert "passes requires_grad=" in judge("import torch\nt = torch.tensor(x, requires_grad=True)\n").message
    assert "passes requires_grad=" in judge("import torch\nt = torch.ones(3, **{'requires_grad': True})\n").message


def test_no_rule_passes_on_code_that_does_not_exist() -> None:
    """An empty file, or one of imports and a docstring only, passed every rule before (nothing forbidden in nothing)."""
    for code in ("", "# 作业 3\n", '"""homework 3"""\nimport numpy as np\nimport torch\n'):
        outcome = judge(code)
        assert (outcome.status, outcome.score_fraction) == ("failed", 0.0), code
        assert outcome.message.startswith("Nothing to check: the submission holds no code")


def test_a_function_scoped_rule_fails_when_none_of_its_functions_is_defined() -> None:
    outcome = judge("import torch\nx = torch.ones(2)\nprint(helper(x))\n", functions=["relu", "net"])
    assert (outcome.status, outcome.score_fraction) == ("failed", 0.0)
    assert outcome.message.startswith("Nothing to check: relu and net are not defined;")
    assert judge("relu = lambda X: X * (X > 0)\n", functions=["relu", "net"]).status == "passed"
    assert judge("def net(X):\n    return X\n", functions=["relu", "net"]).status == "passed"


def _package(files: dict[str, str], **kw):
    spec = SourceSpec(id="own", files=["step43.py", "*/*.py"], forbid_imports=["torch"], **kw)
    every = {name: text.encode() for name, text in files.items()}
    named = {k: v for k, v in every.items() if k == "step43.py"}
    return Source().judge(spec, JudgeContext([], [], [], named, None, None, every_file=every))


def test_a_pattern_reaches_the_package_handed_in_beside_the_script() -> None:
    outcome = _package({"step43.py": "import dezero\n", "dezero/core.py": "import torch as _b\n"})
    assert outcome.status == "failed" and "dezero/core.py:1: imports torch" in outcome.message
    assert _package({"step43.py": "import dezero\nprint(dezero.f())\n",
                     "dezero/core.py": "import numpy\n\ndef f():\n    return numpy.ones(2)\n"}).status == "passed"


def test_a_pattern_that_matches_no_file_fails_and_names_it() -> None:
    outcome = _package({"step43.py": "import dezero\n"}, reason="Hand in dezero/.")
    assert outcome.status == "failed" and outcome.message == "No file of the submission matches */*.py. Hand in dezero/."


def test_an_empty_file_breaks_no_rule_but_earns_nothing() -> None:
    assert judge("").status == "failed" and "holds no code" in judge("").message
    assert judge('"""only a docstring"""\n').status == "failed"


def test_an_abstract_method_that_subclasses_override_is_not_unfinished() -> None:
    code = ("class Function:\n    def forward(self, x):\n        raise NotImplementedError()\n\n"
            "class Sigmoid(Function):\n    def forward(self, x):\n        return x\n")
    assert judge(code).status == "passed"
    assert judge("def predict(x):\n    raise NotImplementedError\n").status == "failed"


def test_forbidding_torch_itself_refuses_autograd_at_run_time() -> None:
    assert forbids_autograd(SourceSpec(id="own", forbid_imports=["torch"]))
    assert not forbids_autograd(SourceSpec(id="own", forbid_imports=["numpy"]))
