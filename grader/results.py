"""Results: what the grader concluded about one submission (``result.json``)."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

SCHEMA = "grader.result/1"
_UMASK = os.umask(0)
os.umask(_UMASK)


@dataclass
class CheckResult:
    id: str
    kind: str
    visibility: str
    status: str
    score: float
    max_score: float
    message: str
    title: str = ""
    description: str = ""
    details: dict[str, Any] = field(default_factory=dict)
    signal: str | None = None      # the signal that ended the run for this check (``SIGSEGV``), when one did


@dataclass
class Result:
    assignment: str
    submission: str
    status: str                    # "graded", or "error" when it could not be graded at all
    score: float
    max_score: float
    checks: list[CheckResult]
    sandbox: dict[str, Any]
    timing: dict[str, float]
    grader_version: str
    spec_hash: str
    submission_hash: str
    message: str = ""
    output: dict[str, str] = field(default_factory=dict)
    schema: str = SCHEMA

    cache_key: str = ""
    secret_id: str = ""            # fingerprint of the course secret that drew the hidden inputs
    # When the spec has a late policy: submitted_at, due, source ("manifest" | "mtime"), days_late,
    # penalty (a fraction), score_before_penalty; ``score`` is then the penalised total.
    late: dict[str, Any] | None = None
    notes: list[str] = field(default_factory=list)   # what reading the submission changed (e.g. a GBK source re-encoded)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Result:
        """Rebuild a result from its ``result.json`` data (unknown fields are ignored)."""
        names = set(cls.__dataclass_fields__)
        check_names = set(CheckResult.__dataclass_fields__)
        fields = {k: v for k, v in data.items() if k in names}
        fields["checks"] = [CheckResult(**{k: v for k, v in c.items() if k in check_names}) for c in data.get("checks", [])]
        return cls(**fields)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        if data.get("late") is None:
            data.pop("late", None)     # no late policy: no key (result.json only grows fields that mean something)
        if not data.get("notes"):
            data.pop("notes", None)
        ordered = {"schema": data.pop("schema")}
        ordered.update(data)
        return ordered

    @property
    def passed(self) -> bool:
        """Graded, and every check passed (or is skipped, or a manual check awaiting the instructor)."""
        return self.status == "graded" and all(c.status in ("passed", "skipped", "pending") for c in self.checks)

    @property
    def pending_points(self) -> float:
        """Points of manual checks the instructor has not graded yet (they count 0 in ``score``)."""
        return round(sum(c.max_score for c in self.checks if c.status == "pending"), 4)

    def public_only(self) -> Result:
        """The same result with hidden checks removed (a student's self-check)."""
        checks = [c for c in self.checks if c.visibility == "public"]
        return Result(**{**self.__dict__, "checks": checks,
                         "score": round(sum(c.score for c in checks), 4),
                         "max_score": round(sum(c.max_score for c in checks), 4)})


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


def load_result(path: Path) -> dict[str, Any]:
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


FLAG_ORDER = ("ungraded", "crash", "timeout", "memory", "error")


def result_flags(result: dict[str, Any]) -> list[str]:
    """What went wrong beyond wrong answers: ``ungraded`` (the submission could not be graded
    at all), ``crash`` (a segfault or other fatal signal), ``timeout``, ``memory`` (killed for
    memory) and ``error`` (an exception or import error), in that order."""
    found = set()
    if result.get("status") == "error":
        found.add("ungraded")
    for check in result.get("checks", []):
        status = check.get("status")
        if status in ("timeout", "memory"):
            found.add(status)
        elif status == "error":
            found.add("crash" if check.get("signal") not in (None, "SIGKILL") else "error")
    return [f for f in FLAG_ORDER if f in found]


def write_gradebook(results: Iterable[dict[str, Any]], path: Path) -> None:
    """One row per submission: id, score, max_score, status, one column per check, flags
    (late columns when the spec has a late policy); see :func:`grader.summary.write_gradebook`."""
    from grader import summary  # which builds on this module

    summary.write_gradebook(summary.collect(results), path)
