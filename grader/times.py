"""Reading a date and time that must say its timezone (a due date, a submission time).

Its own module so that the spec (a ``late:`` section's due date) and :mod:`grader.late`
(submission times) read times the same way without importing each other.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any


def parse_time(text: Any, what: str) -> datetime:
    """An ISO 8601 date and time with a UTC offset (or ``Z``); raises ValueError saying what is wrong."""
    if isinstance(text, datetime):
        value = text
    elif isinstance(text, date):
        raise ValueError(f"{what} {text.isoformat()} has no time of day; write e.g. {text.isoformat()}T23:59:00+01:00")
    else:
        raw = str(text).strip()
        try:
            value = datetime.fromisoformat(raw)
        except ValueError:
            raise ValueError(f"{what} {raw!r} is not an ISO 8601 date and time such as 2026-12-01T23:59:00+01:00") from None
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{what} {value.isoformat()} has no timezone; add its UTC offset (e.g. +01:00) or Z for UTC")
    return value
