"""How a check's details read in a report: the rows each check kind gives it.

A kind's ``detail_rows(details)`` turns its own ``details`` (plain data) into
:class:`DetailRow` s whose text is already formatted; the report escapes each
row and places it on the page by its ``section``. The formatting helpers here
are the report's own, so a value reads the same wherever a page shows it.

This module imports nothing from the grader: the kinds and the report both
build on it, and neither depends on the other through it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any, Literal

MAX_TEXT_CHARS = 2_000

# Where a row goes on a check's section of the page, in the page's order.
Section = Literal["question", "dataset", "compare", "wrong", "stat", "checklist", "violation", "extra"]

_ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[@-_]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass(frozen=True)
class DetailRow:
    """One thing a report shows about a check's details, as text a person reads.

    ``section`` says where it goes: ``question`` (a manual check's question or rubric),
    ``dataset`` (what a training check trained on), ``compare`` (expected against got:
    ``expected`` holds the expected value, ``text`` the student's), ``wrong`` (a wrong
    parameter and its error), ``stat`` (a figure about a failure, shown unless the check
    passed), ``checklist`` (one property; ``css`` is ``ok`` or ``bad``), ``violation``
    (forbidden code found) or ``extra`` (any other plain detail, shown as it is).
    """

    label: str
    text: str
    section: Section = "extra"
    css: str = ""          # dataset: "alert" for a stand-in, "proves" otherwise; checklist: "ok" or "bad"
    expected: str = ""     # compare rows only


def clip(text: str, limit: int) -> str:
    """``text`` without terminal escapes or control characters, its head and tail kept if too long."""
    text = _CONTROL.sub("", _ANSI.sub("", text))
    if len(text) <= limit:
        return text
    head, tail = text[: limit * 3 // 4], text[-(limit // 4):]
    return f"{head}\n[… {len(text) - len(head) - len(tail):,} characters not shown …]\n{tail}"


def fmt_value(value: Any) -> str:
    """A number or value as a person reads it: floats to 6 significant digits."""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        return f"{value:.6g}" if math.isfinite(value) else str(value)
    if isinstance(value, (list, tuple)):
        return "(" + ", ".join(fmt_value(v) for v in value) + ("," if len(value) == 1 else "") + ")"
    return clip(str(value), MAX_TEXT_CHARS)


def fmt_error(value: Any) -> str:
    """An error size; relative errors against (almost) zero are astronomically large, so they are capped."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return "> 1e12" if value > 1e12 else f"{value:.3g}"
    return fmt_value(value)


def fmt_index(index: Any) -> str:
    """An array index as ``[1, 2]`` (a lone number as ``[1]``)."""
    return "[" + ", ".join(map(str, index if isinstance(index, (list, tuple)) else [index])) + "]"


def _plain(value: Any) -> bool:
    scalar = (str, int, float, bool)
    return isinstance(value, scalar) or (isinstance(value, list) and len(value) <= 20
                                         and all(isinstance(v, scalar) for v in value))


def words(name: str) -> str:
    """A detail's key as a person reads it: ``expected_numbers`` is "expected numbers"."""
    return clip(str(name), 80).replace("_", " ")


def fmt_plain(value: Any) -> str:
    """A plain detail's value as a person reads it: a list as its items (``0.83``, ``1, 2``), an empty one as "none"."""
    if isinstance(value, (list, tuple)):
        return ", ".join(fmt_value(v) for v in value) if value else "none"
    return fmt_value(value)


def plain_rows(details: dict[str, Any], known: Collection[str] = ()) -> list[DetailRow]:
    """An ``extra`` row for each detail not in ``known`` whose value is plain (a number, a string,
    a short list of them), in the details' order, its key in words; other values are left out."""
    return [DetailRow(words(name), fmt_plain(value)) for name, value in details.items()
            if name not in known and _plain(value)]
