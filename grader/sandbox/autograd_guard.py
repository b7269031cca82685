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

from grader.sandbox.import_hooks import AfterImport

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
    """Within the block autograd raises (when ``active`` and torch is installed); restored after.

    Where torch is not imported yet (a child of the light, NumPy-only image), importing it only
    to guard it would cost the task a second or more; instead the guard goes up the moment the
    task's code imports torch, if it ever does."""
    if not active:
        yield
        return
    if "torch" in sys.modules:
        with _guarded():
            yield
        return
    if importlib.util.find_spec("torch") is None:
        yield
        return
    restore: list[Any] = []
    hook = AfterImport("torch", lambda module: restore.append(_refuse()))
    sys.meta_path.insert(0, hook)
    try:
        yield
    finally:
        hook.remove()
        for undo in restore:
            undo()


@contextmanager
def _guarded() -> Iterator[None]:
    restore = _refuse()
    try:
        yield
    finally:
        restore()


def _refuse() -> Any:
    """Swap autograd's engine for :class:`Refused`; returns the function that puts it back."""
    import torch
    from torch.autograd.variable import Variable

    engine, make = Variable._execution_engine, torch._C._ImperativeEngine
    Variable._execution_engine = Refused()   # type: ignore[assignment]
    torch._C._ImperativeEngine = Refused()   # type: ignore[assignment,misc]

    def restore() -> None:
        Variable._execution_engine = engine
        torch._C._ImperativeEngine = make   # type: ignore[misc]
    return restore
