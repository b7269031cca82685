"""The class summary's data: one compact row per submission, in memory that stays flat as a batch grows.

``gradebook.csv`` and ``index.html`` are written over every ``result.json`` in
a results folder. A parsed result holds every check's message, details and the
captured output; the summary needs a few fields of each, so each result is read,
reduced to a :class:`Row` (its repeated strings and cells shared between rows)
and dropped, and both files are streamed to disk row by row.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from operator import attrgetter
from pathlib import Path
from typing import Any, NamedTuple

from grader.results import CheckResult, Flag, LateRecord, Result, load_result, write_atomic_chunks

Cell = tuple[str, str, Any]        # (check id, status, score) of one check of one submission


class CheckInfo(NamedTuple):
    """A check as the class summary names it, from the first result that has it."""

    title: str
    kind: str
    visibility: str
    max_score: Any


IMPORT_FAILED = "could not be imported"


@dataclass(frozen=True)
class ImportFailure:
    """The one reason every check that needed the submission's code failed: importing it failed."""

    message: str          # the checks' shared message (which file, what was raised, where)
    traceback: str        # the student's own frames, from a public check ("" without one)
    checks: frozenset[str]


def import_failure(result: Result) -> ImportFailure | None:
    """Whether ``result``'s code could not be imported (its checks carry ``step: import``), and why."""
    failed = [c for c in result.checks if c.details.get("step") == "import"]
    if not failed:
        return None
    traceback = next((c.details["traceback"] for c in failed
                      if c.visibility == "public" and isinstance(c.details.get("traceback"), str)), "")
    return ImportFailure(failed[0].message, traceback, frozenset(c.id for c in failed))


class Row(NamedTuple):
    """What the gradebook and the class summary show of one submission."""

    submission: str
    score: Any
    max_score: Any
    status: str
    message: str                   # the result's own message (the class summary clips it)
    late: LateRecord | None        # the result's ``late`` record, when it has one
    flags: tuple[Flag, ...]
    cells: tuple[Cell, ...]        # in the result's own check order
    problem: str = ""              # IMPORT_FAILED when the code could not be imported, else ""
    accuracies: tuple[tuple[str, float], ...] = ()   # (check id, test accuracy) of its public training checks

    @property
    def days_late(self) -> int:
        return self.late.days_late if self.late is not None else 0


@dataclass
class ClassSummary:
    """Every submission's :class:`Row`, and what the checks table needs, for one results folder."""

    checks: dict[str, CheckInfo] = field(default_factory=dict)      # in order of first appearance
    statuses: dict[str, Counter[str]] = field(default_factory=dict)  # check id -> how many results had each status
    rows: list[Row] = field(default_factory=list)                     # sorted by submission once collected
    tiers: dict[str, list[tuple[float, float]]] = field(default_factory=dict)  # training check -> (min accuracy, credit)
    _shared: dict[Any, Any] = field(default_factory=dict, repr=False)

    @property
    def check_ids(self) -> list[str]:
        return list(self.checks)

    @property
    def with_late(self) -> bool:
        """Whether any result has late data (the spec has a late policy)."""
        return any(row.late is not None for row in self.rows)

    def add(self, result: Result) -> None:
        """Reduce one result to its row; the result itself is not kept."""
        cells = tuple(self._cell(check) for check in result.checks)
        problem = IMPORT_FAILED if import_failure(result) is not None else ""
        self.rows.append(Row(result.submission, result.score, result.max_score, self._share(result.status),
                             result.message, result.late, tuple(result.flags), cells, problem, self._accuracies(result)))

    def _accuracies(self, result: Result) -> tuple[tuple[str, float], ...]:
        """The test accuracy of each training check that shows one (a hidden check's is never in a result),
        noting the check's tiers the first time it is seen."""
        found = []
        for check in result.checks:
            accuracy = check.details.get("accuracy") if check.kind == "train" else None
            if isinstance(accuracy, (int, float)) and not isinstance(accuracy, bool) and 0 <= accuracy <= 1:
                found.append((self._share(check.id), float(accuracy)))
                tiers = check.details.get("tiers")
                if check.id not in self.tiers and isinstance(tiers, list):
                    self.tiers[check.id] = [(float(t["min_accuracy"]), float(t.get("credit", 0))) for t in tiers
                                            if isinstance(t, dict) and isinstance(t.get("min_accuracy"), (int, float))]
        return tuple(found)

    def finish(self) -> None:
        """Sort the rows by submission, as both files list them, once every result is added."""
        self.rows.sort(key=attrgetter("submission"))
        self._shared.clear()

    def _cell(self, check: CheckResult) -> Cell:
        """Count one check's status, note the check if it is new, and return its cell."""
        check_id = self._share(check.id)
        status = self._share(check.status)
        if check_id not in self.checks:
            self.checks[check_id] = CheckInfo(check.title or check_id, self._share(check.kind),
                                              self._share(check.visibility), check.max_score)
            self.statuses[check_id] = Counter()
        self.statuses[check_id][status] += 1
        score = check.score
        # One object for equal cells, keyed by the score's repr so that 1, 1.0 and -0.0 stay as the result wrote them.
        return self._shared.setdefault((check_id, status, repr(score)), (check_id, status, score))

    def _share(self, value: str) -> str:
        """One object for equal strings (check ids and statuses repeat in every submission)."""
        return self._shared.setdefault(value, value)


def collect(results: Iterable[Result]) -> ClassSummary:
    """The class summary of ``results`` (any iterable, consumed once), rows sorted by submission."""
    summary = ClassSummary()
    for result in results:
        summary.add(result)
    summary.finish()
    return summary


def read_results(out: Path, assignment: str) -> Iterator[Result]:
    """Every readable ``out/*/result.json`` of ``assignment``, one at a time, in path order."""
    for path in sorted(out.glob("*/result.json")):
        try:
            result = load_result(path)
        except (OSError, ValueError):
            continue
        if result.assignment == assignment:
            yield result


# ------------------------------------------------------------------ the gradebook
LATE_COLUMNS = ("days_late", "late_penalty", "score_before_penalty", "submitted_at")


def csv_text(value: Any) -> Any:
    """A text cell that a spreadsheet shows as text, never runs as a formula (ids are chosen by students)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def _late_cells(late: LateRecord | None) -> list[Any]:
    if late is None:
        return ["" for _ in LATE_COLUMNS]
    return [late.days_late, late.penalty, late.score_before_penalty, late.submitted_at]


def check_column(check_id: str, info: CheckInfo) -> str:
    """A check's gradebook header: its id and, in brackets, its maximum (``forward-given (1)``), so that a
    spreadsheet shows each column's points at a glance; the id is everything before the last `` (``."""
    return f"{check_id} ({info.max_score:g})"


def percent(score: Any, max_score: Any) -> Any:
    """The score as a percentage of the maximum, two decimals; empty when there is no maximum."""
    return round(100 * score / max_score, 2) if max_score else ""


def gradebook_records(summary: ClassSummary) -> Iterator[list[Any]]:
    """The gradebook's header, then one record per submission (see :func:`write_gradebook`)."""
    with_late, check_ids = summary.with_late, summary.check_ids
    yield ["submission", "score", "max_score", "percent", "status", *(LATE_COLUMNS if with_late else ()),
           *(csv_text(check_column(c, summary.checks[c])) for c in check_ids), "flags"]
    for row in summary.rows:
        by_id = {check_id: score for check_id, _status, score in row.cells}
        yield [csv_text(row.submission), row.score, row.max_score, percent(row.score, row.max_score), row.status,
               *(_late_cells(row.late) if with_late else []),
               *(by_id.get(check_id, "") for check_id in check_ids), " ".join(row.flags)]


def csv_lines(records: Iterable[list[Any]]) -> Iterator[str]:
    """Each record as one CSV line (the ``csv`` module's quoting and line ending), one at a time."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for record in records:
        writer.writerow(record)
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()


def write_gradebook(results: ClassSummary | Iterable[Result], path: Path) -> None:
    """One row per submission: id, score, max_score, percent (of max_score), status, one column per
    check headed ``<id> (<maximum>)``, flags.

    When the spec has a late policy (any result has ``late`` data), ``score`` is the
    penalised total and the columns ``days_late``, ``late_penalty`` (the fraction
    deducted), ``score_before_penalty`` and ``submitted_at`` follow ``status``.
    Written line by line into the atomically replaced file.
    """
    summary = results if isinstance(results, ClassSummary) else collect(results)
    write_atomic_chunks(path, csv_lines(gradebook_records(summary)))
