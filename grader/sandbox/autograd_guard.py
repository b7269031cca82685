"""The run-time half of a ``source`` rule that forbids autograd: in the sandboxed child, while a
task whose code the rule governs runs, autograd refuses to compute a gradient.

Every gradient torch computes in Python (``Tensor.backward``, ``torch.autograd.backward`` and
``grad``, ``torch.func.grad``/``vjp``/``jacrev``, which call ``torch.autograd.grad``) goes
through ``Variable._execution_engine.run_backward``; the guard swaps that engine, and the
constructor of a fresh one, for objects that raise. It proves only that those entry points refuse
while the task runs: code that kept a reference to the real engine before the task began (at
import time) is the static rule's to catch, since it must spell ``torch.autograd`` or ``_C`` out.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

MESSAGE = ("autograd is not allowed here: this assignment asks for the gradients by hand "
           "(the source rule forbids torch.autograd, .backward and torch.func)")


class Refused:
    """Stands in for autograd's engine (and its constructor): every use raises."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        raise RuntimeError(MESSAGE)

    def __getattr__(self, name: str) -> Any:
        raise RuntimeError(MESSAGE)


@contextmanager
def no_autograd(active: bool) -> Iterator[None]:
    """Within the block autograd raises (when ``active`` and torch is installed); restored after."""
    if not active or ("torch" not in sys.modules and importlib.util.find_spec("torch") is None):
        yield
        return
    import torch  # the student's code could import it inside the call: guard it before
    from torch.autograd.variable import Variable

    engine, make = Variable._execution_engine, torch._C._ImperativeEngine
    Variable._execution_engine = Refused()   # type: ignore[assignment]
    torch._C._ImperativeEngine = Refused()   # type: ignore[assignment,misc]
    try:
        yield
    finally:
        Variable._execution_engine = engine
        torch._C._ImperativeEngine = make   # type: ignore[misc]
