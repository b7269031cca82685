"""``source``: rules on the submission's source code, read as text and parsed with ``ast``.

The code is parsed, never run, so these rules hold whatever the code does at
run time (it cannot rewrite itself to pass).
"""

from __future__ import annotations

import ast
from typing import ClassVar

from pydantic import Field

from grader.checks.base import CheckSpec, JudgeContext, KindBase, Outcome, Task

MAX_SOURCE_BYTES = 2 << 20


class SourceSpec(CheckSpec):
    kind: str = "source"
    files: list[str] | None = Field(default=None, description="files to inspect, of those the spec names; default: every .py the spec names")
    functions: list[str] | None = Field(default=None, description="only inside these functions; default: whole file")
    forbid_imports: list[str] = Field(default_factory=list, description="modules that must not be imported, e.g. torch")
    forbid_calls: list[str] = Field(default_factory=list,
                                    description="dotted names, or suffixes starting with '.', e.g. torch.autograd.grad, .backward")
    forbid_attributes: list[str] = Field(default_factory=list, description="attribute names, e.g. requires_grad")
    reason: str = Field(default="", description="why the rule exists, appended to the message")


def dotted(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        inner = dotted(node.value)
        return f"{inner}.{node.attr}" if inner else f".{node.attr}"
    if isinstance(node, ast.Call):
        return dotted(node.func) + "()"
    return ""


def _matches(name: str, pattern: str) -> bool:
    if pattern.startswith("."):  # a method call on anything: loss.backward(), not backward()
        return name.endswith(pattern)
    if pattern.endswith(".*"):
        return name.startswith(pattern[:-1]) or name == pattern[:-2]
    return name == pattern or name.endswith("." + pattern)


def _tokens(spec: SourceSpec) -> set[str]:
    """The identifiers one of which any forbidden construct must spell out in the source."""
    patterns = [*spec.forbid_imports, *spec.forbid_calls, *spec.forbid_attributes]
    return {p.removesuffix(".*").rsplit(".", 1)[-1] for p in patterns} - {""}


def could_violate(text: str, spec: SourceSpec) -> bool:
    """False when no forbidden name occurs in the text at all, so no walk of the tree can find one."""
    return any(token in text for token in _tokens(spec))


def could_be_unfinished(text: str) -> bool:
    return "NotImplementedError" in text or "pass" in text or "..." in text


def violations(tree: ast.AST, spec: SourceSpec, filename: str) -> list[str]:
    """Human-readable ``file:line: what`` for every forbidden construct."""
    scopes: list[ast.AST] = [tree]
    if spec.functions:
        scopes = [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.name in spec.functions]
    found = []
    for scope in scopes:
        for node in ast.walk(scope):
            line = getattr(node, "lineno", 0)
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                mods = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
                if isinstance(node, ast.ImportFrom):
                    mods += [f"{node.module}.{a.name}" for a in node.names]
                for mod in mods:
                    if any(mod == p or mod.startswith(p + ".") for p in spec.forbid_imports):
                        found.append(f"{filename}:{line}: imports {mod}")
                        break
            elif isinstance(node, ast.Call):
                name = dotted(node.func)
                if any(_matches(name, p) for p in spec.forbid_calls):
                    found.append(f"{filename}:{line}: calls {name}()")
            elif isinstance(node, ast.Attribute) and node.attr in spec.forbid_attributes:
                found.append(f"{filename}:{line}: uses .{node.attr}")
    return sorted(set(found), key=lambda s: (s.split(":")[0], int(s.split(":")[1])))


def unfinished(tree: ast.AST, spec: SourceSpec) -> list[str]:
    """Functions in the check's scope still left as the starter has them (only a docstring and
    ``raise NotImplementedError``, ``...`` or ``pass``): code not written yet breaks no rule,
    and must not earn the rule's points either."""
    names = []
    for node in ast.walk(tree):
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        if spec.functions and node.name not in spec.functions:
            continue
        body = node.body[1:] if node.body and isinstance(node.body[0], ast.Expr) and \
            isinstance(node.body[0].value, ast.Constant) and isinstance(node.body[0].value.value, str) else node.body
        if body and all(_placeholder(stmt) for stmt in body):
            names.append(node.name)
    return names


def _placeholder(stmt: ast.stmt) -> bool:
    if isinstance(stmt, ast.Pass):
        return True
    if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant) and stmt.value.value is Ellipsis:
        return True
    if isinstance(stmt, ast.Raise) and stmt.exc is not None:
        target = stmt.exc.func if isinstance(stmt.exc, ast.Call) else stmt.exc
        return dotted(target) == "NotImplementedError"
    return False


class Source(KindBase):
    """Proves the submission's code does not use forbidden constructs (imports, calls,
    attributes), by reading its source, so the rule holds whatever the code does when run.
    Code not written yet (a function still raising NotImplementedError) earns nothing."""

    name: ClassVar[str] = "source"
    Spec: ClassVar[type[CheckSpec]] = SourceSpec

    def tasks(self, spec: SourceSpec, cases: int) -> list[Task]:
        return []

    def judge(self, spec: SourceSpec, ctx: JudgeContext) -> Outcome:
        wanted = spec.files or [f for f in ctx.files if f.endswith(".py")]
        found: list[str] = []
        todo: list[str] = []
        for filename in wanted:
            raw = ctx.files.get(filename)
            if raw is None:
                return Outcome("error", 0.0, f"{filename} is missing from the submission.")
            if len(raw) > MAX_SOURCE_BYTES:
                return Outcome("error", 0.0, f"{filename} is larger than 2 MiB; it cannot be inspected.")
            text = raw.decode("utf-8-sig", errors="replace")
            try:
                tree = ast.parse(text, filename=filename)
            except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
                return Outcome("error", 0.0, f"{filename} cannot be parsed: {exc}")
            # Walking the tree is most of a batch's judging time: skip what the text already rules out.
            found += violations(tree, spec, filename) if could_violate(text, spec) else []
            todo += unfinished(tree, spec) if could_be_unfinished(text) else []
        if found:
            shown = "; ".join(found[:5]) + (f"; and {len(found) - 5} more" if len(found) > 5 else "")
            reason = f" {spec.reason}" if spec.reason else ""
            return Outcome.failed(f"Forbidden code found: {shown}.{reason}", violations=found)
        if todo:
            shown = ", ".join(todo[:5]) + (f" and {len(todo) - 5} more" if len(todo) > 5 else "")
            return Outcome.failed(f"Not written yet: {shown} still raise NotImplementedError (or are empty); this "
                                  "rule earns its points once the code it applies to exists.", unfinished=todo)
        return Outcome.passed("No forbidden imports, calls or attributes.")
