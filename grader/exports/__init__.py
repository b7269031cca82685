"""Exports of results to other systems: Gradescope ``results.json`` and its autograder
bundle, JUnit XML for CI, and a Markdown summary for GitHub Actions job pages.

Each works on a :class:`~grader.results.Result` (``load_result`` reads one from a
``result.json``), so it can run on results graded earlier or elsewhere. Hidden checks export their status, points,
message and only the details :mod:`grader.redaction` allows (the engine already redacts their messages).
"""

from __future__ import annotations

import re
from typing import Any

from grader.results import CheckResult

_ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[@-_]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def plain(text: Any, limit: int | None = None) -> str:
    """Printable text: no terminal escapes or control characters (tabs and newlines kept)."""
    out = _CONTROL.sub("", _ANSI.sub("", str(text)))
    if limit is not None and len(out) > limit:
        out = out[: limit - 1] + "…"
    return out


def check_name(check: CheckResult) -> str:
    return check.title or check.id or "check"


def score_text(value: float) -> str:
    return f"{value:g}"
