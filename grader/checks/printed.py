"""Numbers in printed output: found the way a reader would see them, and matched in order.

Used by the ``output`` check kind (see :mod:`grader.checks.output` for the rules it documents to
assignment authors): :func:`extract` finds numbers (inside ``tensor([...])`` reprs too, never
digits inside words), :func:`match` finds the expected ones as an in-order subsequence within
tolerance, and :func:`relation` says in words how far off a wrong number is.
"""

from __future__ import annotations

import bisect
import math
import re
from dataclasses import dataclass

import numpy as np

_NUMBER = re.compile(r"(?<![\w.])[-+]?(?:(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?|inf|nan)",
                     re.IGNORECASE | re.ASCII)
_DEVICE = re.compile(r"device=(?:'[^'\n]*'|\"[^\"\n]*\"|\w+\(type='[^'\n]*'(?:, index=\d+)?\))")
_AFTER_LABEL = re.compile(r"[ \t:=]*")
_CALLABLE_REPR = re.compile(r"[A-Za-z_][\w.]*(?=\()")
_OPEN = {"(": ")", "[": "]", "{": "}"}


# ------------------------------------------------------------------ numbers

@dataclass(frozen=True)
class Number:
    """One number found in printed text."""

    text: str          # as printed: "0.2097", "-1.5e-03"
    value: float
    half_unit: float   # half a unit in the last printed digit (0 for integers, inf and nan)
    pos: int           # offset in the text
    line: int          # 0-based line number
    label: str | None = None

    @property
    def decimals(self) -> int | None:
        mantissa = self.text.lstrip("+-").split("e")[0].split("E")[0]
        return len(mantissa.split(".", 1)[1]) if "." in mantissa else None


def _half_unit(text: str) -> float:
    body = text.lstrip("+-").lower()
    if body in ("inf", "nan"):
        return 0.0
    mantissa, _, exponent = body.partition("e")
    if "." not in mantissa and not exponent:
        return 0.0  # an integer: a count, an epoch, a class index - exact
    decimals = len(mantissa.split(".", 1)[1]) if "." in mantissa else 0
    return 0.5 * 10.0 ** (int(exponent or 0) - decimals)


def _clean(text: str) -> str:
    """Same length as ``text`` (offsets stay valid): Unicode minus as '-', device strings blanked."""
    text = text.replace("\u2212", "-")
    return _DEVICE.sub(lambda m: " " * len(m.group(0)), text)


def _number(text: str, match: re.Match[str] | None, label: str | None, lines: list[int]) -> Number | None:
    if match is None:
        return None
    after = match.end()
    if after < len(text) and (text[after].isalnum() or text[after] == "_"):
        return None  # 3x3, 2e, 1.5ms: part of a word
    raw = match.group(0)
    try:
        value = float(raw)
    except ValueError:
        return None
    return Number(raw, value, _half_unit(raw), match.start(), _line_of(lines, match.start()), label)


def _numbers_in(text: str, start: int, end: int, label: str | None, lines: list[int]) -> list[Number]:
    found = (_number(text, m, label, lines) for m in _NUMBER.finditer(text, start, end))
    return [n for n in found if n is not None]


def _line_starts(text: str) -> list[int]:
    return [0] + [m.end() for m in re.finditer("\n", text)]


def _line_of(starts: list[int], pos: int) -> int:
    return bisect.bisect_right(starts, pos) - 1


def _bracket_end(text: str, start: int) -> int:
    """The offset just past the bracket that closes the one at ``start`` (or the end of the text)."""
    stack = []
    for index in range(start, len(text)):
        char = text[index]
        if char in _OPEN:
            stack.append(_OPEN[char])
        elif stack and char == stack[-1]:
            stack.pop()
            if not stack:
                return index + 1
    return len(text)


def _label_regex(label: str) -> re.Pattern[str]:
    """The label as printed, give or take spaces: 'loss=' also finds 'loss =' and 'loss = '."""
    label = label.strip()
    left = r"(?<![\w])" if label[0].isalnum() or label[0] == "_" else ""
    right = r"(?![\w])" if label[-1].isalnum() or label[-1] == "_" else ""
    body = ""
    for char in label:
        if char in "=:":
            body += r"[ \t]*" + re.escape(char)
        elif char.isspace():
            body += r"[ \t]+" if not body.endswith(r"[ \t]+") else ""
        else:
            body += re.escape(char)
    return re.compile(left + body + right)


def extract(text: str, labels: list[str] | None = None, patterns: list[str] | None = None) -> list[Number]:
    """Every number in ``text`` (or, with labels / patterns, only the selected ones), in order."""
    text = _clean(text)
    starts = _line_starts(text)
    if not labels and not patterns:
        return _numbers_in(text, 0, len(text), None, starts)
    found: dict[int, Number] = {}
    for label in labels or []:
        for match in _label_regex(label).finditer(text):
            after = _AFTER_LABEL.match(text, match.end())   # always matches: the pattern may be empty
            at = after.end() if after else match.end()
            named = _CALLABLE_REPR.match(text, at)
            opener = named.end() if named else at
            if opener < len(text) and text[opener] in _OPEN:
                numbers = _numbers_in(text, opener, _bracket_end(text, opener), label, starts)
            else:
                single = None if named else _number(text, _NUMBER.match(text, at), label, starts)
                numbers = [single] if single is not None else []
            for number in numbers:
                found.setdefault(number.pos, number)
    for pattern in patterns or []:
        regex = re.compile(pattern)
        for match in regex.finditer(text):
            group = 1 if regex.groups else 0
            if match.start(group) < 0:
                continue
            for number in _numbers_in(text, match.start(group), match.end(group), pattern, starts):
                found.setdefault(number.pos, number)
    return [found[pos] for pos in sorted(found)]


# ----------------------------------------------------------------- matching

@dataclass(frozen=True)
class Match:
    """Where each expected number was found in the student's numbers (None: missing)."""

    found: list[int | None]
    tolerance: list[float]

    @property
    def count(self) -> int:
        return sum(1 for f in self.found if f is not None)


def tolerance_of(number: Number, rtol: float, atol: float, rounding: bool) -> float:
    slack = number.half_unit * (1 + 1e-9) if rounding else 0.0
    return atol + rtol * abs(number.value) + slack + 1e-12 * abs(number.value)


def match(expected: list[Number], got: list[Number], rtol: float, atol: float, rounding: bool = True) -> Match:
    """Greedy in-order matching: each expected number takes the first fitting student number after the last match.

    A number that is not found does not move the position, so one missing number
    costs only itself.
    """
    values = np.array([g.value for g in got], dtype=np.float64)
    labels = np.array([g.label or "" for g in got], dtype=object)
    found: list[int | None] = []
    tolerances = []
    position = 0
    for number in expected:
        tol = tolerance_of(number, rtol, atol, rounding)
        tolerances.append(tol)
        rest = values[position:]
        with np.errstate(invalid="ignore"):
            if math.isnan(number.value):
                ok = np.isnan(rest)
            elif math.isinf(number.value):
                ok = rest == number.value
            else:
                ok = np.abs(rest - number.value) <= tol
        if number.label is not None:
            ok &= labels[position:] == number.label
        hits = np.flatnonzero(ok)
        if hits.size:
            found.append(position + int(hits[0]))
            position += int(hits[0]) + 1
        else:
            found.append(None)
    return Match(found, tolerances)


def nearest(index: int, expected: list[Number], got: list[Number], result: Match) -> Number | None:
    """The student's number nearest the missing one, where it should have been printed."""
    before = max((f for f in result.found[:index] if f is not None), default=-1)
    after = min((f for f in result.found[index + 1:] if f is not None), default=len(got))
    window = got[before + 1:after] or got[before + 1:]
    target = expected[index]
    same_label = [g for g in window if g.label == target.label]
    window = same_label or window
    finite = [g for g in window if math.isfinite(g.value)]
    if not finite or not math.isfinite(target.value):
        return window[0] if window else None
    return min(finite, key=lambda g: abs(g.value - target.value))


def relation(got: float, expected: float) -> str:
    """How a wrong number relates to the right one, in words: 'about 2× too large'."""
    if not (math.isfinite(got) and math.isfinite(expected)):
        return "not a finite number" if not math.isfinite(got) else "where a finite number was expected"
    if expected == 0:
        return f"off by {got:.3g}"
    ratio = got / expected
    if ratio < 0:
        return "the right size but the wrong sign" if abs(abs(ratio) - 1) < 0.02 else "of the wrong sign"
    if ratio == 0:
        return "zero"
    big = ratio if ratio >= 1 else 1 / ratio
    word = "too large" if ratio >= 1 else "too small"
    if big >= 1.5:
        near = round(big)
        amount = f"{near}×" if abs(big - near) <= 0.03 * big else f"{big:.2g}×"
        return f"about {amount} {word}"
    return f"{abs(ratio - 1) * 100:.2g}% {word}"


def ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def clip(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1] + "…"
