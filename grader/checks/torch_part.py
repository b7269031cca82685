"""The torch part of a script, read with ``ast``: what a ``source`` rule with ``outside_torch`` skips.

A script that does the homework by hand in NumPy and then again with torch autograd holds both
halves in one file. Its *units* are the top-level statements, each function or class as a whole,
and the statements inside top-level loops, ``if``, ``with`` and ``try`` blocks one by one. A unit is
in the torch part when it mentions a name imported from torch (``torch``, ``nn``, ``F``,
``optim``...) or a name bound by a unit of the torch part (a tensor, a model, a function that uses
them), to a fixed point. Everything else is the NumPy part. This proves only where torch is
spelled out; it cannot tell which part printed a number.
"""

from __future__ import annotations

import ast

_BLOCKS = (ast.For, ast.AsyncFor, ast.While, ast.If, ast.With, ast.AsyncWith, ast.Try)


def units(tree: ast.Module) -> list[ast.stmt]:
    """The script's units, in order (see the module docstring)."""
    out: list[ast.stmt] = []

    def walk(body: list[ast.stmt]) -> None:
        for stmt in body:
            if isinstance(stmt, _BLOCKS):
                inner = [*getattr(stmt, "body", []), *getattr(stmt, "orelse", []), *getattr(stmt, "finalbody", [])]
                inner += [s for h in getattr(stmt, "handlers", []) for s in h.body]
                walk(inner)
            else:
                out.append(stmt)
    walk(tree.body)
    return out


def _bound(stmt: ast.stmt) -> set[str]:
    """Names a unit binds: assignment targets, loop variables, defined functions and classes, imports."""
    names: set[str] = set()
    if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        names.add(stmt.name)
    for node in ast.walk(stmt) if not isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)) else ():
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update((a.asname or a.name).split(".")[0] for a in node.names)
    return names


def _used(stmt: ast.stmt) -> set[str]:
    return {n.id for n in ast.walk(stmt) if isinstance(n, ast.Name)}


def torch_names(tree: ast.Module, names: dict[str, str]) -> set[str]:
    """Local names that stand for torch: imported from it (through ``names``, the module's aliases)."""
    return {local for local, full in names.items() if full == "torch" or full.startswith("torch.")
            or full in ("functorch",) or full.startswith("functorch.")}


def split(tree: ast.Module, names: dict[str, str]) -> tuple[list[ast.stmt], list[ast.stmt]]:
    """``(numpy_part, torch_part)``: the script's units in order, each in one part. Torch reaches a name
    only from the unit that binds it on (a NumPy unit that binds the name again takes it back)."""
    tainted = torch_names(tree, names)
    numpy_part: list[ast.stmt] = []
    torch_part: list[ast.stmt] = []
    for unit in units(tree):
        bound = _bound(unit)
        is_import = isinstance(unit, (ast.Import, ast.ImportFrom))
        if (bound & tainted if is_import else _used(unit) & tainted):
            torch_part.append(unit)
            tainted |= bound - _numpy_names(names)
        else:
            numpy_part.append(unit)
            tainted -= bound
    return numpy_part, torch_part


def _numpy_names(names: dict[str, str]) -> set[str]:
    return {local for local, full in names.items() if full == "numpy" or full.startswith("numpy.")}


def has_work(part: list[ast.stmt]) -> bool:
    """Whether a part computes anything: an assignment, a loop body or a function beyond imports,
    docstrings, prints and placeholders."""
    for unit in part:
        if isinstance(unit, (ast.Import, ast.ImportFrom, ast.Pass)):
            continue
        if isinstance(unit, ast.Expr) and (isinstance(unit.value, ast.Constant) or _is_print(unit.value)):
            continue
        return True
    return False


def _is_print(node: ast.expr) -> bool:
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("print", "input")
