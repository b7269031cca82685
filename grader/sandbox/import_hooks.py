"""Code the sandboxed child runs the moment a module it watches has been imported.

The child patches a few libraries only if the submission uses them (pyplot's ``show``,
torchvision's FashionMNIST, d2l's Animator, autograd's engine): importing them up front would
cost every submission the import. :class:`AfterImport` is the one-shot meta-path finder all
of them use: it finds the module exactly as Python would and runs ``after(module)`` once the
module's own code has run.
"""

from __future__ import annotations

import importlib.abc
import sys
from collections.abc import Callable, Sequence
from importlib.machinery import ModuleSpec, PathFinder
from typing import Any


class AfterImport(importlib.abc.MetaPathFinder):
    """Watches for the module ``name``; leaves ``sys.meta_path`` as soon as it is found."""

    def __init__(self, name: str, after: Callable[[Any], None]) -> None:
        self.name, self.after = name, after

    def find_spec(self, fullname: str, path: Sequence[str] | None, target: Any = None) -> ModuleSpec | None:
        if fullname != self.name:
            return None
        self.remove()
        spec = PathFinder.find_spec(fullname, path)
        loader = getattr(spec, "loader", None)
        if loader is None or not hasattr(loader, "exec_module"):
            return spec
        real_exec = loader.exec_module
        after = self.after

        def exec_module(module: Any) -> None:
            real_exec(module)
            after(module)

        loader.exec_module = exec_module
        return spec

    def remove(self) -> None:
        try:
            sys.meta_path.remove(self)
        except ValueError:
            pass


def after_import(name: str, after: Callable[[Any], None]) -> AfterImport | None:
    """``after(module)`` now if ``name`` is imported already, else when it first is (the hook is
    returned, so a caller can take it back); at most one hook per module and function."""
    module = sys.modules.get(name)
    if module is not None:
        after(module)
        return None
    for finder in sys.meta_path:
        if isinstance(finder, AfterImport) and finder.name == name and finder.after == after:
            return finder
    hook = AfterImport(name, after)
    sys.meta_path.insert(0, hook)
    return hook
