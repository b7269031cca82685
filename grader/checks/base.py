"""The check-kind contract: what every kind provides (:class:`CheckKind`), the defaults it
inherits (:class:`KindBase`), and the plain data passed between a kind and the engine."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Protocol

from pydantic import BaseModel, ConfigDict

from grader.assignment import Assignment, CheckSpec, Visibility
from grader.checks.display import DetailRow, plain_rows
from grader.inputs import InputValue
from grader.results import Status

__all__ = ["CheckKind", "CheckSpec", "Evaluation", "Harness", "InputUse", "JudgeContext", "KindBase",
           "Status", "Task", "Verdict", "Visibility"]


@dataclass(frozen=True)
class Task:
    """One evaluation the sandboxed child performs for a check.

    ``expr`` is a call expression evaluated against ``inputs`` (the name of a
    drawn input case). ``oracle`` replaces ``expr`` in the reference's run only,
    e.g. autograd of a hidden loss function. ``no_autograd``: in a student's run
    autograd refuses to run while this task is evaluated (a ``source`` rule forbids
    it for the code the task calls; see :func:`grader.checks.source.guarded`).
    """

    check_id: str
    case: int
    expr: str
    input_key: str
    oracle: dict[str, Any] | None = None
    no_autograd: bool = False


@dataclass
class Verdict:
    """What a check concluded. The engine adds id, kind, visibility and points."""

    status: Status
    score_fraction: float
    message: str
    details: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def passed(cls, message: str, **details: Any) -> Verdict:
        return cls("passed", 1.0, message, dict(details))

    @classmethod
    def failed(cls, message: str, **details: Any) -> Verdict:
        return cls("failed", 0.0, message, dict(details))


class Harness(BaseModel):
    """What the sandboxed child runs around (or instead of) a task's call.

    Two shapes exist: training (``dataset``, ``root``, ``train``, ``predict``, ``device``;
    or ``skip`` with ``missing`` when the data is not on disk) and a script run as
    ``__main__`` (``script``, ``args``, ``max_chars``). :meth:`wire` is the JSON object the
    child reads under a task's ``harness`` key: unset fields are left out, so the shape
    is exactly the dict the kinds built before this model existed.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    skip: bool | None = None               # run nothing: the data is missing
    missing: str | None = None             # why, in one sentence
    dataset: str | None = None
    root: str | None = None
    train: str | None = None
    predict: str | None = None
    device: str | None = None
    predict_budget_s: float | None = None  # the most seconds predicting on the test images may take
    forward: str | None = None             # predict: reference: the child returns ``predict``'s parameters, the grader predicts
    child_data: bool | None = None         # False: no image reaches the child (the worker need not load the dataset)
    script: str | None = None
    args: list[str] | None = None
    max_chars: int | None = None
    skip_reference: bool | None = None     # the reference's run does not need it (the grader holds the answer)
    data: dict[str, Any] | None = None     # the dataset's description, recorded in the verdict

    def wire(self) -> dict[str, Any]:
        """The JSON object for the child's job file (unset fields left out)."""
        return self.model_dump(exclude_none=True)


@dataclass(frozen=True)
class InputUse:
    """A call expression a check evaluates against an input set (its name, an inline set, or none).

    The spec loader checks every name the call uses is among the set's inputs and
    reports a problem at ``key`` in the check's YAML.
    """

    call: str
    inputs: str | dict[str, Any] | None
    key: str = "call"


@dataclass
class Evaluation:
    """The result of one task in one run: a decoded value, or what went wrong."""

    ok: bool
    value: Any = None
    error: str | None = None          # exception type and message, or the sandbox's reason
    status: Status | None = None      # timeout / memory / error when the run itself failed
    traceback: str | None = None
    raised: bool = False              # the student's code raised (vs. the sandbox stopping it)
    origin: str | None = None         # where it was raised, when outside the student's files (a library's assert)
    signal: str | None = None         # the signal the child crashed with (SIGSEGV...), when it crashed
    found: dict[str, str] | None = None   # roles (grader.roles) the call used -> how the child found each


@dataclass
class JudgeContext:
    """Everything a check may look at: never the student's objects, only plain data."""

    got: list[Evaluation]
    expected: list[Evaluation]
    inputs: list[dict[str, Any]]
    files: dict[str, bytes]
    default_rtol: float | None        # the spec's ``tolerance:`` section
    default_atol: float | None
    harness: Harness | None = None    # what the child ran around the call (train: which dataset), if any
    assignment: Assignment | None = None   # for kinds that read the assignment's own files (python: hidden/)
    every_file: dict[str, bytes] | None = None   # all the submission's files (source rules with patterns: a package)


class CheckKind(Protocol):
    """One kind of check; every member is required (:class:`KindBase` gives the defaults).

    Implementations live in ``grader/checks/<kind>.py`` and are registered in
    ``grader.checks.CHECKS``.
    """

    name: ClassVar[str]
    Spec: ClassVar[type[CheckSpec]]
    held_out: ClassVar[bool]

    def tasks(self, spec: Any, cases: int) -> list[Task]:
        """What to evaluate in the sandbox, for student and reference alike."""
        ...

    def judge(self, spec: Any, ctx: JudgeContext) -> Verdict:
        """Turn the evaluations (already validated plain data) into a verdict."""
        ...

    def draw(self, spec: Any, assignment: Assignment, seed: int) -> list[dict[str, InputValue]] | None:
        """The check's own input cases, or None to draw from the spec's ``inputs``."""
        ...

    def harness(self, spec: Any, assignment: Assignment, data_dir: Path | None = None) -> Harness | None:
        """What the child runs around the call for every task of this check, or None; ``data_dir`` is
        where datasets are read from (None: :func:`grader.datasets.data_dir`'s default)."""
        ...

    def stand_in(self, spec: Any, harness: Harness, folder: Path) -> Harness:
        """``grader demo`` only: the harness to use when the real one's data is missing."""
        ...

    def input_uses(self, spec: Any) -> list[InputUse]:
        """The calls this check evaluates against input sets (validated at spec load)."""
        ...

    def detail_rows(self, details: dict[str, Any]) -> list[DetailRow]:
        """A verdict's details as rows for reports (see :mod:`grader.checks.display`)."""
        ...


class KindBase:
    """The defaults of :class:`CheckKind`: every kind inherits them and overrides what it needs."""

    name: ClassVar[str]
    Spec: ClassVar[type[CheckSpec]]
    held_out: ClassVar[bool] = False
    # True when the answer a check wants is never shown to students, even for a public check
    # (``train``: accuracy against labels no submission sees), so it cannot be hard-coded;
    # ``grader strength`` counts such a check with the hidden ones.

    def tasks(self, spec: Any, cases: int) -> list[Task]:
        return []

    def judge(self, spec: Any, ctx: JudgeContext) -> Verdict:
        raise NotImplementedError(f"the {self.name} kind does not judge")

    def draw(self, spec: Any, assignment: Assignment, seed: int) -> list[dict[str, InputValue]] | None:
        return None

    def harness(self, spec: Any, assignment: Assignment, data_dir: Path | None = None) -> Harness | None:
        return None

    def stand_in(self, spec: Any, harness: Harness, folder: Path) -> Harness:
        return harness

    def input_uses(self, spec: Any) -> list[InputUse]:
        return []

    def detail_rows(self, details: dict[str, Any]) -> list[DetailRow]:
        """Every plain detail as a row, as it is."""
        return plain_rows(details)
