"""A public check's inputs, drawn again as the engine drew them, so a student can reproduce a failure.

Only public checks: for a hidden check this returns nothing, whatever is asked (its inputs come
from the course secret and are never shown to students).
"""

from __future__ import annotations

from typing import Any

from grader import calls
from grader.assignment import Assignment, check_inputs
from grader.checks import CHECKS
from grader.inputs import draw_set
from grader.secret import default_secret, derive_seed


def public_case(assignment: Assignment, check_id: str, case: Any, secret: str | None = None) -> list[tuple[str, Any]]:
    """The inputs of case ``case`` of the public check ``check_id``, as ``(name, value)`` pairs in the
    order the spec lists them, only those its call uses; empty for a hidden or unknown check, a
    check without inputs, or a case that does not exist. ``secret`` must be the one the engine used
    (default: :func:`grader.secret.default_secret`, as ``grader check`` uses)."""
    check = next((c for c in assignment.checks if c.id == check_id), None)
    if check is None or check.visibility != "public":
        return []
    try:
        index = int(case) if case is not None else 0
    except (TypeError, ValueError):
        return []
    seed = derive_seed(secret or default_secret(), assignment.spec.seed, check.id)
    drawn = CHECKS[check.kind].draw(check, assignment, seed)
    if drawn is None:
        input_set = check_inputs(assignment, check)
        drawn = draw_set(input_set.values, seed, input_set.cases)
    if not 0 <= index < len(drawn):
        return []
    call = getattr(check, "call", None)
    used = calls.names(calls.parse(call))[0] if isinstance(call, str) else None
    return [(name, value.value) for name, value in drawn[index].items() if used is None or name in used]
