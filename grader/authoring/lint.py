"""What ``grader validate`` checks beyond "the reference scores full marks"."""

from __future__ import annotations

from grader.authoring import starter
from grader.results import Result
from grader.spec import Assignment


def check_texts(assignment: Assignment) -> list[str]:
    """Every check needs words a student reads: a title or a description."""
    return [f"check {c.id!r} has neither a title nor a description, so a student who fails it is not told what it "
            "is about; add `title:` (and `description:` for what it proves)"
            for c in assignment.checks if not (c.title or c.description)]


def starter_freshness(assignment: Assignment) -> list[str]:
    """When the reference carries solution markers, ``starter/`` must be exactly what they generate."""
    if assignment.expected is not None or not starter.uses_markers(assignment):
        return []
    stale = starter.stale_files(assignment)
    if not stale:
        return []
    return [f"starter/ is out of date with reference/ ({', '.join(stale[:5])}); run `grader starter {assignment.name}`"]


def starter_scores(assignment: Assignment, graded: Result) -> list[str]:
    """An untouched starter must earn nothing on a hidden check (else points come for free)."""
    return [f"the unchanged starter scores {c.score:g} of {c.max_score:g} on hidden check {c.id!r}, so a student "
            "earns it for nothing; make the check fail on the starter (or make it public and worth 0)"
            for c in graded.checks if c.visibility == "hidden" and c.score > 0]
