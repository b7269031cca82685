"""``python``: an instructor's own judge function scores what the student's call returned.

    - id: forward-judged
      kind: python
      call: forward(x, w)              # evaluated in the sandbox, for student and reference alike
      inputs: given
      judge: hidden/judges.py:forward  # instructor code, run in the grader's process
      score: fraction                  # or points: the judge's number is points out of the check's

The sandbox evaluates ``call`` on the drawn inputs exactly as ``compare`` does. The grader
then imports ``judge`` from the assignment's ``hidden/`` folder (never from the
submission) and calls it once per case with plain data only::

    def forward(got, expected, inputs):   # NumPy arrays, Python scalars, lists, dicts
        ...
        return 0.5, "the shape is right but the values are not"

``got`` is what the student's call returned, ``expected`` what the reference's returned,
``inputs`` the case's inputs by name. The judge returns ``(score, message)`` or a
:class:`Judgement`. The check scores the mean of its cases' scores (each clamped to the
allowed range) and shows the message of the case that scored least. A judge that raises
or returns something else is reported as a grader error in one sentence, never as the
student's fault. A hidden check's message never quotes the judge's words (they may
mention hidden values): it says only how much was awarded.
"""

from __future__ import annotations

import hashlib
import importlib.util
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any, ClassVar, Literal

from pydantic import Field

from grader.checks.base import CheckSpec, InputUse, JudgeContext, KindBase, Status, Task, Verdict
from grader.checks.property import input_values, plain

JUDGE_PATTERN = r"^hidden/[A-Za-z_][A-Za-z0-9_/]*\.py:[A-Za-z_][A-Za-z0-9_]*$"


class PythonSpec(CheckSpec):
    kind: str = "python"
    call: str = Field(description="call expression evaluated for student and reference, e.g. forward(x, w)")
    inputs: str | dict[str, Any] | None = None
    judge: str = Field(pattern=JUDGE_PATTERN, description="hidden/<file>.py:<function> that scores each case")
    score: Literal["fraction", "points"] = Field(default="fraction", description="what the judge's number means")


@dataclass(frozen=True)
class Judgement:
    """What a judge function may return instead of a ``(score, message)`` tuple."""

    score: float
    message: str


class JudgeFailed(Exception):
    """The instructor's judge could not be loaded, raised, or returned something unusable."""


class Python(KindBase):
    """Proves what the instructor's judge function (in the assignment's hidden/ folder) decides about
    the values the student's call returned, compared with the reference's on the same inputs; the
    judge runs in the grader on plain data only and its score is clamped to the check's points."""

    name: ClassVar[str] = "python"
    Spec: ClassVar[type[CheckSpec]] = PythonSpec

    def input_uses(self, spec: PythonSpec) -> list[InputUse]:
        return [InputUse(spec.call, spec.inputs)]

    def tasks(self, spec: PythonSpec, cases: int) -> list[Task]:
        return [Task(spec.id, case, spec.call, f"{spec.id}/{case}") for case in range(cases)]

    def judge(self, spec: PythonSpec, ctx: JudgeContext) -> Verdict:
        public = spec.visibility == "public"
        try:
            function = load_judge(spec.judge, ctx.assignment.root if ctx.assignment is not None else None)
            scored = [self._case(spec, function, ctx, index) for index in range(len(ctx.got))]
        except JudgeFailed as exc:
            return Verdict("error", 0.0, f"The instructor's judge {spec.judge} {exc if public else _brief(exc)}; "
                                         "this is a fault of the assignment, not of your submission.")
        if not scored:
            return Verdict("error", 0.0, f"The check {spec.id} has no cases to judge.")
        fraction = sum(f for f, _ in scored) / len(scored)
        worst = min(range(len(scored)), key=lambda i: scored[i][0])
        status: Status = "passed" if fraction >= 1 else "partial" if fraction > 0 else "failed"
        if not public:
            return Verdict(status, fraction, f"The judge awarded {fraction:.0%} of the points.")
        where = f" (case {worst + 1} of {len(scored)})" if len(scored) > 1 and fraction < 1 else ""
        message = scored[worst][1].rstrip(".") + where + "."
        return Verdict(status, fraction, message, {"case_scores": [round(f, 4) for f, _ in scored]})

    def _case(self, spec: PythonSpec, function: Callable[..., Any], ctx: JudgeContext, index: int) -> tuple[float, str]:
        """One case's score as a fraction in [0, 1] and the judge's message."""
        got, expected = plain(ctx.got[index].value), plain(ctx.expected[index].value)
        inputs = input_values(ctx.inputs[index]) if index < len(ctx.inputs) else {}
        try:
            returned = function(got, expected, inputs)
        except Exception as exc:
            raise JudgeFailed(f"raised {type(exc).__name__}: {exc}") from exc
        score, message = _unpack(returned)
        if spec.score == "points":
            score = score / spec.points if spec.points > 0 else 0.0
        return min(1.0, max(0.0, score)), message


def _unpack(returned: Any) -> tuple[float, str]:
    if isinstance(returned, Judgement):
        returned = (returned.score, returned.message)
    if (not isinstance(returned, tuple) or len(returned) != 2 or isinstance(returned[0], bool)
            or not isinstance(returned[0], (int, float)) or not isinstance(returned[1], str)):
        raise JudgeFailed(f"returned {type(returned).__name__}, not a (score, message) pair or a Judgement")
    score = float(returned[0])
    if not math.isfinite(score):
        raise JudgeFailed("returned a score that is not a finite number")
    return score, returned[1]


def _brief(exc: JudgeFailed) -> str:
    """A hidden check's one sentence: what went wrong, without the judge's words (they may hold hidden values)."""
    cause = exc.__cause__
    return f"failed ({type(cause).__name__})" if cause is not None else str(exc)


_LOADED: dict[tuple[str, str], ModuleType] = {}


def load_judge(judge: str, root: Path | None) -> Callable[..., Any]:
    """The judge function ``hidden/<file>.py:<function>`` of the assignment at ``root``.

    Loaded once per file content: the module is the instructor's, so it runs in the
    grader's process like the grader's own code.
    """
    if root is None:
        raise JudgeFailed("cannot be found: the grader was not told which assignment this check belongs to")
    file, name = judge.split(":")
    path = root / file
    try:
        source = path.read_bytes()
    except OSError:
        raise JudgeFailed(f"cannot be found ({path} is missing; student bundles do not ship hidden/)") from None
    key = (str(path), hashlib.sha256(source).hexdigest())
    module = _LOADED.get(key)
    if module is None:
        module = _import(path, f"grader_judge_{key[1][:16]}")
        _LOADED[key] = module
    function = getattr(module, name, None)
    if not callable(function):
        raise JudgeFailed(f"cannot be found: {file} defines no function {name}")
    return function


def _import(path: Path, module_name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise JudgeFailed(f"cannot be loaded from {path}")
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except Exception as exc:
        raise JudgeFailed(f"could not be imported ({type(exc).__name__}: {exc})") from exc
    return module
