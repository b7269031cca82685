"""Mutation testing of the assignments' checks: how many deliberately broken references do they catch?

For each assignment, every function body of the reference is mutated one change at a time
(AST mutations: flip an operator, drop a factor, swap two operands or arguments, perturb a
constant, remove a statement), each mutant is graded with the grader's own Python API — one
warm :class:`grader.engine.Engine` for everything, so the reference runs once per assignment —
and the script prints, per assignment, the fraction of mutants caught:

* caught: some check does not pass (the score drops);
* caught by hidden checks: some hidden check does not pass (what a hard-coding student faces);
* caught of the rest: caught among the mutants not reviewed as equivalent (``EQUIVALENT`` below
  lists each reviewed survivor with the reason it cannot be told apart from the reference).

Survivors are listed with the change that produced them; a survivor is either a gap in the
checks or an equivalent mutant (one that does not change behaviour, e.g. ``x > 0`` → ``x >= 0``
where x is never 0). Assertions, docstrings, annotations and ``if __name__ == "__main__":``
blocks are never mutated.

    python benchmarks/mutants.py                       # every assignment under ./assignments
    python benchmarks/mutants.py activation-relu losses --max 150 --jobs 2
"""

from __future__ import annotations

import argparse
import ast
import copy
import random
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from grader import api  # noqa: E402
from grader.engine import Engine  # noqa: E402
from grader.errors import GraderError  # noqa: E402
from grader.results import Result  # noqa: E402

FLIP_BIN: dict[type, type] = {ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.Div, ast.Div: ast.Mult,
                              ast.Pow: ast.Mult, ast.FloorDiv: ast.Div, ast.MatMult: ast.Mult}
FLIP_CMP: dict[type, type] = {ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE, ast.GtE: ast.Gt,
                              ast.Eq: ast.NotEq, ast.NotEq: ast.Eq}
NOT_COMMUTATIVE = (ast.Sub, ast.Div, ast.MatMult, ast.Pow, ast.FloorDiv)


_CONVERT = "input conversion: the inputs already are float64 arrays"
_SQUARED = "the difference is squared, so its sign does not matter"
# Survivors reviewed by hand and found to behave exactly like the reference on every input the
# assignment allows (its README fixes the types and shapes). Keyed by the mutant's description.
EQUIVALENT: dict[str, dict[str, str]] = {
    "activation-relu": {
        "remove a statement: `x, w = (np.asarray(x, dtype=np.float64), np.asarray(w, dtype=np.float…`": _CONVERT,
        "remove a statement: `x, y, w = (np.asarray(a, dtype=np.float64) for a in (x, y, w))`": _CONVERT,
        "remove a statement: `w = np.asarray(w, dtype=np.float64).copy()`": "defensive copy; update() returns a new array anyway",
        "swap arguments: `np.maximum(np.asarray(z, dtype=np.float64), 0.0)` → `np.maximum(0.0, np.asarray(z, dtype=np.float64))`":
            "np.maximum is symmetric",
        "swap operands: `np.asarray(o, dtype=np.float64) - np.asarray(y, dtype=np.float64)` → `np.asarray(y, dtype=np.float64) - np.asarray(o, dtype=np.float64)`": _SQUARED,
        "flip operator: `np.asarray(z, dtype=np.float64) > 0` → `np.asarray(z, dtype=np.float64) >= 0`":
            "differs only at z = 0 exactly, which graded inputs avoid on purpose (ReLU'(0) is a convention)",
        "swap arguments: `loss(o, y)` → `loss(y, o)`": _SQUARED,
    },
    "bp-manual": {
        "remove a statement: `x, w = (_as_f64(x), _as_f64(w))`": _CONVERT,
        "remove a statement: `x, y, w = (_as_f64(x), _as_f64(y), _as_f64(w))`": _CONVERT,
        "remove a statement: `w = _as_f64(w).copy()`": "defensive copy; update() returns a new array anyway",
        "swap operands: `_as_f64(o) - _as_f64(y)` → `_as_f64(y) - _as_f64(o)`": _SQUARED,
        "swap arguments: `loss(o, y)` → `loss(y, o)`": _SQUARED,
    },
    "losses": {
        "remove a statement: `o, y = (np.asarray(o, dtype=np.float64), np.asarray(y, dtype=np.float…`": _CONVERT,
        "remove a statement: `Z = np.asarray(Z, dtype=np.float64)`": _CONVERT,
        "remove a statement: `labels = np.asarray(labels).astype(np.int64)`": "input conversion: labels already are int64 arrays",
        "swap operands: `np.asarray(o, dtype=np.float64) - np.asarray(y, dtype=np.float64)` → `np.asarray(y, dtype=np.float64) - np.asarray(o, dtype=np.float64)`": _SQUARED,
        "swap arguments: `half_sse(o, y)` → `half_sse(y, o)`": _SQUARED,
        "swap arguments: `mse(o, y)` → `mse(y, o)`": _SQUARED,
        "swap arguments: `criterion(torch.as_tensor(np.asarray(o, dtype=np.float64)), torch.as_…` → `criterion(torch.as_tensor(np.asarray(y, dtype=np.float64)), torch.as_…`": _SQUARED,
        "drop a minus: `-1` → `1`": "axis=-1 and axis=1 are the same axis of the 2-D logits",
    },
    "softmax-regression": {
        "flip operator: `y_hat.shape[1] > 1` → `y_hat.shape[1] >= 1`": "differs only for a (batch, 1) score matrix, which is not a valid input",
    },
    "dropout": {
        "remove a statement: `if dropout == 0:;     return X.clone()`":
            "rand() > 0 keeps every element except with probability 2^-24 each (the spec budgets for it)",
        "perturb a constant: `0` → `1`": "turns the p = 0 shortcut into a second p = 1 test; see the line above",
        "swap arguments: `squared_loss(linreg(X, w, b), y)` → `squared_loss(y, linreg(X, w, b))`": _SQUARED,
        "flip operator: `torch.rand(X.shape) > dropout` → `torch.rand(X.shape) >= dropout`": "differs only when rand() returns p exactly",
        "swap operands: `y_hat - y.reshape(y_hat.shape)` → `y.reshape(y_hat.shape) - y_hat`": _SQUARED,
    },
    "initialisation": {
        "swap operands: `torch.rand(fan_in, fan_out) * 2.0 - 1.0` → `1.0 - torch.rand(fan_in, fan_out) * 2.0`":
            "U(-1, 1) is symmetric: the same distribution",
        "swap arguments: `torch.nn.functional.mse_loss(forward(X, params), y)` → `torch.nn.functional.mse_loss(y, forward(X, params))`": _SQUARED,
        "remove a statement: `raise ValueError(f'unknown initialisation {method!r}')`":
            "only reached for an unknown method, which graded calls never pass (a check cannot expect an exception yet)",
    },
}


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
    elif isinstance(node, ast.AugAssign) and type(node.op) in FLIP_BIN:
        yield "flip"
    elif isinstance(node, ast.Compare) and len(node.ops) == 1 and type(node.ops[0]) in FLIP_CMP:
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
            value[[i for i, v in enumerate(value) if v is old][0]] = new
            return
    raise LookupError("node not found in its parent")


def _short(node: ast.AST, limit: int = 70) -> str:
    text = ast.unparse(node).replace("\n", "; ")
    return text if len(text) <= limit else text[:limit - 1] + "…"


def enumerate_mutants(file: str, source: str) -> list[Mutant]:
    tree = ast.parse(source)
    parents = _parents(tree)
    mutable = _mutable(tree)
    found = []
    for index, node in enumerate(ast.walk(tree)):
        if node not in mutable:
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


# ------------------------------------------------------------------------ grading

@dataclass
class Verdict:
    mutant: Mutant
    caught: bool
    caught_hidden: bool
    score: float
    failing: list[str]


def run_assignment(engine: Engine, name: str, limit: int, seed: int, jobs: int,
                   progress: Callable[[str], None]) -> tuple[list[Verdict], float]:
    assignment = api.load_assignment(ROOT / "assignments" / name)
    started = time.perf_counter()
    prepared = engine.prepare(assignment)
    baseline = engine.grade(prepared, assignment.reference_dir)
    if baseline.score != assignment.max_score:
        failing = ", ".join(f"{c.id} ({c.message[:80]})" for c in baseline.checks if c.status != "passed")
        progress(f"{name}: skipped: the reference scores {baseline.score}/{assignment.max_score} here: {failing}")
        return [], time.perf_counter() - started
    sources = {f: (assignment.reference_dir / f).read_text() for f in assignment.spec.files if f.endswith(".py")}
    mutants = [m for f, src in sources.items() for m in enumerate_mutants(f, src)]
    if len(mutants) > limit:
        mutants = sorted(random.Random(seed).sample(mutants, limit), key=lambda m: (m.file, m.index, m.variant))
    work = Path(tempfile.mkdtemp(prefix=f"mutants-{name}-"))

    def grade(item: tuple[int, Mutant]) -> Verdict | None:
        number, mutant = item
        text = mutate(sources[mutant.file], mutant)
        if text is None:
            return None
        folder = work / f"m{number}"
        shutil.copytree(assignment.reference_dir, folder, ignore=shutil.ignore_patterns("__pycache__"))
        (folder / mutant.file).write_text(text)
        result: Result = engine.grade(prepared, folder)
        shutil.rmtree(folder, ignore_errors=True)
        failing = [c.id for c in result.checks if c.status != "passed"]
        hidden = [c.id for c in result.checks if c.status != "passed" and c.visibility == "hidden"]
        return Verdict(mutant, bool(failing) or result.score < baseline.score, bool(hidden), result.score, failing)

    try:
        with ThreadPoolExecutor(max_workers=jobs) as pool:
            verdicts = [v for v in pool.map(grade, enumerate(mutants)) if v is not None]
    finally:
        shutil.rmtree(work, ignore_errors=True)
    progress(f"{name}: {len(verdicts)} mutants graded in {time.perf_counter() - started:.1f} s")
    return verdicts, time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("assignments", nargs="*", help="names under ./assignments (default: all)")
    parser.add_argument("--max", type=int, default=400, help="at most this many mutants per assignment (sampled)")
    parser.add_argument("--seed", type=int, default=0, help="seed for sampling mutants")
    parser.add_argument("--jobs", type=int, default=2, help="warm workers / concurrent grades")
    parser.add_argument("--secret", default="mutants", help="course secret for the hidden inputs")
    parser.add_argument("--quiet", action="store_true", help="do not list the survivors")
    args = parser.parse_args(argv)
    names = args.assignments or sorted(p.parent.name for p in (ROOT / "assignments").glob("*/assignment.yaml"))
    rows = []
    with Engine(jobs=args.jobs, secret=args.secret, preload=["numpy", "torch"]) as engine:
        for name in names:
            try:
                verdicts, seconds = run_assignment(engine, name, args.max, args.seed, args.jobs,
                                                   lambda line: print(line, file=sys.stderr))
            except GraderError as exc:
                print(f"{name}: skipped: {exc}", file=sys.stderr)
                continue
            if not verdicts:
                continue
            caught = sum(v.caught for v in verdicts)
            hidden = sum(v.caught_hidden for v in verdicts)
            reviewed = EQUIVALENT.get(name, {})
            survivors = [v for v in verdicts if not v.caught]
            equivalent = [v for v in survivors if v.mutant.description in reviewed]
            rows.append((name, len(verdicts), caught, hidden, len(equivalent), seconds))
            if survivors and not args.quiet:
                print(f"\n{name}: {len(survivors)} survivors ({len(equivalent)} reviewed as equivalent)")
                for v in survivors:
                    why = reviewed.get(v.mutant.description)
                    print(f"  {v.mutant.file}:{v.mutant.line}: {v.mutant.description}"
                          + (f"\n      equivalent: {why}" if why else "\n      NOT REVIEWED: a gap in the checks?"))
    print(f"\n{'assignment':20} {'mutants':>7} {'caught':>8} {'by hidden':>10} {'equivalent':>10} "
          f"{'caught of the rest':>18} {'seconds':>8}")
    for name, total, caught, hidden, equivalent, seconds in rows:
        pct = lambda n, d: f"{100 * n / d:.1f}%" if d else "-"  # noqa: E731
        print(f"{name:20} {total:7d} {pct(caught, total):>8} {pct(hidden, total):>10} {equivalent:10d} "
              f"{pct(caught, total - equivalent):>18} {seconds:8.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
