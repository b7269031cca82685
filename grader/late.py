"""Late penalties: when a submission was handed in, how late that is, and what it costs.

The spec's ``late:`` section gives the due date and the policy; this module holds
the arithmetic, the reading of submission times and :func:`apply`, a pure function
from a :class:`~grader.results.Result` to a new one, so a penalty is recomputed on
every ``grade`` run from the checks' points (a changed manifest or policy never
needs the submission graded again).

A submission is ``days_late`` = 0 when handed in by ``due + grace``; otherwise every
started 24 hours after ``due`` counts as one day (the grace period forgives
lateness, it does not move the due date). The penalty is ``min(per_day * days,
max_penalty)``, a fraction of the score earned.

Times come from a manifest CSV (``submission,submitted_at``, e.g. the LMS's
export; an optional ``due`` column grants a submission its own due date) or, for
a submission the manifest does not list or when none is given, from the newest
modification time among the submission's files.
"""

from __future__ import annotations

import csv
import math
import os
import stat
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Literal

from grader.errors import GraderError
from grader.results import LateRecord, Result, total
from grader.spec import LateSpec
from grader.times import parse_time

__all__ = ["Stamp", "apply", "apply_penalty", "days_late", "describe", "late_record", "mtime_stamp",
           "parse_time", "penalty_fraction", "read_manifest"]

DAY = timedelta(days=1)
MANIFEST_COLUMNS = ("submission", "submitted_at")


@dataclass(frozen=True)
class Stamp:
    """When one submission was handed in, and where that time came from."""

    submitted_at: datetime           # timezone-aware
    source: Literal["manifest", "mtime", "server"]   # server: the time `grader serve` stored the upload
    due: datetime | None = None      # this submission's own due date (an extension), if the manifest gives one
    note: str = ""                   # anything a reader of the result should know about the time


# ------------------------------------------------------------------ arithmetic
def days_late(submitted_at: datetime, due: datetime, grace_minutes: float = 0.0) -> int:
    """Whole days late: 0 up to ``due + grace``, then each started 24 hours after ``due`` is a day."""
    if submitted_at <= due + timedelta(minutes=grace_minutes):
        return 0
    return max(1, math.ceil((submitted_at - due) / DAY))


def penalty_fraction(days: int, per_day: float, max_penalty: float = 1.0) -> float:
    """The fraction of the earned score deducted: ``per_day`` per day, at most ``max_penalty``."""
    return round(min(max(days, 0) * per_day, max_penalty, 1.0), 6)


def apply_penalty(score: float, penalty: float) -> float:
    """``score`` less ``penalty`` (a fraction of it), rounded like every other score."""
    return round(score * (1.0 - penalty), 4)


# ------------------------------------------------------------ submission times
def read_manifest(path: Path) -> dict[str, Stamp]:
    """Submission times from a CSV with a header row naming ``submission`` and ``submitted_at``.

    Other columns are ignored, except an optional ``due``: a due date for that
    submission alone (an extension); empty means the spec's. Raises
    :class:`GraderError` naming the file and line of the first problem.
    """
    try:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            reader = csv.reader(fh)
            rows: list[tuple[int, list[str]]] = []
            start = 1
            for row in reader:
                rows.append((start, row))            # the line a record starts on (quoted cells may span lines)
                start = reader.line_num + 1
    except OSError as exc:
        raise GraderError(f"cannot read the submission times {path}: {exc.strerror or exc}") from None
    except (UnicodeDecodeError, csv.Error) as exc:
        raise GraderError(f"{path}: not a UTF-8 CSV file ({exc}); save it as CSV with columns "
                          "submission,submitted_at") from None
    if not rows:
        raise GraderError(f"{path}:1: the file is empty; it needs a header row submission,submitted_at and one row "
                          "per submission")
    header = [name.strip().lower() for name in rows[0][1]]
    missing = [name for name in MANIFEST_COLUMNS if name not in header]
    if missing:
        raise GraderError(f"{path}:1: no {' or '.join(missing)} column in the header row ({', '.join(rows[0][1]) or 'empty'}); "
                          "the first row must name the columns submission,submitted_at")
    sub_col, at_col = header.index("submission"), header.index("submitted_at")
    due_col = header.index("due") if "due" in header else None
    stamps: dict[str, Stamp] = {}
    lines: dict[str, int] = {}
    for line, row in rows[1:]:
        if not any(value.strip() for value in row):
            continue
        sub_id, at = _cell(row, sub_col), _cell(row, at_col)
        if not sub_id:
            raise GraderError(f"{path}:{line}: the submission column is empty; give the submission's id "
                              "(its folder or file name without extension)")
        if sub_id in stamps:
            raise GraderError(f"{path}:{line}: submission {sub_id!r} is already listed on line {lines[sub_id]}; "
                              "keep one row per submission")
        if not at:
            raise GraderError(f"{path}:{line}: no submitted_at time for {sub_id!r}; give one such as "
                              "2026-12-01T23:59:00+01:00, or remove the row to use the files' modification time")
        try:
            submitted = parse_time(at, "submitted_at")
            due = parse_time(_cell(row, due_col), "due") if due_col is not None and _cell(row, due_col) else None
        except ValueError as exc:
            raise GraderError(f"{path}:{line}: {exc}") from None
        note = "Due date extended in the submission list" if due else ""
        stamps[sub_id] = Stamp(submitted, "manifest", due, note)
        lines[sub_id] = line
    return stamps


def _cell(row: list[str], col: int) -> str:
    return row[col].strip() if col < len(row) else ""


def mtime_stamp(path: Path, files: list[str], note: str = "") -> Stamp:
    """The newest modification time among a folder's named files (the folder's own if it has
    none of them), or a single file's or zip's; never follows symbolic links."""
    path = Path(path)
    times: list[float] = []
    if path.is_dir() and not path.is_symlink():
        for name in files:
            try:
                info = os.lstat(path / name)
            except OSError:
                continue
            if stat.S_ISREG(info.st_mode):
                times.append(info.st_mtime)
    if not times:
        times.append(os.lstat(path).st_mtime)
    return Stamp(datetime.fromtimestamp(max(times), tz=timezone.utc), "mtime", None, note)


# ------------------------------------------------------------------ results
def late_record(score_before: float, stamp: Stamp, policy: LateSpec) -> LateRecord:
    """The ``late`` record of a result for a raw score, a submission time and the policy."""
    due = stamp.due or policy.due
    days = days_late(stamp.submitted_at, due, policy.grace_minutes)
    shown = stamp.submitted_at.astimezone(due.tzinfo)
    return LateRecord(submitted_at=shown.isoformat(timespec="seconds"), due=due.isoformat(timespec="seconds"),
                      source=stamp.source, days_late=days,
                      penalty=penalty_fraction(days, policy.per_day, policy.max_penalty),
                      score_before_penalty=score_before, note=stamp.note or None)


def apply(result: Result, policy: LateSpec | None, stamp: Stamp | None) -> Result:
    """``result`` with its ``late`` record set and its score penalised (or, without a policy or
    a time, with neither); the score is :func:`grader.results.total`'s, from the checks' points,
    so applying it again, or another policy, never penalises twice. Never changes ``result``."""
    record = late_record(result.raw_score, stamp, policy) if policy is not None and stamp is not None else None
    score = total(result.checks, record)
    if record == result.late and score == result.score:
        return result
    return result.model_copy(update={"late": record, "score": score})


def describe(late: LateRecord | None, max_score: float | None = None) -> str:
    """One sentence for people: "Submitted 2 days late: −20% (8 → 6.4 of 10)." ("" without a record)."""
    if late is None:
        return ""
    if late.days_late <= 0:
        return "Submitted on time."
    before = float(late.score_before_penalty)
    of = f" of {max_score:g}" if max_score is not None else ""
    return (f"Submitted {late.days_late} day{'s' if late.days_late != 1 else ''} late: −{round(late.penalty * 100, 4):g}% "
            f"({before:g} → {apply_penalty(before, late.penalty):g}{of}).")
