"""What a student may see of a result, before and after an instructor releases hidden results.

``result.json`` already holds no hidden inputs or expected values (the one redaction
policy, :mod:`grader.redaction`). Until release a student sees even less: the public
checks only, and a score over them alone, so the service never says how the hidden
checks went (a total would). After release they see the result as ``grade`` wrote it.
Instructors always see the whole result and the instructor-only details.
"""

from __future__ import annotations

from typing import Any

from grader.results import Result, total
from grader.serve.db import aware


def student_result(result: Result, released: bool) -> Result:
    """The result as a student may see it now."""
    if released:
        return result
    public = [c for c in result.checks if c.visibility == "public"]
    return result.model_copy(update={"checks": public, "score": total(public, result.late),
                                     "max_score": round(sum(c.max_score for c in public), 4)})


def hidden_pending(result: Result, released: bool) -> float:
    """Points of hidden checks a student cannot see yet."""
    return 0.0 if released else round(sum(c.max_score for c in result.checks if c.visibility != "public"), 4)


def summary(row: Any, result: Result | None, released: bool, instructor: bool) -> dict[str, Any]:
    """The API's account of one submission: its state and, once graded, the result the caller may see."""
    data: dict[str, Any] = {"id": row.id, "assignment": row.assignment, "filename": row.filename,
                            "submitted_at": aware(row.submitted_at).isoformat(timespec="seconds"), "status": row.status}
    if instructor:
        data["student"] = row.person_id
    if row.status == "error":
        data["error"] = "the grader could not grade this upload; an instructor has been told" if not instructor \
            else row.error
    if result is not None:
        shown = result if instructor else student_result(result, released)
        data.update(score=shown.score, max_score=shown.max_score, result=shown.to_dict(),
                    hidden_points_pending=0.0 if instructor else hidden_pending(result, released))
    return data
