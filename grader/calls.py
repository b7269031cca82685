"""Call expressions: how a spec says what to run, e.g. ``loss(forward(x, w)[1], y)``.

A deliberately tiny language, parsed with :mod:`ast` and never handed to
``eval``: calls, names (inputs or functions of the student's module), constant
subscripts, constants, and list/tuple displays. The grader validates the
expression when the spec loads; the sandboxed child evaluates it. Script-style
work (everything at top level) is read by a bare reference to what the module
defines: ``W1``, ``net.hidden.weight``, ``losses[-1]``, or a list of them (``[W1, W1.grad]``).
Alternatives for the forms students write, ``predict(x) or model(x)``, are tried in order:
the first that does not raise NameError or AttributeError is the value.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Mapping
from typing import Any

_ALLOWED = (
    ast.Expression, ast.Call, ast.Name, ast.Load, ast.Constant, ast.Subscript,
    ast.Attribute, ast.keyword, ast.Tuple, ast.List, ast.UnaryOp, ast.USub, ast.Slice, ast.BoolOp, ast.Or,
)
_MISSING = (NameError, AttributeError)   # what makes ``a or b`` try b: a name or attribute this form lacks


class CallSyntaxError(ValueError):
    """The expression uses something outside the call language."""


def parse(expr: str) -> ast.Expression:
    """Parse and validate ``expr``; raises :class:`CallSyntaxError` with the reason."""
    try:
        tree = ast.parse(expr, mode="eval")
    except SyntaxError as exc:
        raise CallSyntaxError(f"not a valid call expression: {exc.msg}") from None
    for node in ast.walk(tree):
        if not isinstance(node, _ALLOWED):
            raise CallSyntaxError(
                f"{type(node).__name__} is not allowed in a call expression "
                "(use calls, names, constants and [index] only)"
            )
        if isinstance(node, ast.Attribute) and not isinstance(node.value, (ast.Name, ast.Attribute)):
            raise CallSyntaxError("attributes are only allowed on names, as in module.function")
        if isinstance(node, ast.BoolOp) and node is not tree.body:
            raise CallSyntaxError("'or' only joins whole alternatives, as in predict(x) or model(x)")
    for alternative in _alternatives(tree):
        if not _valid_whole(alternative):
            raise CallSyntaxError("the expression must be a call, as in forward(x, w) or forward(x, w)[1], "
                                  "or a name the module defines, as in W1 or net.hidden.weight (or a list of them)")
    return tree


def _alternatives(tree: ast.Expression) -> list[ast.expr]:
    return list(tree.body.values) if isinstance(tree.body, ast.BoolOp) else [tree.body]


def _valid_whole(node: ast.expr) -> bool:
    if isinstance(node, ast.List):
        return bool(node.elts) and all(_valid_whole(e) for e in node.elts)
    while isinstance(node, ast.Subscript):
        node = node.value
    return isinstance(node, ast.Call) or _module_root(node) is not None


def _module_root(node: ast.expr) -> str | None:
    """``W1``, ``net.hidden.weight``, ``W1[0]``: a bare reference to what a (script-style) module
    defines at top level. Returns its root name, or None for any other expression."""
    while isinstance(node, (ast.Subscript, ast.Attribute)):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def _roots(node: ast.expr) -> set[str]:
    """The roots of the bare references a whole alternative (or a list of them) is made of."""
    if isinstance(node, ast.List):
        return set().union(*(_roots(e) for e in node.elts))
    inner = node
    while isinstance(inner, ast.Subscript):
        inner = inner.value
    root = None if isinstance(inner, ast.Call) else _module_root(node)
    return {root} if root is not None else set()


def names(tree: ast.Expression) -> tuple[set[str], set[str]]:
    """(names used as values, i.e. inputs; names resolved in the module: called functions, or
    the root of a bare reference such as ``W1`` or ``net.hidden.weight``)."""
    called = {n.func.id for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)}
    # F.sigmoid(x): F is a module the submission imported, not an input
    called |= {_module_root(n.func) or "" for n in ast.walk(tree) if isinstance(n, ast.Call)
               and isinstance(n.func, ast.Attribute)} - {""}
    for alternative in _alternatives(tree):
        called |= _roots(alternative)
    used = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
    return used - called, called


def evaluate(tree: ast.Expression, resolve: Callable[[str], Any], values: Mapping[str, Any]) -> Any:
    """Evaluate a validated expression. ``values`` holds inputs; other names go to ``resolve``."""

    def ev(node: ast.AST) -> Any:
        if isinstance(node, ast.Expression):
            return ev(node.body)
        if isinstance(node, ast.BoolOp):
            return _first(node.values, ev)
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.Name):
            return values[node.id] if node.id in values else resolve(node.id)
        if isinstance(node, ast.Attribute):
            return getattr(ev(node.value), node.attr)
        if isinstance(node, ast.Subscript):
            return ev(node.value)[ev(node.slice)]
        if isinstance(node, ast.Slice):
            return slice(*(ev(p) if p is not None else None for p in (node.lower, node.upper, node.step)))
        if isinstance(node, ast.UnaryOp):
            return -ev(node.operand)
        if isinstance(node, ast.Tuple):
            return tuple(ev(e) for e in node.elts)
        if isinstance(node, ast.List):
            return [ev(e) for e in node.elts]
        if isinstance(node, ast.Call):
            func = ev(node.func)
            args = [ev(a) for a in node.args]
            kwargs = {k.arg: ev(k.value) for k in node.keywords if k.arg is not None}
            return func(*args, **kwargs)
        raise CallSyntaxError(f"unexpected {type(node).__name__}")

    return ev(tree)


def _first(alternatives: list[ast.expr], ev: Callable[[ast.AST], Any]) -> Any:
    """The first alternative that evaluates; when none does, the first one's error (the main form's)."""
    first: BaseException | None = None
    for alternative in alternatives:
        try:
            return ev(alternative)
        except _MISSING as exc:
            first = first or exc
    assert first is not None
    raise first
