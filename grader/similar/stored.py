"""What ``grader similar`` reads: the results a batch wrote (``<out>/<id>/result.json`` and the
instructor-only ``instructor.json`` beside it). Nothing is graded or run again."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from grader import normal_form
from grader.redaction import InstructorRecord, WrongValue
from grader.results import load_result


@dataclass
class Stored:
    """One submission as grading stored it: its source and, per hidden check, its wrong values."""

    id: str
    score: float
    sources: dict[str, str] = field(default_factory=dict)
    wrong: dict[str, list[WrongValue]] = field(default_factory=dict)
    has_record: bool = False
    forms: list[tuple[str, str, list[int]]] | None = None    # the stored normal form, when made by today's rules


def load(results: Path, assignment: str, warn: Callable[[str], None]) -> list[Stored]:
    """Every graded submission of ``assignment`` under ``results``, by id; ``warn`` hears of results of
    another assignment, and of results without the instructor record ``similar`` needs."""
    found: list[Stored] = []
    others = 0
    without: list[str] = []
    for folder in sorted(p for p in results.iterdir() if (p / "result.json").is_file()):
        try:
            result = load_result(folder / "result.json")
        except (OSError, ValueError):
            warn(f"{folder / 'result.json'} is not a result; left out")
            continue
        if result.assignment != assignment:
            others += 1
            continue
        stored = Stored(result.submission or folder.name, float(result.score))
        try:
            record = InstructorRecord.model_validate_json((folder / "instructor.json").read_bytes())
        except (OSError, ValidationError, ValueError):
            record = None
        if record is None or not record.sources:
            without.append(stored.id)
        if record is not None:
            stored.has_record = True
            stored.sources = dict(record.sources)
            stored.wrong = {check.id: list(check.wrong_values) for check in record.checks if check.wrong_values}
            if record.normal_form_version == normal_form.VERSION and \
                    [f.file for f in record.normal_form] == sorted(record.sources):
                stored.forms = [(f.file, f.forms, list(f.lines)) for f in record.normal_form]
        found.append(stored)
    if others:
        warn(f"{others} result(s) in {results} are of another assignment than {assignment}; left out")
    if without:
        shown = ", ".join(without[:5]) + (f" and {len(without) - 5} more" if len(without) > 5 else "")
        warn(f"{len(without)} result(s) have no stored source ({shown}): graded by a grader older than `grader similar`, "
             "or the submission could not be read; grade them again with --force to compare their code")
    return found
