"""Which submitted file is the main script, when it is not named as the assignment names it.

A student hands in ``mlp_scratch.py`` and ``utils.py`` for an assignment whose file is
``mlp_d2l.py``: the main script is the one top-level ``.py`` file that no other submitted
file imports (imports are read with :mod:`ast`, never run), else the one notebook when
there is no ``.py`` file. It is staged under the assignment's name, beside the helper
modules it imports, and the submission remembers the student's own name for it.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass


@dataclass(frozen=True)
class Choice:
    """The file taken as the main script, and why (a sentence for the result's notes)."""

    name: str
    why: str


def imported_names(source: bytes) -> set[str]:
    """Every module name an ``import`` in ``source`` names, with each dotted prefix
    (``from a.b import c`` gives ``a``, ``a.b`` and ``a.b.c``); a file that does not parse imports nothing."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return set()
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            dotted = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            dotted = [node.module, *(f"{node.module}.{alias.name}" for alias in node.names)]
        elif isinstance(node, ast.ImportFrom) and node.level:
            dotted = [alias.name for alias in node.names]   # from . import utils: a sibling module
        else:
            continue
        for name in dotted:
            parts = name.split(".")
            names.update(".".join(parts[:i]) for i in range(1, len(parts) + 1))
    return names


def _module(path: str) -> str:
    stem = path[:-3] if path.endswith(".py") else path
    return stem.removesuffix("/__init__").replace("/", ".")


def choose(files: dict[str, bytes], target: str) -> Choice | None:
    """The file to grade as ``target`` (a ``.py`` name the submission lacks); None when no single one is."""
    python = [name for name in files if name.endswith(".py")]
    imported: set[str] = set()
    for name in python:
        imported |= {n for n in imported_names(files[name]) if n != _module(name)}
    top = sorted(name for name in python if "/" not in name and _module(name) not in imported)
    if len(top) == 1:
        others = len(python) - 1
        why = ("the only .py file" if not others
               else f"the one .py file no other submitted file imports ({others} other{'s' if others > 1 else ''})")
        return Choice(top[0], f"Graded {top[0]} as the assignment's {target}: it is {why}.")
    notebooks = sorted(name for name in files if name.lower().endswith(".ipynb") and "/" not in name)
    if not python and len(notebooks) == 1:
        return Choice(notebooks[0], f"Graded the notebook {notebooks[0]} as the assignment's {target}: "
                                    "it is the only notebook, and there is no .py file.")
    return None
