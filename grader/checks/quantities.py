"""Named groups of numbers found in printed output, each at the printer's own precision.

Used by the ``output`` kind when a check grades ``quantities`` (see :mod:`grader.checks.output`):
the instructor's oracle gives each quantity's true values (the prediction, the loss, the eight
gradients, the weights after a step, the weights along training), and :func:`find` looks for
every group on its own among the student's printed numbers, so labels (in any language), the
order of the groups and unrelated prints in between do not matter. A printed number stands for
what it rounds from: ``0.75`` matches anything in [0.745, 0.755]; that the student chose two
decimals is theirs to choose, and where the printed digits cannot tell the true value from zero
the details say so.
"""

from __future__ import annotations

import ast
import json
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from grader import tolerance as tol
from grader.checks import torch_part
from grader.checks.base import JudgeContext, Status, Verdict
from grader.checks.printed import Number, clip, extract, relation
from grader.checks.property import plain
from grader.checks.python import JudgeFailed, load_judge
from grader.checks.source import aliases

MAX_GAP = 3           # other numbers allowed between two numbers of one group (old weight, label digits...)
FACTOR_SPREAD = 0.03  # the ratios to the true values agree this closely: "about 4.01× the true values"
COARSE = 0.05         # rounding hides more than 5% of the printed number: too few digits to tell


@dataclass(frozen=True)
class Group:
    """One quantity as the oracle gives it: its values in order, the layouts a student may print
    them in (each a permutation of the indices), known mistakes by what they are, and for a
    trajectory one row per epoch (``rows``; then ``values`` is unused)."""

    name: str
    values: tuple[float, ...] = ()
    orders: tuple[tuple[int, ...], ...] = ()
    mistakes: dict[str, tuple[float, ...]] = field(default_factory=dict)
    rows: tuple[tuple[float, ...], ...] = ()

    @property
    def size(self) -> int:
        return len(self.rows[0]) if self.rows else len(self.values)


@dataclass
class Found:
    """Where a group was found (or why not), in words and plain data."""

    name: str
    ok: bool
    message: str
    positions: list[list[int]] = field(default_factory=list)   # each occurrence: indices into the numbers
    epoch: int | None = None                                     # a trajectory: the epoch matched last
    coarse: bool = False                                         # some printed too coarsely to tell a small error


def groups(raw: Any) -> list[Group]:
    """The oracle's answer as groups: ``{name: [numbers]}`` or ``{name: {"values" | "rows", "orders",
    "mistakes"}}``, in the oracle's order. Raises ValueError on anything else."""
    if not isinstance(raw, dict) or not raw:
        raise ValueError("the oracle must return a non-empty dict of named quantities")
    out = []
    for name, spec in raw.items():
        spec = spec if isinstance(spec, dict) else {"values": spec}
        rows = tuple(tuple(float(v) for v in row) for row in spec.get("rows", ()))
        values = tuple(float(v) for v in np.ravel(np.asarray(spec.get("values", ()), dtype=np.float64)))
        size = len(rows[0]) if rows else len(values)
        orders = tuple(tuple(int(i) for i in order) for order in spec.get("orders", ()))
        if size == 0 or any(sorted(order) != list(range(size)) for order in orders):
            raise ValueError(f"quantity {name!r}: no values, or an order that is not a permutation of them")
        mistakes = {str(k): tuple(float(v) for v in np.ravel(np.asarray(m, dtype=np.float64)))
                    for k, m in dict(spec.get("mistakes", {})).items()}
        out.append(Group(str(name), values, ((tuple(range(size)),) + orders), mistakes, rows))
    return out


def _fits(number: Number, value: float, rtol: float, atol: float) -> bool:
    """The printed number rounds from ``value``: within half a unit of its own last digit, plus tolerances."""
    if not (math.isfinite(number.value) and math.isfinite(value)):
        return False
    slack = number.half_unit * (1 + 1e-9) + atol + rtol * abs(value) + 1e-12 * abs(value)
    return abs(number.value - value) <= slack


def _chain(numbers: list[Number], start: int, values: list[float], rtol: float, atol: float) -> list[int] | None:
    """Indices of ``values`` found in order from ``numbers[start]`` on, each within MAX_GAP of the last."""
    if not _fits(numbers[start], values[0], rtol, atol):
        return None
    found = [start]
    for value in values[1:]:
        at = next((i for i in range(found[-1] + 1, min(found[-1] + 2 + MAX_GAP, len(numbers)))
                   if _fits(numbers[i], value, rtol, atol)), None)
        if at is None:
            return None
        found.append(at)
    return found


def occurrences(numbers: list[Number], group: Group, rtol: float, atol: float) -> list[list[int]]:
    """Every non-overlapping place the group was printed (in any of its layouts), in order."""
    layouts = [[group.values[i] for i in order] for order in group.orders]
    out: list[list[int]] = []
    start = 0
    while start < len(numbers):
        hit = next((c for values in layouts if (c := _chain(numbers, start, values, rtol, atol)) is not None), None)
        if hit is not None:
            out.append(hit)
            start = hit[-1] + 1
        else:
            start += 1
    return out


def find(numbers: list[Number], group: Group, need: int, rtol: float, atol: float, torch_half: bool = False) -> Found:
    """The group as the script first printed it (a trajectory: its latest epoch), or why not in words.

    What a script prints first is its own version of the quantity: a known mistake or a common factor
    printed before the right values (which a torch half printed afterwards) makes the group wrong. For a
    torch half (``torch_half``) the right values must be printed ``need`` times, or ``need - 1`` times
    after a wrong by-hand version."""
    if group.rows:
        return _trajectory(numbers, group, rtol, atol)
    hits = occurrences(numbers, group, rtol, atol)
    wrong_at, why = _wrong(numbers, group, rtol, atol)
    wrong_first = wrong_at is not None and (not hits or wrong_at < hits[0][0])
    enough = len(hits) >= (need - int(wrong_first) if torch_half else need) and (torch_half or not wrong_first)
    if enough and hits:
        shown = hits[:need]
        coarse = any(numbers[i].half_unit > COARSE * abs(numbers[i].value) for hit in shown for i in hit)
        where = "" if len(shown) == 1 else f" {len(shown)} times"
        note = " (printed with too few digits to tell a small error apart: print more decimals)" if coarse else ""
        return Found(group.name, True, f"{group.name}: right{where}{note}", shown, coarse=coarse)
    if hits and not wrong_first:
        return Found(group.name, False, f"{group.name} printed right only {len(hits)} of {need} times", hits)
    return Found(group.name, False, why or f"{group.name}: not printed, or wrong")


def _wrong(numbers: list[Number], group: Group, rtol: float, atol: float) -> tuple[int | None, str | None]:
    """Where a recognisably wrong version of the group was first printed, and what is wrong in words:
    a common factor to the true values, a known mistake, or both."""
    factor, at = _common_factor(numbers, group)
    head = f"{group.name} wrong ({factor} the true values)" if factor else None
    for what, values in group.mistakes.items():
        places = occurrences(numbers, Group(group.name, values, group.orders), rtol, atol)
        if places:
            first = places[0][0] if at is None else min(at, places[0][0])
            return first, f"{head or group.name + ' wrong'}: {what}"
    return at, head


def _common_factor(numbers: list[Number], group: Group) -> tuple[str | None, int | None]:
    """'about 4.01×' and where, when some run of the printed numbers is the true values times one factor."""
    k = group.size
    values = np.array(group.values)
    if k < 2 or not np.all(values != 0) or len(numbers) < k:
        return None, None
    printed = np.array([n.value for n in numbers])
    for start in range(len(numbers) - k + 1):
        ratios = printed[start:start + k] / values
        mean = float(np.mean(ratios))
        if np.all(np.isfinite(ratios)) and abs(mean - 1) > 0.05 and mean != 0 \
                and float(np.max(np.abs(ratios / mean - 1))) <= FACTOR_SPREAD:
            words = relation(mean, 1.0)
            if words.startswith("about") and "too large" in words:
                return f"about {mean:.3g}×", start
            return words.replace("too large", "larger than").replace("too small", "smaller than"), start
    return None, None


def _trajectory(numbers: list[Number], group: Group, rtol: float, atol: float) -> Found:
    """The printed run of numbers that is the weights after the most epochs n ≥ 2 of true training
    (a script that trains for 200 epochs and then shows one step of its torch half trained 200)."""
    rows = np.array(group.rows)
    k = rows.shape[1]
    printed = np.array([n.value for n in numbers])
    halves = np.array([n.half_unit for n in numbers])
    slack = atol + rtol * np.abs(rows) + 1e-12 * np.abs(rows)
    best: tuple[int, int] | None = None    # (epoch, start)
    for start in range(len(numbers) - k + 1):
        near = np.abs(rows[1:, 0] - printed[start]) <= slack[1:, 0] + halves[start] * (1 + 1e-9)
        candidates = np.flatnonzero(near[1:]) + 2  # rows 0 and 1: the start and one step, no evidence of training
        if not candidates.size:
            continue
        window, half = printed[start:start + k], halves[start:start + k]
        ok = np.all(np.abs(rows[candidates] - window) <= slack[candidates] + half * (1 + 1e-9), axis=1)
        if ok.any() and (best is None or int(candidates[np.flatnonzero(ok)[-1]]) > best[0]):
            best = (int(candidates[np.flatnonzero(ok)[-1]]), start)
    if best is None:
        return Found(group.name, False, f"{group.name}: no printed weights match any epoch of correct training "
                                        f"(up to {len(rows) - 1} epochs)")
    epoch, start = best
    return Found(group.name, True, f"{group.name}: right after {epoch} epoch{'s' if epoch != 1 else ''}",
                 [list(range(start, start + k))], epoch=epoch)


# -------------------------------------------------------------------- judging

_ORACLE: dict[tuple[str, str, str], list[Group]] = {}


def expected_groups(spec: Any, ctx: JudgeContext) -> list[Group]:
    """The oracle's quantities for the check's inputs (computed once per oracle, inputs and file)."""
    inputs = ctx.inputs[0] if ctx.inputs else {}
    root = ctx.assignment.root if ctx.assignment is not None else None
    bundle = getattr(ctx.assignment, "expected", None) is not None   # a student bundle: answers computed when built
    key = ("bundle:" + spec.id if bundle else spec.quantities, str(root),
           repr(sorted((k, plain(v)) for k, v in inputs.items())))
    if key not in _ORACLE:
        bundled = _bundled(ctx, spec.id) if bundle else None
        _ORACLE[key] = groups(bundled if bundled is not None else oracle_quantities(spec.quantities, root, inputs))
    chosen = _ORACLE[key]
    if spec.groups:
        missing = [g for g in spec.groups if g not in {q.name for q in chosen}]
        if missing:
            raise JudgeFailed(f"gives no quantity named {', '.join(map(repr, missing))}")
        chosen = [q for q in chosen if q.name in spec.groups]
    return chosen


def oracle_quantities(judge: str, root: Any, inputs: dict[str, Any]) -> Any:
    """What the oracle ``hidden/<file>.py:<function>`` gives for one case's inputs (plain data)."""
    function = load_judge(judge, root)
    try:
        return function(**{k: plain(v) for k, v in inputs.items()})
    except Exception as exc:
        raise JudgeFailed(f"raised {type(exc).__name__}: {exc}") from exc


def _bundled(ctx: JudgeContext, check_id: str) -> Any:
    """A bundle's precomputed quantities for a public check (``expected.json``'s ``quantities``), else None."""
    expected = getattr(ctx.assignment, "expected", None)   # a bundle's expected.json (an Assignment has it)
    if expected is None:
        return None
    try:
        data = json.loads(expected.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    found = data.get("quantities", {}) if isinstance(data, dict) else {}
    pairs = found.get(check_id) if isinstance(found, dict) else None
    if not isinstance(pairs, list) or not all(isinstance(p, list) and len(p) == 2 for p in pairs):
        return None
    return {str(name): value for name, value in pairs}   # in the oracle's order


def judge_quantities(spec: Any, ctx: JudgeContext, run: dict[str, Any]) -> Verdict:
    """Each quantity found on its own among the decimals the run printed; credit by quantity (trajectories
    and groups alike), the message naming each wrong one. Integers are left out: they are epoch counters
    and label digits (第1轮), never one of these quantities."""
    try:
        wanted = expected_groups(spec, ctx)
    except (JudgeFailed, ValueError) as exc:
        return Verdict("error", 0.0, f"the assignment's quantities {spec.quantities} {exc}; fix the assignment")
    if spec.by_hand and not numpy_part_exists(ctx.files):
        return Verdict.failed("Your code has no NumPy part (every computation uses torch), so these numbers were "
                              "not computed by hand; this half of the homework derives them in NumPy.",
                              found_by="the numbers the script printed")
    numbers = [n for n in extract(run["text"], spec.labels, spec.patterns) if n.half_unit > 0]
    rtol, atol = tol.resolve(*tol.check_layers(spec.rtol, spec.atol, ctx.default_rtol, ctx.default_atol),
                             default=tol.PRINTED)
    need = spec.occurrences if not spec.torch_half or numpy_part_exists(ctx.files) else 1
    found = [find(numbers, group, need, rtol, atol, spec.torch_half) for group in wanted]
    right = [f for f in found if f.ok]
    public = spec.visibility == "public"
    wrong = [f.message if public else f"{f.name}: not printed, or wrong" for f in found if not f.ok]
    if not wrong:
        message = "Found in what your script printed: " + "; ".join(f.message for f in found) + "."
    else:
        message = "; ".join(wrong) + "." + (f" Right: {', '.join(f.name for f in right)}." if right else "")
    if run["error"]:
        message += f" The script stopped early ({clip(run['error'], 200) if public else 'an error'})."
    details: dict[str, Any] = {"found_by": "the numbers the script printed",
                               "quantities": {f.name: ("right" if f.ok else "wrong or missing") for f in found}}
    epochs = [f.epoch for f in found if f.epoch is not None]
    if epochs:
        details["epochs_trained"] = epochs[0]
    if any(f.coarse for f in found):
        details["too_few_digits"] = [f.name for f in found if f.coarse]
    if public:
        details["printed_numbers"] = [n.text for n in numbers[:50]]
    fraction = len(right) / len(found)
    status: Status = "passed" if fraction == 1 else "partial" if right else "failed"
    return Verdict(status, fraction, message, details)


def numpy_part_exists(files: dict[str, bytes]) -> bool:
    """Whether some .py file of the submission computes anything outside its torch part."""
    for name, raw in files.items():
        if not name.endswith(".py"):
            continue
        try:
            tree = ast.parse(raw.decode("utf-8-sig", errors="replace"))
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            continue
        if torch_part.has_work(torch_part.split(tree, aliases(tree))[0]):
            return True
    return False
