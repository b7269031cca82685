"""What every check kind shares: its spec fields, its outcome, and its Protocol."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field

Status = Literal["passed", "failed", "partial", "error", "timeout", "memory", "skipped", "pending"]
# pending: a ``manual`` check the instructor has not graded yet (0 points until then).
Visibility = Literal["public", "hidden"]


class CheckSpec(BaseModel):
    """Fields every check has, whatever its kind."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_.-]*$", max_length=64)
    kind: str
    title: str | None = None
    description: str | None = Field(default=None, description="what the check proves; shown in reports")
    visibility: Visibility = "public"
    points: float = Field(default=1.0, ge=0)
    timeout_s: float | None = Field(default=None, gt=0, le=3600)


@dataclass(frozen=True)
class Task:
    """One evaluation the sandboxed child performs for a check.

    ``expr`` is a call expression evaluated against ``inputs`` (the name of a
    drawn input case). ``oracle`` replaces ``expr`` in the reference's run only,
    e.g. autograd of a hidden loss function.
    """

    check_id: str
    case: int
    expr: str
    input_key: str
    oracle: dict[str, Any] | None = None


@dataclass
class Outcome:
    """What a check concluded. The engine adds id, kind, visibility and points."""

    status: Status
    score_fraction: float
    message: str
    details: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def passed(cls, message: str, **details: Any) -> Outcome:
        return cls("passed", 1.0, message, dict(details))

    @classmethod
    def failed(cls, message: str, **details: Any) -> Outcome:
        return cls("failed", 0.0, message, dict(details))


class CheckKind(Protocol):
    """One kind of check. Implementations live in ``grader/checks/<kind>.py``."""

    name: ClassVar[str]
    Spec: ClassVar[type[CheckSpec]]

    def tasks(self, spec: Any, cases: int) -> list[Task]:
        """What to evaluate in the sandbox, for student and reference alike."""
        ...

    def judge(self, spec: Any, ctx: JudgeContext) -> Outcome:
        """Turn the evaluations (already validated plain data) into an outcome."""
        ...

    held_out: ClassVar[bool]

    def draw(self, spec: Any, assignment: Any, seed: int) -> list[dict[str, Any]] | None:
        """The kind's own input cases, or None for the spec's ``inputs`` set."""
        ...

    def harness(self, spec: Any, assignment: Any) -> dict[str, Any] | None:
        """What the child runs around the call (train: a dataset and a prediction step), or None."""
        ...

    def stand_in(self, spec: Any, harness: dict[str, Any], folder: Path) -> dict[str, Any]:
        """The harness for ``grader demo`` when the data it names is missing."""
        ...


class KindBase:
    """Defaults for a kind's optional hooks, so the engine calls every hook without probing.

    ``held_out = True`` when the answer a check wants is never shown to students, even
    for a public check (``train``: accuracy against labels no submission sees), so it
    cannot be hard-coded; ``grader strength`` counts such a check with the hidden ones.
    """

    held_out: ClassVar[bool] = False

    def draw(self, spec: Any, assignment: Any, seed: int) -> list[dict[str, Any]] | None:
        """None: the check's cases are drawn from the spec's ``inputs`` set."""
        return None

    def harness(self, spec: Any, assignment: Any) -> dict[str, Any] | None:
        """None: the child calls the expression bare."""
        return None

    def stand_in(self, spec: Any, harness: dict[str, Any], folder: Path) -> dict[str, Any]:
        """The harness unchanged: the kind reads no dataset that could be missing."""
        return harness


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
    signal: str | None = None         # the signal that ended the child (``SIGSEGV``), when one did


@dataclass
class JudgeContext:
    """Everything a check may look at: never the student's objects, only plain data."""

    got: list[Evaluation]
    expected: list[Evaluation]
    inputs: list[dict[str, Any]]
    files: dict[str, bytes]
    default_rtol: float | None
    default_atol: float | None
    harness: dict[str, Any] | None = None   # what the child ran around the call (train: which dataset), if any
