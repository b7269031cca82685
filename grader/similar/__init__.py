"""``grader similar``: which submissions of a graded batch look copied, by code and by identical wrong numbers.

:func:`analyse` reads what grading stored (``result.json`` and the instructor-only
``instructor.json``: the source copy and the hidden checks' wrong values) and ranks pairs;
:mod:`grader.similar.page` renders the ranking and side-by-side pair views. Nothing is run again.
"""

from __future__ import annotations

from grader.similar.rank import Analysis, Options, Pair, analyse, read_cleared

__all__ = ["Analysis", "Options", "Pair", "analyse", "read_cleared"]
