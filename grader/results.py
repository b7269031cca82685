"""Results: what the grader concluded about one submission (``result.json``), as one typed model.

Everything downstream of judging (policies, reports, exports, the service) takes a
:class:`Result`, never a dict. ``result.json`` is ``Result.to_json()``; reading one back
is ``Result.from_json`` (unknown fields are ignored, so results written by newer
graders still load). The score is computed in one place, :func:`total`, from the
checks' points and the late penalty; policies (``grader.overrides``, ``grader.late``)
return new results and never compute a score of their own.
"""

from __future__ import annotations

import json
import math
import numbers
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from grader.assignment import Visibility

SCHEMA = "grader.result/1"
_UMASK = os.umask(0)
os.umask(_UMASK)

Status = Literal["passed", "failed", "partial", "error", "timeout", "memory", "skipped", "pending"]
# pending: a ``manual`` check the instructor has not graded yet (0 points until then).
ResultStatus = Literal["graded", "error"]   # error: the submission could not be graded at all
Flag = Literal["ungraded", "crash", "timeout", "memory", "error"]
FLAG_ORDER: tuple[Flag, ...] = ("ungraded", "crash", "timeout", "memory", "error")
# Points keep the number type they were written with (an int stays an int), so reading a
# result.json and writing it again gives the same text, and the gradebook shows what it showed.
Points = int | float


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True)


class Original(_Model):
    """What the grader concluded for a check before an instructor's override."""

    status: Status
    score: Points
    message: str


class OverrideRecord(_Model):
    """An instructor's score for one check, merged from an overrides file (see :mod:`grader.overrides`)."""

    points: Points
    comment: str = ""
    source: str = Field(default="", validation_alias="from", serialization_alias="from")   # "scores.csv:3": where it was written
    original: Original

    def to_dict(self) -> dict[str, Any]:
        return self.model_dump(by_alias=True, mode="json")


class CheckResult(_Model):
    """One check's verdict. ``details`` hold kind-specific plain data (numbers, names), already
    redacted for hidden checks; a non-finite number in them is recorded as the string ``"inf"``,
    ``"-inf"`` or ``"nan"`` (JSON has no such numbers, and ``result.json`` must stay valid JSON)."""

    id: str
    kind: str
    visibility: Visibility
    status: Status
    score: Points
    max_score: Points
    message: str
    title: str = ""
    description: str = ""
    details: dict[str, Any] = Field(default_factory=dict)
    signal: str | None = None          # the signal the child crashed with (SIGSEGV...), when it crashed
    override: OverrideRecord | None = None

    @field_validator("details", mode="after")
    @classmethod
    def _finite_details(cls, details: dict[str, Any]) -> dict[str, Any]:
        return finite(details)

    @field_validator("score", mode="after")
    @classmethod
    def _finite_score(cls, score: Points) -> Points:
        """A NaN or infinite score (a verdict computed from NaN) earns nothing."""
        return score if math.isfinite(score) else 0.0

    @model_validator(mode="before")
    @classmethod
    def _override_from_details(cls, data: Any) -> Any:
        """Results written before overrides had their own field kept them in ``details.override``."""
        if isinstance(data, dict) and data.get("override") is None:
            details = data.get("details")
            if isinstance(details, dict) and isinstance(details.get("override"), dict):
                rest = {k: v for k, v in details.items() if k != "override"}
                return {**data, "details": rest, "override": details["override"]}
        return data


_PLAIN = frozenset({int, bool, str, type(None)})


def finite(value: Any) -> Any:
    """``value`` as plain JSON data: every non-finite number, however deep in lists and dicts, as
    ``"inf"``, ``"-inf"`` or ``"nan"`` (what ``repr`` gives, as the sandbox's wire format writes them),
    and NumPy's scalars as Python's numbers."""
    kind = type(value)
    if kind in _PLAIN:      # the usual case, without the slower abstract-class checks below
        return value
    if kind is float:
        return value if math.isfinite(value) else repr(value)
    if isinstance(value, dict):
        return {k: finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(finite(v) for v in value)
    if isinstance(value, (bool, str)) or value is None:
        return value
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        number = float(value)
        return number if math.isfinite(number) else repr(number)
    return value


class LateRecord(_Model):
    """How late a submission was and what that cost (see :mod:`grader.late`)."""

    submitted_at: str
    due: str
    source: Literal["manifest", "mtime", "server"]
    days_late: int
    penalty: float                     # a fraction of the raw score
    score_before_penalty: Points
    note: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """``result.json``'s ``late`` object (``note`` only when there is one)."""
        data = self.model_dump(mode="json")
        if data["note"] is None:
            del data["note"]
        return data


class Result(_Model):
    """What the grader concluded about one submission."""

    schema_: str = Field(default=SCHEMA, alias="schema")
    assignment: str
    submission: str
    status: ResultStatus
    score: Points
    max_score: Points
    checks: list[CheckResult]
    sandbox: dict[str, Any] = Field(default_factory=dict)
    timing: dict[str, Points] = Field(default_factory=dict)
    grader_version: str = ""
    spec_hash: str = ""
    submission_hash: str = ""
    message: str = ""
    output: dict[str, str] = Field(default_factory=dict)
    cache_key: str = ""
    secret_id: str = ""                # fingerprint of the course secret that drew the hidden inputs
    late: LateRecord | None = None     # set when the spec has a late policy; ``score`` is then penalised
    notes: list[str] = Field(default_factory=list)   # what reading the submission changed (a GBK source re-encoded)

    # ------------------------------------------------------------ (de)serialise
    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Result:
        """A result from ``result.json`` data (unknown fields are ignored)."""
        return cls.model_validate(data)

    @classmethod
    def from_json(cls, text: str | bytes) -> Result:
        """A result from ``result.json``'s text (a ValueError, pydantic's, when it is not one)."""
        return cls.model_validate_json(text)

    def to_dict(self) -> dict[str, Any]:
        """``result.json``'s data: ``schema`` first; ``late``, ``notes``, a check's ``signal`` and
        ``override`` only when set (result.json only grows fields that mean something)."""
        data = self.model_dump(by_alias=True, mode="json", exclude={"late"})
        if self.late is not None:
            data["late"] = self.late.to_dict()
            data["notes"] = data.pop("notes")          # the field order: late, then notes
        if not data["notes"]:
            del data["notes"]
        for check in data["checks"]:
            for key in ("signal", "override"):
                if check[key] is None:
                    del check[key]
        return data

    def to_json(self) -> str:
        """``result.json``'s text."""
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False, allow_nan=False) + "\n"

    # ------------------------------------------------------------------ reading
    @property
    def passed(self) -> bool:
        """Graded, and every check passed (or is skipped, or a manual check awaiting the instructor)."""
        return self.status == "graded" and all(c.status in ("passed", "skipped", "pending") for c in self.checks)

    @property
    def pending_points(self) -> float:
        """Points of manual checks the instructor has not graded yet (they count 0 in ``score``)."""
        return round(sum(c.max_score for c in self.checks if c.status == "pending"), 4)

    @property
    def raw_score(self) -> float:
        """The checks' points before any late penalty."""
        return checks_total(self.checks)

    @property
    def flags(self) -> list[Flag]:
        """What went wrong beyond wrong answers: ``ungraded`` (the submission could not be graded
        at all), ``crash`` (a segfault or other fatal signal; SIGKILL is the memory limit or the code
        killing itself, an ``error``), ``timeout``, ``memory`` (killed for memory) and ``error`` (an
        exception or import error), in that order."""
        found: set[Flag] = set()
        if self.status == "error":
            found.add("ungraded")
        for check in self.checks:
            if check.status in ("timeout", "memory"):
                found.add(check.status)
            elif check.status == "error":
                found.add("crash" if check.signal not in (None, "SIGKILL") else "error")
        return [f for f in FLAG_ORDER if f in found]

    def public_only(self) -> Result:
        """The same result with hidden checks removed (a student's self-check)."""
        checks = [c for c in self.checks if c.visibility == "public"]
        return self.model_copy(update={"checks": checks, "score": checks_total(checks),
                                       "max_score": round(sum(c.max_score for c in checks), 4)})


def checks_total(checks: Iterable[CheckResult]) -> float:
    """The points the checks earned (overrides included), before any late penalty."""
    return round(sum(c.score for c in checks), 4)


def total(checks: Iterable[CheckResult], late: LateRecord | None = None) -> float:
    """The one score computation: the checks' points, less the late penalty's fraction of them."""
    raw = checks_total(checks)
    return raw if late is None else round(raw * (1.0 - late.penalty), 4)


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` so that ``path`` is either the old file or the whole new one."""
    write_atomic_chunks(path, (text,))


def write_atomic_chunks(path: Path, chunks: Iterable[str]) -> None:
    """Like :func:`write_atomic`, writing ``chunks`` as they come, so the whole text is never in memory."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, 0o666 & ~_UMASK)  # mkstemp makes 0600; results are meant to be shared and served
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            for chunk in chunks:
                fh.write(chunk)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def load_result(path: Path) -> Result:
    """``result.json`` at ``path`` as a :class:`Result` (OSError, or ValueError for bad content)."""
    return Result.from_json(path.read_bytes())
