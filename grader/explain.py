"""Verdicts in words: what a student reads when a check could not pass.

Each function turns what the sandbox reported (an exception, a time limit, a
crash) into one or two sentences a student can act on, without revealing what
a hidden check must not reveal.
"""

from __future__ import annotations

import re
from typing import Any

from grader.checks import CHECKS
from grader.checks.advice import GPU_ADVICE, advice
from grader.checks.base import CheckSpec, Evaluation, Status
from grader.spec import Assignment


def describe(check: CheckSpec) -> str:
    """What the check proves: the spec's description, else its kind's docstring."""
    if check.description:
        return check.description
    doc = type(CHECKS[check.kind]).__doc__ or ""
    return " ".join(doc.split())


def error_evaluation(header: dict[str, Any]) -> Evaluation:
    status: Status = "memory" if header.get("memory") else "error"
    return Evaluation(False, status=status, error=str(header.get("error", "unknown error"))[:2000],
                      traceback=str(header.get("traceback", ""))[:4000] or None, raised=True,
                      origin=str(header["origin"])[:300] if header.get("origin") else None)


def failure(reply: dict[str, Any], task: int | str, limit: float) -> Evaluation:
    """Why a task produced no result, from the supervisor's report."""
    outcome = reply.get("outcome")
    if outcome == "timeout":
        return Evaluation(False, status="timeout", error=f"did not finish within {limit:g} s (an endless loop, or waiting for input?)")
    if outcome == "output":
        return Evaluation(False, status="error", error="printed more output than allowed; remove debugging prints")
    sig = str(reply["signal"]) if reply.get("signal") else None
    if sig in ("SIGXCPU",):
        return Evaluation(False, status="timeout", error="used more CPU time than allowed", signal=sig)
    if sig == "SIGKILL":
        return Evaluation(False, status="error", error="was killed (SIGKILL): it ran out of memory, or killed itself",
                          signal=sig)
    if sig:
        names = {"SIGSEGV": "a segmentation fault", "SIGBUS": "a bus error", "SIGABRT": "an abort",
                 "SIGFPE": "a floating-point exception"}
        return Evaluation(False, status="error", error=f"crashed with {names.get(sig, sig)}", signal=sig)
    return Evaluation(False, status="error",
                      error=f"stopped before finishing (exit status {reply.get('code')}); the code may call sys.exit() or os._exit()")


def explain(failed: Evaluation, check: CheckSpec, index: int, cases: int, memory_mb: int) -> str:
    call = getattr(check, "call", None) or getattr(check, "subject", None) or check.id
    error = (failed.error or "failed").strip()
    if failed.raised and advice(error) == GPU_ADVICE:
        location = f" at {frame[0]}" if (frame := _last_frame(failed.traceback)) else ""
        where = f" (case {index + 1} of {cases})" if cases > 1 else ""
        return f"{call} raised {error.split(':', 1)[0]}{location}{where}: {GPU_ADVICE}."
    if check.visibility == "hidden" and failed.raised and failed.status != "memory" and not error.startswith("EOFError"):
        # The exception's own text may quote the hidden inputs; its type and line still guide the student.
        error = error.split(":", 1)[0] + " (its message is not shown for hidden checks)"
    where = f" (case {index + 1} of {cases})" if cases > 1 else ""
    if error.startswith("EOFError"):
        return f"{call} called input(), but graded code gets no keyboard input; take values as function arguments instead{where}."
    if failed.status == "memory":
        detail = error.split(":", 1)[1].strip() if ":" in error else ""
        return f"{call} ran out of memory (MemoryError; the limit is {memory_mb} MiB){': ' + detail if detail else ''}{where}."
    if not failed.raised:
        return f"{call} {error}{where}."
    location = f" at {frame[0]}" if (frame := _last_frame(failed.traceback)) else ""
    d2l = explain_d2l_assert(failed) if check.visibility == "public" else None
    return f"{call} raised {error}{location}{where}." + (f" {d2l}" if d2l else "")


def explain_load(failed: Evaluation, assignment: Assignment, files: str | None = None) -> str:
    """Why nothing could be graded: the import (or the run: main script) failed. ``files``: the
    student's own names for the assignment's .py files (the spec's names by default)."""
    files = files or ", ".join(f for f in assignment.spec.files if f.endswith(".py"))
    error = failed.error or "failed"
    if error.startswith("EOFError"):
        return f"{files} calls input() when imported, but graded code gets no keyboard input; remove the input() call."
    if advice(error) == GPU_ADVICE:
        location = f" ({frame[0]})" if (frame := _last_frame(failed.traceback)) else ""
        return f"{files} could not be imported: {error.split(':', 1)[0]}{location}; {GPU_ADVICE}."
    if failed.status == "timeout" and assignment.spec.run == "main":
        return (f"Running {files} {error}: it ran past its budget (sandbox.script_timeout_s, "
                f"{assignment.spec.sandbox.script_timeout_s:g} s) and did not stop when told to "
                "(a `try` around a loop that catches every exception?).")
    if failed.status == "timeout":
        return f"Importing {files} {error}; move long-running code under `if __name__ == \"__main__\":`."
    location = f" ({frame[0]})" if (frame := _last_frame(failed.traceback)) else ""
    missing = missing_module(error, files)
    if missing:
        return f"{files} could not be imported{location}: {missing}"
    d2l = explain_d2l_assert(failed)
    return f"{files} could not be imported: {error}{location}." + (f" {d2l}" if d2l else "")


_NO_MODULE = re.compile(r"^ModuleNotFoundError: No module named '(?P<name>[A-Za-z_][\w.]*)'$")


def missing_module(error: str, file: str) -> str | None:
    """One sentence for an import of a module that is neither handed in nor installed for grading
    (a helper module left out of the submission, or a package the grader lacks); None for other errors."""
    found = _NO_MODULE.match(error.strip())
    if not found:
        return None
    name = found["name"].split(".")[0]
    return (f"it imports {found['name']}, which is not in the submission and not installed for grading; "
            f"if {name} is your own module, hand in {name}.py (or the {name}/ folder) beside {file}.")


# d2l's train_ch3 (the Chinese edition, d2l 0.17) checks its own result after the last epoch.
_D2L_ASSERTS = {
    "assert train_loss < 0.5": "the final training loss, {value}, is not below 0.5",
    "assert train_acc <= 1 and train_acc > 0.7": "the final training accuracy, {value}, is not above 0.7",
    "assert test_acc <= 1 and test_acc > 0.7": "the test accuracy it measured, {value}, is not above 0.7",
}


def explain_d2l_assert(failed: Evaluation) -> str | None:
    """What a failed assert inside d2l's ``train_ch3`` means, in words; None for any other error."""
    origin = failed.origin or ""
    if not origin.startswith("train_ch3 in d2l/") or not (failed.error or "").startswith("AssertionError"):
        return None
    statement = origin.split(": ", 1)[-1].split(",")[0].strip()
    reason = _D2L_ASSERTS.get(statement)
    if reason is None:
        return None
    raw = (failed.error or "").split(":", 1)[-1].strip()
    try:
        value = f"{float(raw):.4f}"
    except ValueError:
        value = raw or "?"
    return (f"d2l's train_ch3 checks the model after the last epoch, and {reason.format(value=value)} "
            f"(its `{statement}` failed): the model trained, but not as well as the book's code does. "
            "Compare your code with the book's: weights drawn as torch.randn(...) * 0.01, biases zero, "
            "lr 0.1, 10 epochs, batch size 256.")


_FRAME = re.compile(r'File "(?P<file>[^"]+)", (?:cell (?P<cell>\d+), )?line (?P<line>\d+)')


def _last_frame(traceback: str | None) -> tuple[str, str] | None:
    """The innermost frame of a child's traceback: (its ``File "...", line N, in f`` line, its source line)."""
    lines = (traceback or "").strip().splitlines()
    return (lines[-2].strip(), lines[-1].strip()) if len(lines) >= 2 else None


def explain_partial_import(failed: Evaluation, assignment: Assignment, files: str | None = None) -> str:
    """The note for a script that raised at its top level when the checks still ran on what it defined
    (``files``: the student's own names for the assignment's .py files)."""
    files = files or ", ".join(f for f in assignment.spec.files if f.endswith(".py"))
    frame = _last_frame(failed.traceback)
    found = _FRAME.search(frame[0]) if frame else None
    if frame and found:
        cell = f"cell {found['cell']}, " if found["cell"] else ""
        where = f"{found['file']} stopped at {cell}line {found['line']} (`{frame[1][:120]}`)"
    else:
        where = f"{files} stopped"
    d2l = explain_d2l_assert(failed)
    if d2l:
        return f"{where}: {d2l} The checks ran on what it had defined and trained by then."
    missing = missing_module(failed.error or "", found["file"] if found else files)
    if missing:
        return f"{where}: {missing} The checks ran on what it had defined by then."
    hint = advice(failed.error or "") if failed.raised else None
    return f"{where} with {failed.error or 'an error'}{'; ' + hint if hint else ''}. The checks ran on what it had defined by then."


def explain_cpu_fallback(at: str, code: str | None) -> str:
    """The note for code that asked for CUDA where grading has none, and ran on the CPU instead."""
    found = _FRAME.search(at)
    where = (f"{found['file']}, {'cell ' + found['cell'] + ', ' if found['cell'] else ''}line {found['line']}"
             if found else "its code")
    shown = f" (`{code}`)" if code else ""
    return (f"Ran on the CPU: the code asks for CUDA at {where}{shown}, and grading has no GPU; "
            "it ran unchanged, with every CUDA device mapped to the CPU.")
