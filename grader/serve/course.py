"""A course folder as the service sees it.

``COURSE_DIR/assignments/<name>/assignment.yaml`` (the assignments, loaded once at
start), ``COURSE_DIR/roster.csv`` (the students), and the service's own state under
``COURSE_DIR/.grader/``: ``grader.db`` (the default SQLite database), ``uploads/``
(content-addressed), ``results/<assignment>/<submission>/`` (what ``grade`` writes for
each) and ``overrides/<assignment>.csv`` (instructor scores, today's overrides format).
"""

from __future__ import annotations

import csv
import difflib
import io
import threading
from pathlib import Path

from grader import api
from grader import overrides as overrides_mod
from grader.errors import GraderError
from grader.results import write_atomic
from grader.spec import Assignment


class UnknownAssignment(GraderError):
    pass


class Course:
    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        if not (self.root / "assignments").is_dir():
            raise GraderError(f"{self.root} has no assignments/ folder; a course folder holds assignments/<name>/"
                              "assignment.yaml and roster.csv")
        self.state = self.root / ".grader"
        self.uploads = self.state / "uploads"
        self._lock = threading.Lock()
        self.assignments: dict[str, Assignment] = {}
        self.problems: dict[str, str] = {}
        for folder, loaded in api.list_assignments(self.root):
            if isinstance(loaded, Assignment):
                self.assignments[loaded.name] = loaded
            else:
                self.problems[folder.name] = str(loaded)
        for folder in (self.state, self.uploads, self.state / "results", self.state / "overrides"):
            folder.mkdir(parents=True, exist_ok=True)

    @property
    def roster(self) -> Path:
        return self.root / "roster.csv"

    def assignment(self, name: str) -> Assignment:
        if name in self.assignments:
            return self.assignments[name]
        guess = difflib.get_close_matches(name, list(self.assignments), n=1)
        hint = f"; did you mean {guess[0]!r}?" if guess else ""
        raise UnknownAssignment(f"no assignment {name!r} in this course{hint}")

    def results_dir(self, name: str) -> Path:
        folder = self.state / "results" / name
        folder.mkdir(parents=True, exist_ok=True)
        return folder

    def overrides_path(self, name: str) -> Path:
        return self.state / "overrides" / f"{name}.csv"

    def overrides(self, assignment: Assignment) -> overrides_mod.Overrides | None:
        path = self.overrides_path(assignment.name)
        with self._lock:
            return overrides_mod.load(path, assignment) if path.exists() else None

    def add_override(self, assignment: Assignment, submission: str, check: str, points: float, comment: str) -> None:
        """Set one instructor score in the overrides file, replacing an earlier one for the same check."""
        path = self.overrides_path(assignment.name)
        with self._lock:
            rows: list[list[str]] = []
            if path.exists():
                with path.open(newline="", encoding="utf-8") as fh:
                    rows = [row for row in csv.reader(fh)][1:]
            rows = [row for row in rows if row[:2] != [submission, check]]
            rows.append([submission, check, f"{points:g}", comment])
            text = io.StringIO()
            writer = csv.writer(text)
            writer.writerow(overrides_mod.COLUMNS)
            writer.writerows(rows)
            write_atomic(path, text.getvalue())
