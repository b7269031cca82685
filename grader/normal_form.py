"""Source text to a normalised token stream, the form code similarity is measured on (``grader similar``).

The judge stores each submission's normal form in ``instructor.json`` (:data:`VERSION` says which
rules made it), so ``grader similar`` hashes stored tokens instead of tokenising a class again.

Renaming, reformatting and rewriting comments change nothing here: comments, blank lines,
indentation and docstrings are dropped, every identifier a student chooses becomes ``V``,
every number ``0`` and every string ``S``. What stays is what renaming does not touch:
keywords, operators, builtins, the common module aliases (``np``, ``torch``...) and attribute
names after a dot (``np.exp``, ``.sum``), which name the library's API rather than the student's.
Read with Python's :mod:`tokenize` (never compiled, never run); a file that stops tokenising
(an unclosed bracket) gives the tokens before that point.
"""

from __future__ import annotations

import builtins
import io
import keyword
import tokenize
import zlib
from dataclasses import dataclass

import numpy as np

VERSION = "1"       # change it with any rule below: stored normal forms of another version are made again
KEPT_NAMES = frozenset(dir(builtins)) | frozenset({"np", "numpy", "torch", "nn", "F", "math", "plt", "d2l", "self",
                                                   "optim", "random", "sklearn", "pd"})
_DROPPED = frozenset({tokenize.COMMENT, tokenize.NL, tokenize.INDENT, tokenize.DEDENT, tokenize.ENCODING,
                      tokenize.ENDMARKER})
_STATEMENT_START = frozenset({tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT, tokenize.NL, tokenize.COMMENT,
                              tokenize.ENCODING, None})
_FSTRING_START = getattr(tokenize, "FSTRING_START", None)
_FSTRING_REST = frozenset(t for t in (getattr(tokenize, "FSTRING_MIDDLE", None), getattr(tokenize, "FSTRING_END", None))
                          if t is not None)


@dataclass(frozen=True)
class Tokens:
    """A submission's normalised tokens: their hashes (``uint64``) and, per token, the file and line it came from."""

    hashes: np.ndarray
    files: np.ndarray         # index into ``names``
    lines: np.ndarray         # 1-based line in that file
    names: tuple[str, ...]

    def __len__(self) -> int:
        return int(self.hashes.size)


def normalise(text: str) -> list[tuple[str, int]]:
    """``text``'s tokens in normal form, each with its line."""
    out: list[tuple[str, int]] = []
    previous: int | None = None
    docstring = False
    reader = io.StringIO(text.replace("\r\n", "\n")).readline
    try:
        for tok in tokenize.generate_tokens(reader):
            kind, string = tok.type, tok.string
            if kind in _DROPPED or kind in _FSTRING_REST:
                previous = kind if kind != tokenize.NL else previous
                continue
            if kind == tokenize.STRING and previous in _STATEMENT_START:
                previous, docstring = kind, True     # a docstring or a bare string: documentation, not code
                continue
            if docstring and kind == tokenize.NEWLINE:
                previous, docstring = kind, False    # the end of that string's statement
                continue
            docstring = False
            out.append((_form(kind, string, out), tok.start[0]))
            previous = kind
    except (tokenize.TokenError, SyntaxError):
        pass
    return out


def _form(kind: int, string: str, before: list[tuple[str, int]]) -> str:
    if kind == tokenize.NAME:
        after_dot = bool(before) and before[-1][0] == "."
        return string if keyword.iskeyword(string) or string in KEPT_NAMES or after_dot else "V"
    if kind == tokenize.NUMBER:
        return "0"
    if kind == tokenize.STRING or kind == _FSTRING_START:
        return "S"
    if kind == tokenize.NEWLINE or string == ";":
        return ";"
    return string


_CACHE: dict[str, int] = {}


def token_hash(form: str) -> int:
    """A token's fixed hash (the same in every run and every batch, unlike ``hash``)."""
    found = _CACHE.get(form)
    if found is None:
        found = _CACHE[form] = zlib.crc32(form.encode("utf-8")) + 1
    return found


def normal_forms(sources: dict[str, str]) -> list[tuple[str, str, list[int]]]:
    """Per file, in name order: its name, its normalised tokens joined by spaces (no form holds one),
    and each token's line: what the judge stores."""
    found = []
    for name in sorted(sources):
        pairs = normalise(sources[name])
        found.append((name, " ".join(form for form, _ in pairs), [line for _, line in pairs]))
    return found


def from_forms(files: list[tuple[str, str, list[int]]]) -> Tokens:
    """:class:`Tokens` from stored normal forms (see :func:`normal_forms`)."""
    hashes: list[int] = []
    indices: list[int] = []
    lines: list[int] = []
    for index, (_, forms, numbers) in enumerate(files):
        split = forms.split(" ") if forms else []
        if len(split) != len(numbers):
            raise ValueError("a stored normal form whose tokens and lines disagree")
        try:
            hashes.extend(map(_CACHE.__getitem__, split))    # the usual case, at C speed: every form seen before
        except KeyError:   # a new form: extend kept what came before it, so go on from there
            hashes.extend(token_hash(form) for form in split[len(hashes) - len(lines):])
        indices.extend([index] * len(split))
        lines.extend(numbers)
    return Tokens(np.array(hashes, dtype=np.uint64), np.array(indices, dtype=np.int32), np.array(lines, dtype=np.int32),
                  tuple(name for name, _, _ in files))


def tokens(sources: dict[str, str]) -> Tokens:
    """Every file's normalised tokens, files in name order, as arrays."""
    return from_forms(normal_forms(sources))
