"""Instructor overrides: scores a person gives, merged into graded results.

An overrides file awards the points of ``manual`` checks (written answers the
grader cannot judge) and may also regrade any other check by hand. It is CSV
with the header ``submission,check,points,comment`` or YAML, either a list of
mappings with those keys or a mapping ``submission -> check -> {points, comment}``
(``check: 1.5`` is short for ``{points: 1.5}``). A row whose points are blank is
ignored: it has not been graded yet.

Merging never runs a submission again: :func:`apply` takes a :class:`Result`
and returns a new one: it first undoes any override merged earlier (each check
keeps what the grader concluded under ``override.original``), then merges the
current ones; the total is :func:`grader.results.total`'s. So a changed overrides file changes the results at once,
and removing a row gives the check back its automatic verdict.
"""

from __future__ import annotations

import csv
import difflib
import io
import math
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from grader import yamlpos
from grader.errors import GraderError
from grader.results import CheckResult, Original, OverrideRecord, Result, Status, checks_total, total
from grader.spec import Assignment

COLUMNS = ("submission", "check", "points", "comment")
GRADED_BY_INSTRUCTOR = "Graded by the instructor."


class OverridesError(GraderError):
    """An overrides file is invalid; the message names the file and the line."""


@dataclass(frozen=True)
class Override:
    submission: str
    check: str
    points: float
    comment: str
    line: int


@dataclass(frozen=True)
class Overrides:
    """The overrides of one file, by (submission, check id)."""

    path: Path
    entries: dict[tuple[str, str], Override]

    def for_submission(self, submission: str) -> list[Override]:
        return [o for (sub, _), o in self.entries.items() if sub == submission]

    @property
    def submissions(self) -> list[str]:
        return sorted({sub for sub, _ in self.entries})

    def where(self, submission: str) -> str:
        """``file:line`` of the first override of ``submission``."""
        line = min(o.line for o in self.for_submission(submission))
        return f"{self.path}:{line}"

    def unknown_submissions(self, known: Iterable[str]) -> list[str]:
        """One warning per submission named in the file but not among ``known``."""
        known = sorted(set(known))
        warnings = []
        for sub in self.submissions:
            if sub in known:
                continue
            guess = difflib.get_close_matches(sub, known, n=1)
            hint = f"; did you mean {guess[0]!r}?" if guess else ""
            warnings.append(f"{self.where(sub)}: no submission {sub!r} in this batch, so its override is not applied{hint}")
        return warnings


# ------------------------------------------------------------------ loading
def load(path: Path, assignment: Assignment) -> Overrides:
    """Read and validate an overrides file against ``assignment``; raises :class:`OverridesError`."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise OverridesError(f"{path}: no such overrides file") from None
    except UnicodeDecodeError:
        raise OverridesError(f"{path}: not UTF-8 text; save the overrides as UTF-8 CSV or YAML") from None
    suffix = path.suffix.lower()
    if suffix == ".csv":
        rows = _csv_rows(path, text)
    elif suffix in (".yaml", ".yml"):
        rows = _yaml_rows(path)
    else:
        raise OverridesError(f"{path}: an overrides file must be .csv (submission,check,points,comment) or .yaml")
    checks = {c.id: c for c in assignment.checks}
    entries: dict[tuple[str, str], Override] = {}
    for line, raw in rows:
        override = _validate(path, line, raw, checks, assignment.name)
        if override is None:
            continue
        key = (override.submission, override.check)
        if key in entries:
            raise OverridesError(f"{path}:{line}: submission {override.submission!r}, check {override.check!r} "
                                 f"was already given on line {entries[key].line}; keep one of them")
        entries[key] = override
    return Overrides(path, entries)


def _csv_rows(path: Path, text: str) -> list[tuple[int, dict[str, Any]]]:
    reader = csv.reader(io.StringIO(text))
    try:
        header = next(reader)
    except StopIteration:
        raise OverridesError(f"{path}:1: the file is empty; the first line must be {','.join(COLUMNS)}") from None
    except csv.Error as exc:
        raise OverridesError(f"{path}:1: not valid CSV ({exc})") from None
    names = [h.strip().lower() for h in header]
    for name in names:
        if name not in COLUMNS:
            guess = difflib.get_close_matches(name, COLUMNS, n=1)
            hint = f"did you mean {guess[0]!r}?" if guess else f"the columns are {','.join(COLUMNS)}"
            raise OverridesError(f"{path}:1: unknown column {name!r}; {hint}")
    missing = [c for c in COLUMNS[:3] if c not in names]
    if missing:
        raise OverridesError(f"{path}:1: the header has no {', '.join(missing)} column; "
                             f"the first line must be {','.join(COLUMNS)}")
    rows = []
    line = reader.line_num + 1
    try:
        for cells in reader:
            if any(cell.strip() for cell in cells):
                if len(cells) > len(names):
                    raise OverridesError(f"{path}:{line}: {len(cells)} cells but the header has {len(names)} columns; "
                                         "quote a comment that contains commas")
                rows.append((line, {name: cell for name, cell in zip(names, cells)}))
            line = reader.line_num + 1
    except csv.Error as exc:
        raise OverridesError(f"{path}:{line}: not valid CSV ({exc})") from None
    return rows


def _yaml_rows(path: Path) -> list[tuple[int, dict[str, Any]]]:
    try:
        doc = yamlpos.load(path, str(path))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise OverridesError(f"{path}{f':{mark.line + 1}' if mark else ''}: not valid YAML "
                             f"({getattr(exc, 'problem', exc)})") from None
    data = doc.data
    if data is None:
        return []
    rows = []
    if isinstance(data, list):
        for i, item in enumerate(data):
            line = doc.line_of((i,))
            if not isinstance(item, dict):
                raise OverridesError(f"{path}:{line}: each entry must be a mapping with submission, check, points, comment")
            for key in item:
                if key not in COLUMNS:
                    guess = difflib.get_close_matches(str(key), COLUMNS, n=1)
                    hint = f"did you mean {guess[0]!r}?" if guess else f"the keys are {', '.join(COLUMNS)}"
                    raise OverridesError(f"{path}:{doc.line_of((i, key))}: unknown key {key!r}; {hint}")
            rows.append((line, item))
        return rows
    if isinstance(data, dict):
        for sub, checks in data.items():
            if not isinstance(checks, dict):
                raise OverridesError(f"{path}:{doc.line_of((sub,))}: under submission {str(sub)!r} give a mapping "
                                     "of check ids to {points, comment} (or to a number of points)")
            for check_id, value in checks.items():
                line = doc.line_of((sub, check_id))
                if not isinstance(value, dict):
                    value = {"points": value}
                for key in value:
                    if key not in ("points", "comment"):
                        guess = difflib.get_close_matches(str(key), ("points", "comment"), n=1)
                        hint = f"did you mean {guess[0]!r}?" if guess else "the keys are points, comment"
                        raise OverridesError(f"{path}:{doc.line_of((sub, check_id, key))}: unknown key {key!r}; {hint}")
                rows.append((line, {"submission": sub, "check": check_id, **value}))
        return rows
    raise OverridesError(f"{path}:1: expected a list of {{submission, check, points, comment}} entries "
                         "or a mapping of submission -> check -> {points, comment}")


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _validate(path: Path, line: int, raw: dict[str, Any], checks: dict[str, Any], assignment: str) -> Override | None:
    submission, check_id = _text(raw.get("submission")), _text(raw.get("check"))
    if not submission:
        raise OverridesError(f"{path}:{line}: the submission id is missing")
    if not check_id:
        raise OverridesError(f"{path}:{line}: the check id is missing")
    check = checks.get(check_id)
    if check is None:
        guess = difflib.get_close_matches(check_id, list(checks), n=1)
        hint = f"; did you mean {guess[0]!r}?" if guess else f"; its checks: {', '.join(checks)}"
        raise OverridesError(f"{path}:{line}: no check {check_id!r} in {assignment}{hint}")
    points = raw.get("points")
    if points is None or (isinstance(points, str) and not points.strip()):
        return None  # not graded yet
    if isinstance(points, bool):
        raise OverridesError(f"{path}:{line}: points {points!r} is not a number")
    try:
        value = float(points)
    except (TypeError, ValueError):
        raise OverridesError(f"{path}:{line}: points {_text(points)!r} is not a number") from None
    if not math.isfinite(value) or not 0 <= value <= check.points:
        raise OverridesError(f"{path}:{line}: {_text(points)} points is outside 0..{check.points:g}, "
                             f"the points of check {check_id!r}")
    return Override(submission, check_id, round(value, 4), _text(raw.get("comment")), line)


# ------------------------------------------------------------------ merging
def _status(points: float, max_score: float) -> Status:
    if points >= max_score:
        return "passed"
    return "failed" if points <= 0 else "partial"


def overridden(result: Result) -> bool:
    """Whether any check of ``result`` holds an instructor's override."""
    return any(c.override is not None for c in result.checks)


def _reverted(check: CheckResult) -> CheckResult:
    if check.override is None:
        return check
    original = check.override.original
    return check.model_copy(update={"status": original.status, "score": original.score,
                                    "message": original.message, "override": None})


def _merged(check: CheckResult, override: Override, where: str) -> CheckResult:
    original = Original(status=check.status, score=check.score, message=check.message)
    record = OverrideRecord(points=override.points, comment=override.comment, source=where, original=original)
    return check.model_copy(update={"status": _status(override.points, check.max_score),
                                    "score": min(override.points, check.max_score),
                                    "message": override.comment or GRADED_BY_INSTRUCTOR, "override": record})


def apply(result: Result, overrides: Overrides | None) -> Result:
    """``result`` with the overrides of its submission merged (after undoing earlier ones), its
    score recomputed by :func:`grader.results.total`; ``result`` itself when it holds no override
    and ``overrides`` has none for it. Never changes ``result``."""
    mine = {o.check: o for o in overrides.for_submission(result.submission)} if overrides is not None else {}
    if not mine and not overridden(result):
        return result
    checks = [_reverted(c) for c in result.checks]
    if overrides is not None:
        checks = [_merged(c, mine[c.id], f"{overrides.path.name}:{mine[c.id].line}") if c.id in mine else c
                  for c in checks]
    return _rescored(result, checks)


def _rescored(result: Result, checks: list[CheckResult]) -> Result:
    # A late penalty (grader.late) is a fraction of the raw score: keep both in step.
    late = result.late
    if late is not None:
        late = late.model_copy(update={"score_before_penalty": checks_total(checks)})
    return result.model_copy(update={"checks": checks, "late": late, "score": total(checks, late)})
