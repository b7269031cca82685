"""Solution markers: the student's copy of a reference file, with the answers taken out.

In a reference ``.py`` file (or a notebook's code cells):

* the lines from ``# BEGIN SOLUTION`` to ``# END SOLUTION`` are replaced, at the marker's
  indentation, by a prompt comment and ``raise NotImplementedError``. Text after
  ``BEGIN SOLUTION`` becomes the prompt (``# BEGIN SOLUTION compute h, then o`` gives
  ``# TODO: compute h, then o``); without it the prompt is ``# YOUR CODE HERE``.
  ``# BEGIN SOLUTION NO PROMPT`` removes the block and writes nothing in its place
  (a private helper the student does not need);
* a single line ending in ``# SOLUTION`` keeps what a student needs to see:
  ``lr = 0.1  # SOLUTION`` becomes ``lr = ...  # YOUR CODE HERE``, and any other
  statement becomes ``...  # YOUR CODE HERE``.

Everything else (signatures, docstrings, comments, imports) is kept as written. In a
notebook's markdown cells a block between ``<!-- BEGIN SOLUTION -->`` and
``<!-- END SOLUTION -->`` (or the ``#`` forms) becomes ``YOUR ANSWER HERE``.
"""

from __future__ import annotations

import ast
import json
import re
from dataclasses import dataclass

from grader.errors import GraderError

_BEGIN = re.compile(r"^(?P<indent>[ \t]*)#+\s*BEGIN SOLUTION\b(?P<rest>.*)$")
_END = re.compile(r"^[ \t]*#+\s*END SOLUTION\b.*$")
_LINE = re.compile(r"^(?P<code>.*?)[ \t]*#+\s*SOLUTION\s*$")
_ASSIGN = re.compile(r"^(?P<target>[ \t]*[A-Za-z_][\w.\[\], \t]*?(?::[^=]+)?[ \t]*(?:[-+*/@%]|//|\*\*)?=)(?!=)")
_MD_BEGIN = re.compile(r"^\s*(?:<!--\s*|#+\s*)BEGIN SOLUTION\b.*$")
_MD_END = re.compile(r"^\s*(?:<!--\s*|#+\s*)END SOLUTION\b.*$")
CODE_PROMPT = "YOUR CODE HERE"
TEXT_PROMPT = "YOUR ANSWER HERE"


@dataclass(frozen=True)
class Marked:
    """A file's student text and how many marked places it had."""

    text: str
    markers: int


def has_markers(text: str) -> bool:
    """Whether ``text`` contains any solution marker."""
    return any(_BEGIN.match(line) or _LINE.match(line) for line in text.splitlines())


def strip_code(text: str, where: str, *, check_syntax: bool = True) -> Marked:
    """The student's copy of Python source ``text``; ``where`` names it in errors.

    ``check_syntax`` parses the result (off for notebook cells, which may hold magics).
    """
    out: list[str] = []
    markers = 0
    block_start: int | None = None
    for number, line in enumerate(text.splitlines(keepends=True), start=1):
        bare = line.rstrip("\r\n")
        ending = line[len(bare):]
        begin, end = _BEGIN.match(bare), _END.match(bare)
        if block_start is not None:
            if begin:
                raise GraderError(f"{where}:{number}: BEGIN SOLUTION inside the block opened on line {block_start}; "
                                  "close it with # END SOLUTION first")
            if end:
                block_start = None
            continue
        if end:
            raise GraderError(f"{where}:{number}: END SOLUTION without a BEGIN SOLUTION before it")
        if begin:
            markers += 1
            block_start = number
            indent, rest = begin["indent"], begin["rest"].strip(" :-")
            if rest.upper() != "NO PROMPT":
                out.append(f"{indent}# {'TODO: ' + rest if rest else CODE_PROMPT}{ending or chr(10)}")
                out.append(f"{indent}raise NotImplementedError{ending or chr(10)}")
            continue
        single = _LINE.match(bare)
        if single:
            markers += 1
            out.append(_blank_line(single["code"]) + (ending or "\n"))
            continue
        out.append(line)
    if block_start is not None:
        raise GraderError(f"{where}:{block_start}: BEGIN SOLUTION is never closed; add # END SOLUTION")
    student = "".join(out)
    if not check_syntax:
        return Marked(student, markers)
    try:
        ast.parse(student, filename=where)
    except SyntaxError as exc:
        raise GraderError(f"{where}: the student's copy would not be valid Python (line {exc.lineno}: {exc.msg}); "
                          "check the solution markers' indentation") from None
    return Marked(student, markers)


def _blank_line(code: str) -> str:
    assign = _ASSIGN.match(code)
    if assign:
        return f"{assign['target']} ...  # {CODE_PROMPT}"
    indent = code[: len(code) - len(code.lstrip())]
    return f"{indent}...  # {CODE_PROMPT}"


def strip_markdown(text: str, where: str) -> Marked:
    """A markdown cell's student copy: each marked block becomes ``YOUR ANSWER HERE``."""
    out: list[str] = []
    markers = 0
    inside = False
    for line in text.splitlines(keepends=True):
        bare = line.rstrip("\r\n")
        if inside:
            inside = not _MD_END.match(bare)
            continue
        if _MD_BEGIN.match(bare):
            markers += 1
            inside = True
            out.append(TEXT_PROMPT + "\n")
            continue
        out.append(line)
    if inside:
        raise GraderError(f"{where}: a markdown BEGIN SOLUTION is never closed; add END SOLUTION")
    return Marked("".join(out), markers)


def strip_notebook(raw: bytes, where: str) -> Marked:
    """A notebook's student copy: code and markdown cells stripped, outputs and counts cleared."""
    import nbformat

    try:
        notebook = nbformat.reads(raw.decode("utf-8-sig"), as_version=4)
    except (UnicodeDecodeError, json.JSONDecodeError, nbformat.reader.NotJSONError) as exc:
        raise GraderError(f"{where}: not a readable notebook ({exc}); save it again from Jupyter") from None
    markers = 0
    for index, cell in enumerate(notebook.cells, start=1):
        label = f"{where} cell {index}"
        if cell.cell_type == "code":
            marked = strip_code(cell.source, label, check_syntax=False)
            cell.outputs = []
            cell.execution_count = None
        elif cell.cell_type == "markdown":
            marked = strip_markdown(cell.source, label)
        else:
            continue
        cell.source = marked.text
        markers += marked.markers
    return Marked(nbformat.writes(notebook) + "\n", markers)
