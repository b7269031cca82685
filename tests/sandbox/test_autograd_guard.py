"""The run-time autograd guard, in a fresh interpreter: it refuses gradients while the block runs,
whether torch was imported before or inside it, and never imports torch itself (which cost a light,
NumPy-only child a second or more per governed call before)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

PROGRAM = textwrap.dedent("""
    import sys
    from grader.sandbox.autograd_guard import no_autograd
    with no_autograd(True):
        pass
    print("imported" if "torch" in sys.modules else "not imported")
    with no_autograd(True):
        import torch
        x = torch.ones(2, requires_grad=True)
        try:
            (x * x).sum().backward()
            print("backward ran")
        except RuntimeError as exc:
            print("refused" if "not allowed" in str(exc) else exc)
    y = torch.ones(2, requires_grad=True)
    (y * y).sum().backward()
    print("after", y.grad.tolist())
    with no_autograd(True):
        try:
            torch.autograd.grad((y * y).sum(), y)
            print("grad ran")
        except RuntimeError:
            print("refused again")
""")


def test_the_guard_goes_up_when_torch_is_imported_inside_and_never_imports_it_itself() -> None:
    run = subprocess.run([sys.executable, "-c", PROGRAM], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    assert run.stdout.split("\n")[:4] == ["not imported", "refused", "after [2.0, 2.0]", "refused again"]
