"""Forms: one assignment, more than one way to hand it in (the starter's functions, or a script that
prints its numbers). The spec's ``forms`` maps each form to the checks that grade it that way; the
other checks count whatever the form. Every form's checks are run and judged, and the submission is
graded in the form that earns it most (the first listed on a tie): the other forms' checks are left
out of the result, and the result's notes say which form was graded when it is not the first.
"""

from __future__ import annotations

from grader.redaction import InstructorRecord
from grader.results import CheckResult
from grader.spec import Assignment


def chosen(assignment: Assignment, checks: list[CheckResult]) -> str | None:
    """The form that earns ``checks`` the most points, or None where the assignment has no forms."""
    forms = assignment.spec.forms
    if not forms:
        return None
    earned = {name: sum(c.score for c in checks if c.id in ids) for name, ids in forms.items()}
    best = max(earned.values())
    return next(name for name, points in earned.items() if points == best)


def keep(assignment: Assignment, checks: list[CheckResult],
         instructor: InstructorRecord) -> tuple[list[CheckResult], InstructorRecord]:
    """The checks of the chosen form and the checks of no form, in the spec's order (and the same
    for the instructor's record)."""
    form = chosen(assignment, checks)
    if form is None:
        return checks, instructor
    dropped = {i for name, ids in assignment.spec.forms.items() if name != form for i in ids}
    kept = [c for c in checks if c.id not in dropped]
    return kept, instructor.model_copy(update={"checks": [c for c in instructor.checks if c.id not in dropped]})


def max_score(assignment: Assignment, checks: list[CheckResult]) -> float:
    """The most the kept checks could earn: the assignment's, or with forms the graded form's and the
    shared checks' (public ones only in a self-check, where hidden checks do not run)."""
    if not assignment.spec.forms:
        return assignment.max_score
    return round(sum(c.max_score for c in checks), 4)


def note(assignment: Assignment, checks: list[CheckResult]) -> list[str]:
    """A note naming the form graded, where it is not the first one the spec lists."""
    forms = assignment.spec.forms
    form = chosen(assignment, checks) if forms else None
    if form is None or form == next(iter(forms)):
        return []
    first = next(iter(forms))
    return [f"Graded as {form}: this form earns the most here; the checks for {first} "
            f"({', '.join(forms[first][:4])}{', …' if len(forms[first]) > 4 else ''}) are not counted."]
