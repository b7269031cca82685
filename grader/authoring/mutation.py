"""Mutants of a reference: small deliberate bugs, one change each, made on the AST.

The changes a student's bug typically is: flip an operator (``+``/``-``, ``*``/``/``,
``<``/``<=``, ``and``/``or``), drop a factor, swap two operands or arguments, drop a minus,
perturb a constant, remove a statement. Only code inside function bodies is changed, never
assertions, docstrings, annotations, ``if __name__ == "__main__":`` blocks or lines marked
``# pragma: no mutate`` (defensive conversions that cannot change a result).
"""

from __future__ import annotations

import ast
import copy
from collections.abc import Iterator
from dataclasses import dataclass

NO_MUTATE = "pragma: no mutate"

FLIP_BIN: dict[type, type] = {ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.Div, ast.Div: ast.Mult,
                              ast.Pow: ast.Mult, ast.FloorDiv: ast.Div, ast.MatMult: ast.Mult}
FLIP_CMP: dict[type, type] = {ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE, ast.GtE: ast.Gt,
                              ast.Eq: ast.NotEq, ast.NotEq: ast.Eq}
NOT_COMMUTATIVE = (ast.Sub, ast.Div, ast.MatMult, ast.Pow, ast.FloorDiv)


@dataclass(frozen=True)
class Mutant:
    """One change to one file: the node's index in ``ast.walk`` order and the variant applied."""

    file: str
    index: int
    variant: str
    line: int
    description: str


# ------------------------------------------------------------------ mutation sites

def _parents(tree: ast.AST) -> dict[ast.AST, ast.AST]:
    return {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}


def _mutable(tree: ast.AST) -> set[ast.AST]:
    """Nodes inside function bodies, minus asserts, docstrings, annotations and __main__ blocks."""
    keep: set[ast.AST] = set()
    for func in ast.walk(tree):
        if not isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        body = func.body[1:] if func.body and _is_docstring(func.body[0]) else func.body
        for stmt in body:
            if isinstance(stmt, ast.Assert):
                continue
            keep.update(n for n in ast.walk(stmt) if not isinstance(n, ast.Assert))
    main_blocks = [n for n in ast.walk(tree) if isinstance(n, ast.If) and "__main__" in ast.unparse(n.test)]
    for block in main_blocks:
        keep.difference_update(ast.walk(block))
    return keep


def _is_docstring(stmt: ast.stmt) -> bool:
    return isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant) and isinstance(stmt.value.value, str)


def _variants(node: ast.AST, parent: ast.AST | None) -> Iterator[str]:
    """The mutations that apply to ``node``, as variant names."""
    if isinstance(node, ast.BinOp):
        if type(node.op) in FLIP_BIN:
            yield "flip"
        if isinstance(node.op, (ast.Mult, ast.Div)):
            yield "drop-right"
            if isinstance(node.op, ast.Mult):
                yield "drop-left"
        if isinstance(node.op, NOT_COMMUTATIVE):
            yield "swap"
    elif (isinstance(node, ast.AugAssign) and type(node.op) in FLIP_BIN) or (isinstance(node, ast.Compare) and len(node.ops) == 1 and type(node.ops[0]) in FLIP_CMP):
        yield "flip"
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        yield "drop-minus"
    elif isinstance(node, ast.BoolOp):
        yield "flip"
    elif isinstance(node, ast.Call) and len(node.args) >= 2 and not any(isinstance(a, ast.Starred) for a in node.args):
        yield "swap-args"
    elif isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) and not isinstance(node.value, bool):
        yield "perturb"
    if isinstance(node, ast.stmt) and not isinstance(node, (ast.FunctionDef, ast.Return)) and parent is not None:
        yield "remove"


def _apply(node: ast.AST, parent: ast.AST, variant: str) -> str:
    """Mutate in place (or replace ``node`` inside ``parent``); returns a description."""
    before = _short(node)
    if variant == "flip":
        if isinstance(node, (ast.BinOp, ast.AugAssign)):
            node.op = FLIP_BIN[type(node.op)]()
        elif isinstance(node, ast.Compare):
            node.ops = [FLIP_CMP[type(node.ops[0])]()]
        elif isinstance(node, ast.BoolOp):
            node.op = ast.Or() if isinstance(node.op, ast.And) else ast.And()
        return f"flip operator: `{before}` → `{_short(node)}`"
    if variant in ("drop-right", "drop-left"):
        kept = node.left if variant == "drop-right" else node.right  # type: ignore[attr-defined]
        _replace(parent, node, kept)
        return f"drop a factor: `{before}` → `{_short(kept)}`"
    if variant == "swap":
        node.left, node.right = node.right, node.left  # type: ignore[attr-defined]
        return f"swap operands: `{before}` → `{_short(node)}`"
    if variant == "swap-args":
        node.args[0], node.args[1] = node.args[1], node.args[0]  # type: ignore[attr-defined]
        return f"swap arguments: `{before}` → `{_short(node)}`"
    if variant == "drop-minus":
        _replace(parent, node, node.operand)  # type: ignore[attr-defined]
        return f"drop a minus: `{before}` → `{_short(node.operand)}`"  # type: ignore[attr-defined]
    if variant == "perturb":
        value = node.value  # type: ignore[attr-defined]
        node.value = value + 1 if isinstance(value, int) else (value * 2 if value else 1.0)  # type: ignore[attr-defined]
        return f"perturb a constant: `{before}` → `{_short(node)}`"
    if variant == "remove":
        _replace(parent, node, ast.Pass())
        return f"remove a statement: `{before}`"
    raise ValueError(variant)


def _replace(parent: ast.AST, old: ast.AST, new: ast.AST) -> None:
    for field, value in ast.iter_fields(parent):
        if value is old:
            setattr(parent, field, new)
            return
        if isinstance(value, list) and any(v is old for v in value):
            value[next(i for i, v in enumerate(value) if v is old)] = new
            return
    raise LookupError("node not found in its parent")


def _short(node: ast.AST, limit: int = 70) -> str:
    text = ast.unparse(node).replace("\n", "; ")
    return text if len(text) <= limit else text[:limit - 1] + "…"


def enumerate_mutants(file: str, source: str) -> list[Mutant]:
    """Every single-change mutant of ``source``, in a stable order."""
    tree = ast.parse(source)
    parents = _parents(tree)
    mutable = _mutable(tree)
    quiet = {n for n, line in enumerate(source.splitlines(), 1) if NO_MUTATE in line}
    found = []
    for index, node in enumerate(ast.walk(tree)):
        if node not in mutable or getattr(node, "lineno", 0) in quiet:
            continue
        for variant in _variants(node, parents.get(node)):
            scratch = copy.deepcopy(tree)
            target = list(ast.walk(scratch))[index]
            description = _apply(target, _parents(scratch)[target], variant)
            found.append(Mutant(file, index, variant, getattr(node, "lineno", 0), description))
    return found


def mutate(source: str, mutant: Mutant) -> str | None:
    """The mutated source, or None when it does not compile (or is unchanged)."""
    tree = ast.parse(source)
    target = list(ast.walk(tree))[mutant.index]
    _apply(target, _parents(tree)[target], mutant.variant)
    text = ast.unparse(ast.fix_missing_locations(tree))
    try:
        compile(text, mutant.file, "exec")
    except SyntaxError:
        return None
    return text if text != ast.unparse(ast.parse(source)) else None
