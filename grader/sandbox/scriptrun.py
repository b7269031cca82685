"""Scripts in the sandboxed child: the main file run once as ``__main__`` (``run: main``), an
``output`` check's run of a file, and how an exception is described in the student's own terms.

A ``run: main`` script runs exactly as ``python file.py`` would run it (``__name__ ==
"__main__"``, ``sys.argv == [file]``), with ``input()`` reading the spec's ``stdin`` and
then end-of-file, and stops on its own at its budget: a timer raises :class:`ScriptBudget`
(a ``BaseException``, so ``except Exception`` in the script does not swallow it) where the
script is. Whatever stops it, the globals it defined by then stay for the checks, and what
it printed stays for the ``output`` checks.
"""

from __future__ import annotations

import io
import os
import runpy
import signal
import sys
import traceback
import types
from typing import Any

import numpy as np

__all__ = ["ScriptBudget", "describe", "main_run", "place", "run_main", "run_script", "set_names", "shown"]

# The student's names for the files in the box (see :func:`set_names`), and the recorded main run.
_NAMES: dict[str, dict[str, Any]] = {}
_MAIN: dict[str, dict[str, Any]] = {}


class ScriptBudget(BaseException):
    """The script's budget (``sandbox.script_timeout_s``) ran out while it was running."""


def set_names(names: dict[str, Any] | None) -> None:
    """How tracebacks name the box's files: ``{staged name: {"as": the student's file name,
    "cells": [[first line of a cell in the script, its cell number], ...] or None}}``."""
    _NAMES.clear()
    for staged, shown in (names or {}).items():
        if isinstance(staged, str) and isinstance(shown, dict) and isinstance(shown.get("as"), str):
            _NAMES[staged] = shown


def shown(staged: str) -> str:
    """The student's own name for a file of the box."""
    return str(_NAMES.get(staged, {}).get("as", staged))


def place(staged: str, line: int) -> str:
    """``File "<the student's file>", line N`` (a notebook's: ``cell C, line L``) for a box file's line."""
    name = shown(staged)
    cells = _NAMES.get(staged, {}).get("cells")
    if cells:
        starts = [c for c in cells if isinstance(c, list) and len(c) == 2 and c[0] <= line]
        if starts:
            first, cell = starts[-1]
            return f'File "{name}", cell {cell}, line {line - first}'
    return f'File "{name}", line {line}'


def _budget_ran_out(signum: int, frame: Any) -> None:
    raise ScriptBudget()


class _Tee:
    """``sys.stdout`` while a script runs: everything still reaches the real stream (which the
    supervisor caps), and the first ``limit`` characters are kept for the ``output`` check."""

    def __init__(self, stream: Any, limit: int) -> None:
        self._stream = stream
        self._limit = limit
        self._parts: list[str] = []
        self._size = 0
        self.truncated = False

    def write(self, text: str) -> int:
        if not isinstance(text, str):
            raise TypeError(f"write() argument must be str, not {type(text).__name__}")
        room = self._limit - self._size
        if len(text) > room:
            self.truncated = True
        if room > 0:
            self._parts.append(text[:room])
            self._size += min(len(text), room)
        return self._stream.write(text)

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)

    def text(self) -> str:
        return "".join(self._parts)

    def __getattr__(self, name: str) -> Any:  # flush, fileno, encoding, isatty, buffer ...
        return getattr(self._stream, name)


def _record(tee: _Tee, problem: dict[str, Any]) -> dict[str, Any]:
    """A script run as an ``output`` check reads it; raw UTF-8 bytes travel outside the JSON header."""
    text = np.frombuffer(tee.text().encode("utf-8", "replace"), dtype=np.uint8)
    return {"stdout": text, "truncated": tee.truncated,
            "error": problem.get("error"), "traceback": problem.get("traceback"), "memory": bool(problem.get("memory"))}


def run_main(job: dict[str, Any], box: str) -> tuple[types.ModuleType, dict[str, Any] | None]:
    """Run the main file once as ``__main__`` under its budget; its module (what it defined,
    however it stopped) and, when it stopped early, the description of why (else None).

    A ``sys.exit()`` with status 0 or None is a normal end, as it is for ``python file.py``.
    """
    staged = job["modules"][0] + ".py"
    path = os.path.join(box, staged)
    main = job["main"]
    module = types.ModuleType("__main__")
    module.__file__ = path
    sys.modules["__main__"] = module    # classes the script defines pickle as python file.py's would
    saved = sys.stdout, sys.stdin, sys.argv
    tee = _Tee(sys.stdout, int(main.get("max_chars", 1 << 20)))
    sys.stdout, sys.stdin, sys.argv = tee, io.StringIO(str(main.get("stdin", ""))), [path]
    problem: dict[str, Any] = {}
    previous = signal.signal(signal.SIGALRM, _budget_ran_out)
    try:
        try:
            with open(path, "rb") as fh:
                code = compile(fh.read(), path, "exec", dont_inherit=True)
            signal.setitimer(signal.ITIMER_REAL, float(main["budget_s"]))
            exec(code, module.__dict__)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
    except SystemExit as exc:
        if exc.code not in (None, 0):
            problem = describe(exc, box, float(main["budget_s"]))
    except BaseException as exc:  # noqa: BLE001 - the student's exception is data here
        problem = describe(exc, box, float(main["budget_s"]))
    finally:
        sys.stdout, sys.stdin, sys.argv = saved
        _flush(sys.stdout)
    _MAIN.clear()
    _MAIN[staged] = _record(tee, problem)
    return module, problem or None


def main_run(script: str) -> dict[str, Any] | None:
    """What the main run printed, when ``script`` is the file it ran (an ``output`` check reads it)."""
    return _MAIN.get(script)


def run_script(harness: dict[str, Any], box: str) -> dict[str, Any]:
    """Run a submission file top to bottom as ``__main__``; what it printed comes back as text.

    Under ``run: main`` the main file's one run is read instead (run without ``args``).
    The script's own exception (or a non-zero ``sys.exit``) does not lose what it printed:
    it comes back beside the text, described like any other error.
    """
    recorded = main_run(harness["script"])
    if recorded is not None and not harness.get("args"):
        return recorded
    path = os.path.join(box, harness["script"])
    real_stdout, real_argv = sys.stdout, sys.argv
    tee = _Tee(real_stdout, int(harness.get("max_chars", 1 << 20)))
    problem: dict[str, Any] = {}
    sys.stdout = tee
    sys.argv = [path, *harness.get("args", [])]
    try:
        runpy.run_path(path, run_name="__main__")
    except SystemExit as exc:
        if exc.code not in (None, 0):
            problem = describe(exc, box)
    except BaseException as exc:  # noqa: BLE001 - the student's exception is data here
        problem = describe(exc, box)
    finally:
        sys.stdout, sys.argv = real_stdout, real_argv
        _flush(real_stdout)
    return _record(tee, problem)


def _flush(stream: Any) -> None:
    try:
        stream.flush()
    except (OSError, ValueError):
        pass


def _error_text(exc: BaseException, box: str, budget_s: float | None) -> str:
    if isinstance(exc, SystemExit):
        return f"SystemExit: the code called sys.exit({exc.code!r})"
    if isinstance(exc, ScriptBudget):
        return f"Timeout: the script was still running after its {budget_s or 0:g} s budget (sandbox.script_timeout_s)"
    if isinstance(exc, SyntaxError) and _in_box(exc, box):   # its text names the box's file; its frame, the student's
        return f"{type(exc).__name__}: {exc.msg}"
    try:
        return f"{type(exc).__name__}: {exc}"
    except Exception:  # noqa: BLE001 - a hostile __str__
        return type(exc).__name__


def _in_box(exc: BaseException, box: str) -> bool:
    """A syntax (or indentation) error in one of the submission's files."""
    return isinstance(exc, SyntaxError) and isinstance(exc.filename, str) and exc.filename.startswith(box)


def describe(exc: BaseException, box: str, budget_s: float | None = None) -> dict[str, Any]:
    """Exception type, message and the student's own frames of the traceback, each named by the
    student's file (and notebook cell) and line."""
    error = _error_text(exc, box, budget_s)
    every = traceback.extract_tb(exc.__traceback__)
    frames = [(f.filename, f.lineno or 0, f.name, f.line) for f in every if f.filename.startswith(box)]
    if isinstance(exc, SyntaxError) and _in_box(exc, box):
        frames.append((str(exc.filename), exc.lineno or 0, "<module>", exc.text))
    lines = [f'  {place(os.path.relpath(name, box), line)}, in {func}\n    {(text or "").strip()}'
             for name, line, func, text in frames[-8:]]
    origin = None
    if every and not every[-1].filename.startswith(box) and not isinstance(exc, SyntaxError):
        last = every[-1]   # raised in a library: say where (d2l's asserts)
        where = "/".join(last.filename.replace(os.sep, "/").split("/")[-2:])
        origin = f"{last.name} in {where}, line {last.lineno}: {(last.line or '').strip()}"
    out_of_memory = isinstance(exc, MemoryError) or (
        isinstance(exc, RuntimeError) and any(s in error for s in ("can't allocate memory", "not enough memory")))
    return {"error": error[:2000], "traceback": "\n".join(lines)[:4000], "memory": out_of_memory,
            "origin": origin and origin[:300]}
