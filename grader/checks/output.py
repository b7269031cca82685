"""``output``: run a script and match the numbers it prints against the numbers the reference prints.

    - id: prints-homework-numbers
      kind: output
      file: losses.py              # default: the first .py file of the spec's files
      args: []                     # sys.argv[1:] for the script
      labels: ["pred=", "MSE loss="]   # optional: only numbers right after these labels
      patterns: ['loss: ([-0-9.e]+)']  # optional: only numbers inside these regexes (group 1, else the match)
      rtol: 1.0e-6                 # on top of half a unit in the last digit the reference printed
      atol: 1.0e-6
      rounding: true

The sandboxed child runs ``file`` top to bottom as ``__main__`` (``runpy.run_path``:
``if __name__ == "__main__":`` blocks run, ``sys.argv`` is ``[file, *args]``), with
``sys.stdout`` teed into a buffer bounded by the sandbox's output cap; what the script
printed comes back as raw UTF-8 bytes (plain data, outside the JSON header). It runs in the same child as the assignment's other checks,
after the submission's modules were imported, so a file that prints at import time has
printed once already (that output is not what this check reads) and runs again here:
its top-level code runs twice. A script that raises (or calls ``sys.exit(1)``) keeps
what it printed before; the message says where it stopped.

The judge extracts numbers from both outputs and finds the reference's, in order, as a
subsequence of the student's: prints in between are allowed. What counts as a number:

* integers, decimals, scientific notation and signs: ``3``, ``-0.5``, ``.25``, ``1.``,
  ``2.0971e-01``, ``1E+05``, ``inf``, ``nan`` (a Unicode minus ``−`` counts as ``-``);
* the numbers inside reprs: ``tensor([0.4769, 0.5287])``, ``array([[1., 2.]])``, NumPy's
  ``[0.47 0.53]``; ``device='cuda:0'`` is ignored;
* never digits that are part of a word (``w1``, ``fc2``, ``float64``, ``Backward0``,
  ``3x3``, ``conv2d``) nor the tail of a dotted version (``1.2.3`` gives 1.2 only).

With ``labels`` only the numbers right after a label count: after the label (and any
spaces, ``:`` or ``=``), either one number, or every number of a bracketed value such as
``tensor([...])`` or ``[...]``; a label that starts or ends with a letter must stand as a
whole word; spaces around ``=`` and ``:`` in a label do not matter (``loss=`` finds
``loss = 0.5``). A label's numbers only match numbers the student printed after the same
label; where labels overlap (``loss`` inside ``MSE loss``), the first one listed wins.
With ``patterns`` (regular expressions) the numbers inside each match count (inside
group 1 when the pattern has groups).

Tolerance: a printed number is rounded, so a number the reference printed with a decimal
point or an exponent may be off by half a unit in its last printed digit (0.2097 stands
for anything in [0.20965, 0.20975]); integers (``3``, ``1000``) must match exactly. On top
of that comes ``atol + rtol·|expected|`` (the check's, else the assignment's, else
rtol 1e-5, atol 0). ``rounding: false`` drops the half unit. A student who prints fewer
digits than the reference (0.21 for 0.2097) is told to print more.

Credit is the share of expected numbers found in order (all of them: passed; some:
partial). A hidden output check's message never quotes the expected numbers.
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
from pydantic import Field, field_validator

from grader import tolerance as tol
from grader.assignment import Assignment, check_inputs
from grader.checks.advice import advice
from grader.checks.base import CheckSpec, Harness, JudgeContext, KindBase, Status, Task, Verdict
from grader.checks.display import DetailRow, plain_rows
from grader.checks.printed import Match, Number, clip, extract, match, nearest, ordinal, relation
from grader.checks.python import JUDGE_PATTERN
from grader.checks.quantities import judge_quantities
from grader.errors import SpecError
from grader.inputs import InputValue, draw_set
from grader.values import ArrayValue, ScalarValue

MAX_EXPECTED = 5000          # numbers the reference may print (narrow with labels / patterns beyond)
MAX_LISTED = 50              # numbers kept in the details


class OutputSpec(CheckSpec):
    kind: str = "output"
    file: str | None = Field(default=None, description="the script to run as __main__; default: the spec's first .py file")
    args: list[str] = Field(default_factory=list, description="sys.argv[1:] for the script")
    labels: list[str] | None = Field(default=None, description="only numbers right after one of these labels count")
    patterns: list[str] | None = Field(default=None, description="only numbers inside matches of these regexes count")
    rtol: float | None = Field(default=None, ge=0)
    atol: float | None = Field(default=None, ge=0)
    rounding: bool = Field(default=True, description="allow half a unit in the last digit the reference printed")
    quantities: str | None = Field(default=None, pattern=JUDGE_PATTERN, description=(
        "hidden/<file>.py:<function> giving the expected numbers by quantity, from the check's inputs; "
        "each quantity is then found on its own, at the student's printed precision"))
    inputs: str | dict[str, Any] | None = Field(default=None, description="the input set the quantities are computed from")
    groups: list[str] | None = Field(default=None, description="only these of the function's quantities")
    occurrences: int = Field(default=1, ge=1, le=10, description="each quantity must be printed this many times")
    by_hand: bool = Field(default=False, description=(
        "the quantities must come from a NumPy part: a file whose code all uses torch earns nothing"))
    torch_half: bool = Field(default=False, description=(
        "the quantities are the torch half's: where the code also has a NumPy part they must be printed "
        "`occurrences` times (by hand, then by autograd), else once"))

    @field_validator("file")
    @classmethod
    def _file(cls, file: str | None) -> str | None:
        if file is not None and (not file.endswith(".py") or file.startswith("/") or ".." in file.split("/")):
            raise ValueError(f"expected a .py file inside the submission, such as train.py; got {file!r}")
        return file

    @field_validator("labels")
    @classmethod
    def _labels(cls, labels: list[str] | None) -> list[str] | None:
        if labels is not None and (not labels or any(not label.strip() for label in labels)):
            raise ValueError("labels must be non-empty strings, such as 'loss='")
        return labels

    @field_validator("patterns")
    @classmethod
    def _patterns(cls, patterns: list[str] | None) -> list[str] | None:
        for pattern in patterns or []:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"{pattern!r} is not a valid regular expression ({exc})") from None
        if patterns is not None and not patterns:
            raise ValueError("patterns must list at least one regular expression")
        return patterns

    @property
    def subject(self) -> str:
        """How messages name what ran (``explain`` uses it where other kinds have ``call``)."""
        return f"running {self.file}" if self.file else "running the script"


# -------------------------------------------------------------------- check

class Output(KindBase):
    """Proves the script prints the numbers the reference prints, in order and within the printed
    precision: it runs the file as __main__ in the sandbox and finds every number of the reference's
    output in the student's output (other prints in between are allowed). It proves nothing about
    inputs the script never saw: pair it with compare checks on the functions."""

    name: ClassVar[str] = "output"
    Spec: ClassVar[type[CheckSpec]] = OutputSpec

    def draw(self, spec: OutputSpec, assignment: Assignment, seed: int) -> list[dict[str, InputValue]]:
        """One case with no inputs (the script takes none); checks the file against the spec."""
        script = self.script(spec, assignment)
        if script not in assignment.spec.files:
            raise SpecError(f"{assignment.root / 'assignment.yaml'}: check {spec.id!r}: file {script!r} is not among "
                            f"the assignment's files ({', '.join(assignment.spec.files)})")
        if spec.quantities and spec.inputs is not None:
            case = draw_set(check_inputs(assignment, spec).values, seed, 1)[0]
            return [case]
        return [{}]

    @staticmethod
    def script(spec: OutputSpec, assignment: Assignment) -> str:
        if spec.file:
            return spec.file
        py = [f for f in assignment.spec.files if f.endswith(".py")]
        if not py:
            raise SpecError(f"{assignment.root / 'assignment.yaml'}: check {spec.id!r}: the assignment has no .py file to run")
        return py[0]

    def harness(self, spec: OutputSpec, assignment: Assignment | None = None, data_dir: Path | None = None) -> Harness:
        """What the child runs instead of a call: the script, as __main__, with stdout captured."""
        cap = assignment.spec.sandbox.max_output_kb << 10 if assignment is not None else 1 << 20
        script = self.script(spec, assignment) if assignment is not None else spec.file
        return Harness(script=script, args=list(spec.args), max_chars=cap)

    def tasks(self, spec: OutputSpec, cases: int) -> list[Task]:
        return [Task(spec.id, case, "", f"{spec.id}/{case}") for case in range(cases)]

    def judge(self, spec: OutputSpec, ctx: JudgeContext) -> Verdict:
        want = run_value(ctx.expected[0].value)
        got = run_value(ctx.got[0].value)
        if spec.quantities and got is not None:
            return judge_quantities(spec, ctx, got)
        if want is None or got is None:
            return Verdict("error", 0.0, "the grader could not read what the script printed")
        if want["error"]:
            return Verdict("error", 0.0, f"the reference script failed ({want['error']}); fix the reference or the spec")
        expected = extract(want["text"], spec.labels, spec.patterns)
        if not expected:
            return Verdict("error", 0.0, "the reference's output has no numbers to look for"
                                         + (" (check the labels / patterns)" if spec.labels or spec.patterns else ""))
        if len(expected) > MAX_EXPECTED:
            return Verdict("error", 0.0, f"the reference prints {len(expected)} numbers; narrow them down with labels "
                                         f"or patterns (at most {MAX_EXPECTED})")
        printed = extract(got["text"], spec.labels, spec.patterns)
        rtol, atol = tol.resolve(*tol.check_layers(spec.rtol, spec.atol, ctx.default_rtol, ctx.default_atol),
                                 default=tol.PRINTED)
        result = match(expected, printed, rtol, atol, spec.rounding)
        public = spec.visibility == "public"
        want_lines = want["text"].splitlines()
        got_lines = got["text"].splitlines()
        message = _message(expected, printed, result, want_lines, got_lines, got, public)
        details: dict[str, Any] = {"found": f"{result.count} of {len(expected)}"}
        if public:
            details["expected_numbers"] = [n.text for n in expected[:MAX_LISTED]]
            details["printed_numbers"] = [n.text for n in printed[:MAX_LISTED]]
            details["not_found"] = [n.text for n, f in zip(expected, result.found) if f is None][:MAX_LISTED]
            details["tolerance"] = (("± half a unit in the last printed digit + " if spec.rounding else "")
                                    + f"{atol:g} + {rtol:g}·|expected|")
        if got["truncated"]:
            details["output_truncated"] = True
        if got["error"] and public and got["traceback"]:
            details["traceback"] = got["traceback"]
        fraction = result.count / len(expected)
        status: Status = "passed" if result.count == len(expected) else "partial" if result.count else "failed"
        if status != "passed" and got["error"] and got["memory"]:
            status = "memory"  # stopped by the memory limit before printing everything
        return Verdict(status, fraction, message, details)

    def detail_rows(self, details: dict[str, Any]) -> list[DetailRow]:
        """The plain details as they are: how many numbers were found, the numbers expected and printed,
        those not found, the tolerance."""
        return plain_rows(details)


def run_value(value: Any) -> dict[str, Any] | None:
    """What the child sent back for one run of a script (plain data), checked.

    The text comes as the UTF-8 bytes of a uint8 array (or, from hand-made values, strings).
    """
    if not isinstance(value, dict):
        return None
    stdout = value.get("stdout")
    if isinstance(stdout, ArrayValue) and stdout.array.dtype == np.uint8 and stdout.array.ndim == 1:
        text = stdout.array.tobytes().decode("utf-8", "replace")
    elif isinstance(stdout, (list, str)):
        text = "".join(part for part in ([stdout] if isinstance(stdout, str) else stdout) if isinstance(part, str))
    else:
        return None
    error = value.get("error") if isinstance(value.get("error"), str) else None
    traceback = value.get("traceback") if isinstance(value.get("traceback"), str) else None
    return {"text": text, "error": error, "traceback": traceback, "truncated": _flag(value.get("truncated")),
            "memory": _flag(value.get("memory"))}


def _flag(value: Any) -> bool:
    """A boolean as it comes off the wire (a ScalarValue), or as a hand-made value."""
    return value is True or (isinstance(value, ScalarValue) and value.value is True)


def _context(number: Number, lines: list[str], public: bool, index: int) -> str:
    if number.label is not None:
        return f"after {number.label!r}"
    if public and 0 <= number.line < len(lines):
        return f"the reference prints it in {clip(lines[number.line])!r}"
    return f"the {ordinal(index + 1)} number the reference prints"


def _message(expected: list[Number], printed: list[Number], result: Match, want_lines: list[str],
             got_lines: list[str], got: dict[str, Any], public: bool) -> str:
    n = len(expected)
    stopped = ""
    if got["error"]:
        stopped = f" The script stopped with {_stopped(got['error'], got['traceback']) if public else _kind_of(got['error'])}"
    if result.count == n:
        head = f"Your script printed all {n} expected number{'s' if n != 1 else ''}, in order."
        return head + (stopped + " after printing them." if stopped else "")
    missing = [i for i, f in enumerate(result.found) if f is None]
    first = missing[0]
    target = expected[first]
    where = _context(target, want_lines, public, first)
    if not printed:
        what = "nothing" if not "".join(got_lines).strip() else "no numbers" if target.label is None else \
            f"no numbers after {' or '.join(repr(lab) for lab in dict.fromkeys(e.label for e in expected))}"
        head = f"Your script printed {what}; expected {n} number{'s' if n != 1 else ''}"
        if public:
            head += f", starting with {target.text}" + (f" ({where})" if target.label is None else "")
        return head + "." + (stopped + "." if stopped else "")
    if result.count:
        head = f"Your script printed {result.count} of {n} expected numbers in order."
    else:
        head = f"Your script printed none of the {n} expected numbers." if n > 1 else "Your script did not print the expected number."
    if not public:
        after = f" ({where})" if target.label is not None else ""
        detail = f" The {ordinal(first + 1)} expected number{after} is missing or wrong."
        return head + detail + (stopped + "." if stopped else "")
    closest = nearest(first, expected, printed, result)
    detail = f" Expected the number {target.text} ({where}) but your output never printed it"
    if closest is not None:
        detail += f"; the closest was {closest.text}"
        if 0 <= closest.line < len(got_lines):
            detail += f" (in {clip(got_lines[closest.line])!r})"
        if math.isfinite(closest.value) and math.isfinite(target.value):
            rounded = (closest.decimals is not None and target.decimals is not None and closest.decimals < target.decimals
                       and abs(closest.value - target.value) <= closest.half_unit * (1 + 1e-9))
            if rounded:
                detail += f", which looks rounded: print at least {target.decimals} decimals"
            else:
                detail += f" — {relation(closest.value, target.value)}"
        else:
            detail += f" — {relation(closest.value, target.value)}"
    detail += "."
    if len(missing) > 1:
        others = ", ".join(expected[i].text for i in missing[1:6])
        detail += f" Also missing: {others}{', …' if len(missing) > 6 else ''}."
    return head + detail + (stopped + "." if stopped else "")


def _kind_of(error: str) -> str:
    """A hidden check's account of an error: its type only (the text may quote hidden values)."""
    head = error.split(":", 1)[0].strip()
    return clip(head, 80) if head.isidentifier() else "an error"


def _stopped(error: str, traceback: str | None) -> str:
    where = ""
    if traceback and traceback.strip():
        lines = traceback.strip().splitlines()
        where = f" at {lines[-2].strip()}" if len(lines) >= 2 else ""
    hint = advice(error)
    return f"{clip(error, 300)}{where}" + (f"; {hint}" if hint else "")
