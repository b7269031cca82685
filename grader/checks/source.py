"""``source``: rules on the submission's source code, read as text and parsed with ``ast``.

The code is parsed, never run, so a rule is judged on what the code spells out: a forbidden
import, call, reference or attribute in the rule's scope (names resolved through the module's
imports and plain assignments; forbidding ``torch.autograd`` forbids ``torch.func`` and
``functorch`` too). What the text cannot show is a name computed at run time, so any dynamic
attribute or code access in the scope (``getattr`` with a computed name, ``__getattribute__``,
``vars()``, ``__dict__``, ``eval``, ``__import__``...) is itself a violation. It proves nothing
about code outside the scope that the governed code calls, nor about objects handed in from
elsewhere.
"""

from __future__ import annotations

import ast
import fnmatch
import re
from typing import Any, ClassVar

from pydantic import Field

from grader.checks import torch_part
from grader.checks.base import CheckSpec, Harness, JudgeContext, KindBase, Task, Verdict
from grader.checks.display import DetailRow, clip, plain_rows

MAX_SOURCE_BYTES = 2 << 20


class SourceSpec(CheckSpec):
    kind: str = "source"
    files: list[str] | None = Field(default=None, description="files to inspect, of those the spec names, or patterns "
                                    "('*/*.py': every .py in a folder, e.g. a package handed in) matched against every file "
                                    "of the submission, each of which must match a file; default: every .py the spec names")
    functions: list[str] | None = Field(default=None, description="only inside these functions; default: whole file")
    forbid_imports: list[str] = Field(default_factory=list, description="modules that must not be imported, e.g. torch")
    forbid_calls: list[str] = Field(default_factory=list,
                                    description="dotted names, or suffixes starting with '.', e.g. torch.autograd.grad, .backward")
    forbid_attributes: list[str] = Field(default_factory=list, description="attribute names, e.g. requires_grad")
    reason: str = Field(default="", description="why the rule exists, appended to the message")
    outside_torch: bool = Field(default=False, description=(
        "only the NumPy part of a script: code that does not use torch (see grader.checks.torch_part); "
        "a script without a NumPy part earns nothing"))
    require_calls: list[str] = Field(default_factory=list, description=(
        "at least one of these calls must appear in scope, e.g. .backward, torch.autograd.grad"))


# Modules that compute gradients as torch.autograd does: forbidding torch.autograd forbids them too.
AUTOGRAD_EQUIVALENTS = ("torch.autograd", "torch.func", "functorch", "torch._functorch")
# Built-ins and helpers that reach an attribute or code by a name computed at run time.
DYNAMIC_CALLS = frozenset({"getattr", "setattr", "delattr", "hasattr", "vars", "eval", "exec", "compile", "__import__",
                           "importlib.import_module", "operator.attrgetter", "operator.methodcaller"})
DYNAMIC_ATTRIBUTES = frozenset({"__getattribute__", "__getattr__", "__dict__", "__globals__", "__builtins__",
                                "__subclasses__"})
NAMED = frozenset({"getattr", "setattr", "delattr", "hasattr"})   # with a literal name: an ordinary attribute


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


def expanded(spec: SourceSpec) -> tuple[list[str], list[str]]:
    """The rule's forbidden imports and calls, with torch.autograd's equivalents added where it is forbidden."""
    imports, calls = list(spec.forbid_imports), list(spec.forbid_calls)
    if any(p == "torch.autograd" or p.startswith("torch.autograd.") for p in imports + calls):
        imports += [m for m in AUTOGRAD_EQUIVALENTS if m not in imports]
        calls += [f"{m}.*" for m in AUTOGRAD_EQUIVALENTS if f"{m}.*" not in calls]
    return imports, calls


def aliases(tree: ast.AST) -> dict[str, str]:
    """Local name -> the dotted name it stands for: ``import torch as T``, ``from torch import autograd as ag``,
    ``from torch.func import grad``, and plain assignments of such names (``A = T.autograd``)."""
    found: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                found[a.asname or a.name.split(".")[0]] = a.name if a.asname else a.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.update({a.asname or a.name: f"{node.module}.{a.name}" for a in node.names})
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and isinstance(node.value, (ast.Name, ast.Attribute)):
            raw = dotted(node.value)
            for t in node.targets:
                if isinstance(t, ast.Name) and raw.split(".")[0] in found:
                    found[t.id] = resolve(raw, found)
    return found


def resolve(name: str, names: dict[str, str]) -> str:
    """``name`` with its first part replaced by what it was imported (or assigned) as."""
    head, _, rest = name.partition(".")
    return f"{names[head]}.{rest}" if head in names and rest else names.get(head, name)


def could_violate(text: str, spec: SourceSpec) -> bool:
    """False when no forbidden name occurs in the text at all, so no walk of the tree can find one."""
    imports, calls = expanded(spec)
    tokens = {p.removesuffix(".*").rsplit(".", 1)[-1] for p in [*imports, *calls, *spec.forbid_attributes]} - {""}
    dynamic = {n.rsplit(".", 1)[-1] for n in DYNAMIC_CALLS} | DYNAMIC_ATTRIBUTES
    return any(token in text for token in tokens | dynamic)


def could_be_unfinished(text: str) -> bool:
    return "NotImplementedError" in text or "pass" in text or "..." in text


def violations(tree: ast.AST, spec: SourceSpec, filename: str) -> list[str]:
    """Human-readable ``file:line: what`` for every forbidden construct in the rule's scope: forbidden
    imports, calls and references (through any import alias), forbidden attributes (also as a keyword
    or a literal name), and any dynamic attribute or code access (a name computed at run time)."""
    scopes: list[ast.AST] = [tree]
    if spec.outside_torch and isinstance(tree, ast.Module):
        scopes = list(torch_part.split(tree, aliases(tree))[0])
    if spec.functions:
        scopes = [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.name in spec.functions]
    rule = _Rule(spec, aliases(tree))
    found = [f"{filename}:{getattr(node, 'lineno', 0)}: {what}"
             for scope in scopes for node in ast.walk(scope) for what in rule.check(node)]
    return sorted(set(found), key=lambda s: (s.split(":")[0], int(s.split(":")[1])))


class _Rule:
    """One source rule, its patterns expanded and the module's aliases known: what a node breaks."""

    def __init__(self, spec: SourceSpec, names: dict[str, str]) -> None:
        self.imports, self.calls = expanded(spec)
        self.attributes = set(spec.forbid_attributes)
        self.suffixes = {p[1:] for p in self.calls if p.startswith(".")}
        self.names = names
        self.dynamic = bool(self.calls or self.attributes)
        self.inner: set[int] = set()   # attribute chains inside a call or a longer chain: judged once, whole

    def forbidden(self, name: str) -> bool:
        return any(_matches(n, p) for n in {name, resolve(name, self.names)} for p in self.calls)

    def check(self, node: ast.AST) -> list[str]:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            return self._import(node)
        if isinstance(node, ast.Call):
            return self._call(node)
        if isinstance(node, ast.Attribute):
            if id(node) in self.inner:
                self.inner.add(id(node.value))
                return []
            self.inner.add(id(node.value))
            return self._reference(node)
        if isinstance(node, ast.keyword) and node.arg in self.attributes:
            return [f"passes {node.arg}="]
        if isinstance(node, ast.Dict):   # f(**{"requires_grad": True})
            return [f"passes {k.value}=" for k in node.keys
                    if isinstance(k, ast.Constant) and isinstance(k.value, str) and k.value in self.attributes]
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and node.id in self.names \
                and self.forbidden(node.id) and id(node) not in self.inner:
            return [f"refers to {resolve(node.id, self.names)}"]
        return []

    def _import(self, node: ast.Import | ast.ImportFrom) -> list[str]:
        mods = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
        if isinstance(node, ast.ImportFrom):
            mods += [f"{node.module}.{a.name}" for a in node.names]
        for mod in mods:
            if any(mod == p or mod.startswith(p + ".") for p in self.imports):
                return [f"imports {mod}"]
        return []

    def _call(self, node: ast.Call) -> list[str]:
        self.inner.add(id(node.func))
        name = dotted(node.func)
        found = [f"calls {name}()"] if self.forbidden(name) else []
        full = resolve(name, self.names)
        literal = len(node.args) >= 2 and isinstance(node.args[1], ast.Constant) and isinstance(node.args[1].value, str)
        if name in NAMED and literal and node.args[1].value in self.attributes | self.suffixes:  # type: ignore[attr-defined]
            found.append(f"uses .{node.args[1].value} through {name}()")  # type: ignore[attr-defined]
        elif self.dynamic and (name in DYNAMIC_CALLS or full in DYNAMIC_CALLS) and not (name in NAMED and literal):
            found.append(f"reaches a name computed at run time ({name}())")
        if isinstance(node.func, ast.Attribute) and not found:
            found += self._reference(node.func)
        return found

    def _reference(self, node: ast.Attribute) -> list[str]:
        name = dotted(node)
        if node.attr in self.attributes:
            return [f"uses .{node.attr}"]
        if self.dynamic and node.attr in DYNAMIC_ATTRIBUTES:
            return [f"reaches a name computed at run time (.{node.attr})"]
        if self.forbidden(name) and not any(_matches(name, p) for p in self.calls if p.startswith(".")):
            return [f"refers to {resolve(name, self.names)}"]
        if node.attr in self.suffixes:
            return [f"uses .{node.attr}"]
        return []


def forbids_autograd(spec: SourceSpec) -> bool:
    """Whether the rule forbids computing gradients with autograd (torch itself, torch.autograd, or ``.backward``)."""
    imports, calls = expanded(spec)
    return bool({"torch", "torch.autograd"} & set(imports)) or any(p in (".backward", "torch.autograd.*") for p in calls)


def guarded(rules: list[SourceSpec], task: Task, harness: Harness | None) -> bool:
    """Whether a student's run must refuse autograd while ``task`` runs: a rule forbids it for whole
    files, or for a function the task's call (or its harness's train / predict call) names. A script
    run as __main__ is never refused it where a rule rules only a script's NumPy part (``outside_torch``):
    its torch half needs autograd, and that rule is judged by reading the code."""
    if harness is not None and harness.script and any(rule.outside_torch for rule in rules):
        return False   # a script with a torch half: only its NumPy part is ruled, and only by reading it
    calls = [harness.train, harness.predict] if harness is not None else []
    said = " ".join([task.expr, *(c for c in calls if c)])
    words = set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", said))
    return any(forbids_autograd(rule) and not rule.outside_torch and (not rule.functions or words & set(rule.functions))
               for rule in rules)


def required(tree: ast.AST, spec: SourceSpec) -> bool:
    """Whether the code calls one of the rule's ``require_calls`` (through any import alias)."""
    names = aliases(tree)
    called = (dotted(n.func) for n in ast.walk(tree) if isinstance(n, ast.Call))
    return any(_matches(n, p) for name in called for n in {name, resolve(name, names)} for p in spec.require_calls)


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


def _missing(tree: ast.AST, spec: SourceSpec, filename: str) -> list[str]:
    """What the rule needs and this file lacks, in words: a NumPy part, or one of the required calls."""
    if spec.outside_torch and isinstance(tree, ast.Module) and not torch_part.has_work(torch_part.split(tree, aliases(tree))[0]):
        return [f"Not written yet: {filename} has no NumPy part (code that does not use torch); this rule "
                "earns its points once that code exists."]
    if spec.require_calls and not required(tree, spec):
        return [f"Not found: {filename} never calls {' or '.join(spec.require_calls)}."]
    return []


def in_scope(tree: ast.Module, spec: SourceSpec, filename: str) -> set[str]:
    """What of the rule's scope the file defines: the listed functions it defines (by ``def``, or a
    name assigned at its top level: ``relu = lambda X: ...``); for a whole-file rule, the file
    itself when it holds any statement beyond a docstring, imports and ``pass``."""
    if spec.functions:
        defined = {n.name for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}
        defined |= {t.id for n in tree.body if isinstance(n, (ast.Assign, ast.AnnAssign))
                    for t in (n.targets if isinstance(n, ast.Assign) else [n.target]) if isinstance(t, ast.Name)}
        return defined & set(spec.functions)
    docstring = bool(tree.body) and isinstance(tree.body[0], ast.Expr) and isinstance(tree.body[0].value, ast.Constant)
    body = tree.body[1:] if docstring else tree.body
    return {filename} if any(not isinstance(n, (ast.Import, ast.ImportFrom, ast.Pass)) for n in body) else set()


def _listed(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + f" and {names[-1]}"


def _wanted(spec: SourceSpec, ctx: JudgeContext) -> tuple[list[str] | Verdict, dict[str, bytes]]:
    """The files a rule reads: those it names, or every file of the submission its patterns match
    (a pattern that matches none is a failed verdict naming it)."""
    if not spec.files or not any(any(c in f for c in "*?[") for f in spec.files):
        return spec.files or [f for f in ctx.files if f.endswith(".py")], ctx.files
    files = {**(ctx.every_file or {}), **ctx.files}
    wanted: list[str] = []
    for pattern in spec.files:
        matched = sorted(f for f in files if fnmatch.fnmatchcase(f, pattern))
        if not matched:
            reason = f" {spec.reason}" if spec.reason else ""
            return Verdict.failed(f"No file of the submission matches {pattern}.{reason}", missing=pattern), files
        wanted += [f for f in matched if f not in wanted]
    return wanted, files


def _docstring(stmt: ast.stmt) -> bool:
    return isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant) and isinstance(stmt.value.value, str)


def implemented(tree: ast.AST) -> set[str]:
    """Names of the functions (and methods) that have a real body somewhere in the tree."""
    return {node.name for node in ast.walk(tree) if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
            and not all(_placeholder(stmt) or _docstring(stmt) for stmt in node.body)}


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
    """Proves the submission's code, in the rule's scope, spells out no forbidden import, call,
    reference or attribute (through any import alias) and reaches no name computed at run time,
    by reading its source. Code not written yet (a function still raising NotImplementedError)
    earns nothing."""

    name: ClassVar[str] = "source"
    Spec: ClassVar[type[CheckSpec]] = SourceSpec

    def tasks(self, spec: SourceSpec, cases: int) -> list[Task]:
        return []

    def judge(self, spec: SourceSpec, ctx: JudgeContext) -> Verdict:
        wanted, files = _wanted(spec, ctx)
        if isinstance(wanted, Verdict):
            return wanted
        found: list[str] = []
        todo: list[str] = []
        scoped: set[str] = set()      # the scope's functions (or, for a whole-file rule, files) that hold code
        written: set[str] = set()     # functions with a real body anywhere (an abstract base method overridden)
        missing: list[str] = []
        for filename in wanted:
            raw = files.get(filename)
            if raw is None:
                return Verdict("error", 0.0, f"{filename} is missing from the submission.")
            if len(raw) > MAX_SOURCE_BYTES:
                return Verdict("error", 0.0, f"{filename} is larger than 2 MiB; it cannot be inspected.")
            text = raw.decode("utf-8-sig", errors="replace")
            try:
                tree = ast.parse(text, filename=filename)
            except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
                return Verdict("error", 0.0, f"{filename} cannot be parsed: {exc}")
            # Walking the tree is most of a batch's judging time: skip what the text already rules out.
            scoped |= in_scope(tree, spec, filename)
            found += violations(tree, spec, filename) if could_violate(text, spec) else []
            todo += unfinished(tree, spec) if could_be_unfinished(text) else []
            written |= implemented(tree)
            missing += _missing(tree, spec, filename)
        if found:
            shown = "; ".join(found[:5]) + (f"; and {len(found) - 5} more" if len(found) > 5 else "")
            reason = f" {spec.reason}" if spec.reason else ""
            return Verdict.failed(f"Forbidden code found: {shown}.{reason}", violations=found)
        if not scoped:
            what = (f"{_listed(spec.functions)} {'is' if len(spec.functions) == 1 else 'are'} not defined" if spec.functions
                    else "the submission holds no code (only comments, a docstring or imports)")
            return Verdict.failed(f"Nothing to check: {what}; this rule earns its points once the code it applies "
                                  "to exists.", missing=list(spec.functions or []))
        todo = [name for name in todo if name not in written]   # a base class's abstract method, overridden
        if missing and len(missing) == len(wanted):
            return Verdict.failed(" ".join(dict.fromkeys(missing)) + (f" {spec.reason}" if spec.reason else ""),
                                  needs=missing)
        if todo:
            shown = ", ".join(todo[:5]) + (f" and {len(todo) - 5} more" if len(todo) > 5 else "")
            return Verdict.failed(f"Not written yet: {shown} still raise NotImplementedError (or are empty); this "
                                  "rule earns its points once the code it applies to exists.", unfinished=todo)
        if spec.require_calls and not (spec.forbid_imports or spec.forbid_calls or spec.forbid_attributes):
            return Verdict.passed(f"Calls {' or '.join(spec.require_calls)}, as required.")
        return Verdict.passed("No forbidden imports, calls or attributes.")

    def detail_rows(self, details: dict[str, Any]) -> list[DetailRow]:
        """The forbidden code found (the first 50 findings); then any other plain detail (the unfinished functions)."""
        found = details["violations"] if isinstance(details.get("violations"), list) else []
        return [DetailRow("", clip(str(v), 500), "violation") for v in found[:50]] + plain_rows(details, {"violations"})
