"""The no-autograd rule against the ways round it a second round of attacks found: a torch.func import,
an aliased torch, an attribute name built at run time, requires_grad= as a keyword. Each submission
computes the right gradient with autograd, graded in one batch between two honest controls: the rule
scores 0 for each, the honest controls keep full marks."""

from __future__ import annotations

import pytest
from conftest import write_assignment, write_submission

from grader import api, spec

SPEC = """\
name: autograd-rule
title: Gradients by hand
files: [bp.py]
sandbox: {timeout_s: 20, import_timeout_s: 20, preload: [numpy, torch]}
checks:
  - id: gradient
    kind: compare
    inputs: {w: [1.0, -2.0, 3.0]}
    call: grad_of(w)
  - id: no-autograd
    kind: source
    forbid_imports: [torch.autograd]
    forbid_calls: [.backward, torch.autograd.*]
    forbid_attributes: [requires_grad, requires_grad_]
"""
HONEST = "import numpy as np\n\n\ndef grad_of(w):\n    return 2 * np.asarray(w)   # d/dw sum(w^2), by hand\n"
TENSOR = "    t = torch.tensor(np.asarray(w), dtype=torch.float64{extra})\n"
ATTACKS = {
    "torch-func": "import numpy as np\nimport torch\nfrom torch.func import grad\n\n\ndef grad_of(w):\n"
                  + TENSOR.format(extra="") + "    return grad(lambda v: (v * v).sum())(t).numpy()\n",
    "aliased-torch": "import numpy as np\nimport torch as T\n\n\ndef grad_of(w):\n"
                     + "    t = T.tensor(np.asarray(w), dtype=T.float64, requires_grad=True)\n"
                     "    return T.autograd.grad((t * t).sum(), t)[0].numpy()\n",
    "built-name": "import numpy as np\nimport torch\n\n\ndef grad_of(w):\n" + TENSOR.format(extra=", requires_grad=True")
                  + "    E = (t * t).sum()\n    getattr(E, 'back' + 'ward')()\n    return t.grad.numpy()\n",
    "keyword-only": "import numpy as np\nimport torch\n\n\ndef grad_of(w):\n" + TENSOR.format(extra=", requires_grad=True")
                    + "    E = (t * t).sum()\n    getattr(E, 'backward')()\n    return t.grad.numpy()\n",
    "functorch-alias": "import numpy as np\nimport torch\nimport torch.func as tf\n\n\ndef grad_of(w):\n"
                       + TENSOR.format(extra="") + "    return tf.grad(lambda v: (v * v).sum())(t).numpy()\n",
}


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    root = tmp_path_factory.mktemp("autograd-rule")
    folder = write_assignment(root / "a", SPEC, {"bp.py": HONEST})
    paths = [write_submission(root / "subs" / "control-first", {"bp.py": HONEST})]
    paths += [write_submission(root / "subs" / name, {"bp.py": code}) for name, code in ATTACKS.items()]
    paths.append(write_submission(root / "subs" / "control-last", {"bp.py": HONEST}))
    return {r.submission: r for r in api.grade(spec.load(folder), paths, root / "out", jobs=1, secret="autograd")}


GUARDED = SPEC.replace("files: [bp.py]", "files: [bp.py, helper.py]").replace(
    "    forbid_imports: [torch.autograd]", "    files: [bp.py]\n    forbid_imports: [torch.autograd]")
HELPER = "import torch\n\n\ndef square_grad(t):\n    t.requires_grad_(True)\n    (t * t).sum().backward()\n    return t.grad\n"
OUTSOURCED = "import numpy as np\nimport torch\nimport helper\n\n\ndef grad_of(w):\n" \
             "    return helper.square_grad(torch.tensor(np.asarray(w), dtype=torch.float64)).numpy()\n"


def test_autograd_refuses_to_run_in_code_the_rule_cannot_read(tmp_path) -> None:
    """The rule reads bp.py only; bp.py calls a helper that uses autograd. The static rule passes, the
    run-time guard makes the helper's backward() raise while the governed call runs (a bypass fixed here)."""
    folder = write_assignment(tmp_path / "a", GUARDED, {"bp.py": HONEST, "helper.py": "X = 1\n"})
    paths = [write_submission(tmp_path / "subs" / "control-first", {"bp.py": HONEST, "helper.py": "X = 1\n"}),
             write_submission(tmp_path / "subs" / "outsourced", {"bp.py": OUTSOURCED, "helper.py": HELPER}),
             write_submission(tmp_path / "subs" / "control-last", {"bp.py": HONEST, "helper.py": "X = 1\n"})]
    results = {r.submission: r for r in api.grade(spec.load(folder), paths, tmp_path / "out", jobs=1, secret="guard")}
    for name in ("control-first", "control-last"):
        assert results[name].score == results[name].max_score, [c.message for c in results[name].checks]
    by_id = {c.id: c for c in results["outsourced"].checks}
    assert by_id["no-autograd"].status == "passed"   # nothing forbidden is spelled out in bp.py
    assert by_id["gradient"].status == "error" and "autograd is not allowed here" in by_id["gradient"].message, \
        by_id["gradient"].message


def test_controls_keep_full_marks(results) -> None:
    for name in ("control-first", "control-last"):
        assert results[name].score == results[name].max_score, [c.message for c in results[name].checks]


@pytest.mark.parametrize("name", sorted(ATTACKS))
def test_the_rule_catches_the_bypass(results, name: str) -> None:
    by_id = {c.id: c for c in results[name].checks}
    assert by_id["no-autograd"].status == "failed" and by_id["no-autograd"].score == 0, by_id["no-autograd"].message
    assert "Forbidden code found" in by_id["no-autograd"].message
