"""Grade-import CSV files for Canvas and Moodle, one assignment column, from a results folder and a roster.

A roster (``submission,student_id,name,email``; optional ``section``, ``login_id`` and ``canvas_id``)
maps each submission id to a student. Only students with a result get a row: a student missing from
the batch is left out of the file (so the LMS keeps what it has) and listed in :attr:`Export.missing`.

- **Canvas** (Grades → Import): the columns of Canvas's own gradebook export, ``Student``, ``ID``,
  ``SIS User ID``, ``SIS Login ID``, ``Section``, then the assignment's column ``Name (id)``; with the
  Canvas assignment id in brackets Canvas updates that assignment, without it Canvas offers to create
  a new one. ``student_id`` goes to ``SIS User ID``; ``ID`` (Canvas's own user id) is filled only from
  a roster's ``canvas_id`` column.
- **Moodle** (Grades → Import → CSV file): ``ID number``, ``Email address``, ``Full name`` and the
  grade column; on import, "Identify user by" maps ``Email address`` (or ``ID number``) to the user
  field of the same name and "Grade item mappings" maps the grade column to the assignment.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from grader.errors import GraderError
from grader.results import Result, write_atomic
from grader.summary import csv_text

ROSTER_COLUMNS = ("submission", "student_id", "name", "email")
CANVAS_COLUMNS = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
MOODLE_COLUMNS = ("ID number", "Email address", "Full name")


@dataclass(frozen=True)
class Student:
    """One roster row."""

    submission: str
    student_id: str
    name: str
    email: str
    section: str = ""
    login_id: str = ""
    canvas_id: str = ""


@dataclass
class Export:
    """What an LMS file holds, and what it could not: roster students without a result, results
    without a roster row, and students whose manual checks still await the instructor."""

    rows: list[list[str]]
    missing: list[Student] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    pending: list[str] = field(default_factory=list)

    def text(self) -> str:
        buffer = io.StringIO()
        csv.writer(buffer).writerows(self.rows)
        return buffer.getvalue()

    def write(self, path: Path) -> None:
        """Plain UTF-8, no byte-order mark: what both imports read (a mark would become part of the first header)."""
        write_atomic(path, self.text())


def read_roster(path: Path) -> list[Student]:
    """The roster's students, in file order; a GraderError naming the line for a malformed one."""
    with open(path, encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        header = [h.strip() for h in reader.fieldnames or []]
        absent = [c for c in ROSTER_COLUMNS if c not in header]
        if absent:
            raise GraderError(f"{path}: the roster's header must name {','.join(ROSTER_COLUMNS)} "
                              f"(missing: {', '.join(absent)})")
        students, seen = [], set()
        for line, raw in enumerate(reader, start=2):
            row = {k.strip(): (v or "").strip() for k, v in raw.items() if k is not None}
            if not row["submission"]:
                raise GraderError(f"{path}:{line}: no submission id")
            if row["submission"] in seen:
                raise GraderError(f"{path}:{line}: submission {row['submission']!r} is listed twice")
            seen.add(row["submission"])
            students.append(Student(row["submission"], row["student_id"], row["name"], row["email"],
                                    row.get("section", ""), row.get("login_id", ""), row.get("canvas_id", "")))
    return students


def grade_column(results: list[Result], name: str | None, lms_id: str | None) -> str:
    """The assignment column's header: ``name`` (default: the results' assignment), ``(id)`` when given."""
    title = name or (results[0].assignment if results else "grader")
    return f"{title} ({lms_id})" if lms_id else title


def _matched(results: Iterable[Result], roster: list[Student]) -> tuple[list[tuple[Student, Result]], Export]:
    by_id = {r.submission: r for r in results}
    known = {s.submission for s in roster}
    pairs = [(s, by_id[s.submission]) for s in roster if s.submission in by_id]
    found = Export(rows=[], missing=[s for s in roster if s.submission not in by_id],
                   unknown=sorted(set(by_id) - known),
                   pending=[s.submission for s, r in pairs if r.pending_points])
    return pairs, found


def scaled(result: Result, points: float | None) -> str:
    """The score, on ``points`` when the LMS's assignment is out of a different maximum; two decimals."""
    score = result.score if points is None or not result.max_score else result.score * points / result.max_score
    return f"{round(score, 2):g}"


def canvas(results: list[Result], roster: list[Student], column: str, points: float | None = None) -> Export:
    """Canvas's gradebook import: the five student columns, then ``column``."""
    pairs, export = _matched(results, roster)
    export.rows = [[*CANVAS_COLUMNS, column]]
    export.rows += [[csv_text(s.name), s.canvas_id, csv_text(s.student_id), csv_text(s.login_id), csv_text(s.section),
                     scaled(r, points)] for s, r in pairs]
    return export


def moodle(results: list[Result], roster: list[Student], column: str, points: float | None = None) -> Export:
    """Moodle's CSV grade import: ID number, email address, full name, then ``column``."""
    pairs, export = _matched(results, roster)
    export.rows = [[*MOODLE_COLUMNS, column]]
    export.rows += [[csv_text(s.student_id), csv_text(s.email), csv_text(s.name), scaled(r, points)] for s, r in pairs]
    return export
