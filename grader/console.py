"""What the commands print: a progress bar with each finished submission above it on a terminal,
plain lines without one; coloured verdicts wrapped to the terminal's width.

Everything goes through a :class:`rich.console.Console`, which decides the rest: colour only on a
terminal and never with ``NO_COLOR`` set (``FORCE_COLOR`` and ``TERM=dumb`` as rich reads them);
in a pipe or a file the lines are plain and never wrapped, so logs and ``grep`` see one line each.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

from rich.console import Console
from rich.padding import Padding
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    SpinnerColumn,
    Task,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text

from grader.results import CheckResult, Result

MARKS = {"passed": ("PASS", "bold green"), "failed": ("FAIL", "bold red"), "partial": ("PART", "bold yellow"),
         "error": ("ERR ", "bold red"), "timeout": ("TIME", "bold red"), "memory": ("MEM ", "bold red"),
         "skipped": ("SKIP", "dim"), "pending": ("WAIT", "cyan")}
FLAG_STYLE = "red"


def terminal(stderr: bool = False) -> Console:
    """The console for stdout (or stderr): on a terminal it wraps to the width and colours unless
    ``NO_COLOR`` is set; elsewhere it writes plain lines, unwrapped."""
    stream = sys.stderr if stderr else sys.stdout
    tty = stream.isatty()
    return Console(file=stream, highlight=False, soft_wrap=not tty, emoji=False,
                   force_terminal=None if tty else False)


def points(value: float) -> str:
    """A score as people write it: at most two decimals, no trailing zeros."""
    return f"{round(value, 2):g}"


# ------------------------------------------------------------------ grade and demo
class _Rate(ProgressColumn):
    """Submissions per second (per minute when slower), over what was graded, not reused."""

    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        if not speed:
            return Text("", style="progress.data.speed")
        shown = f"{speed:.1f}/s" if speed >= 1 else f"{speed * 60:.1f}/min"
        return Text(shown, style="progress.data.speed")


@dataclass
class Tally:
    """What a batch came to: graded now, reused from an earlier run, could not be graded, timed out."""

    graded: int = 0
    reused: int = 0
    ungraded: int = 0
    timeouts: int = 0
    score: float = 0.0
    pending: int = 0
    ids: list[str] = field(default_factory=list)
    late_by_source: dict[str, int] = field(default_factory=dict)   # late submissions by where their time came from

    def add(self, result: Result, reused: bool) -> None:
        self.ids.append(result.submission)
        self.reused += reused
        self.graded += not reused
        self.ungraded += result.status == "error"
        self.timeouts += "timeout" in result.flags
        self.score += result.score
        self.pending += sum(1 for c in result.checks if c.status == "pending")
        if result.late is not None and result.late.days_late:
            self.late_by_source[result.late.source] = self.late_by_source.get(result.late.source, 0) + 1

    @property
    def count(self) -> int:
        return len(self.ids)

    def line(self) -> str:
        return (f"{self.graded} graded, {self.reused} reused, {self.ungraded} could not be graded, "
                f"{self.timeouts} with a timeout")


def result_line(result: Result, reused: bool, width: int = 28) -> Text:
    """``name  score / max  flags  (reused)``: one finished submission, in columns ``width`` wide
    (``name: score / max …`` with ``width=0``)."""
    if width:
        text = Text(f"{result.submission:{width}} {points(result.score):>6} / {points(result.max_score)}")
    else:
        text = Text(f"{result.submission}: {points(result.score)} / {points(result.max_score)}")
    if result.pending_points:
        text.append(f"  +{points(result.pending_points)} awaiting instructor", style="cyan")
    if result.flags:
        text.append("  " + " ".join(result.flags), style=FLAG_STYLE)
    if result.late is not None and result.late.days_late:
        text.append(f"  {result.late.days_late} d late, −{round(result.late.penalty * 100, 4):g}%", style="yellow")
    if reused:
        text.append("  (reused: unchanged since the last run)", style="dim")
    if result.status == "error" and result.message:
        text.append(f"  {result.message}", style="dim")
    return text


class BatchProgress:
    """Each finished submission printed as it comes; on a terminal above a bar with rate and ETA.

    Reused results are printed and counted at once but kept off the bar, whose rate and ETA
    cover only what is graded now. Without a terminal each line starts ``[done/total]`` and
    ends with the rate and ETA, and there is no bar. ``quiet`` (the demo, which prints a table
    after): the bar alone on a terminal, one line per batch without one."""

    def __init__(self, console: Console, total: int, label: str, quiet: bool = False) -> None:
        self.console, self.total, self.label, self.quiet = console, total, label, quiet
        self.tally = Tally()
        self.started = time.monotonic()
        self._progress: Progress | None = None
        self._task: Any = None
        self._graded_at = time.monotonic()

    def __enter__(self) -> BatchProgress:
        if self.console.is_terminal:
            self._progress = Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
                                      MofNCompleteColumn(), _Rate(), TextColumn("ETA"), TimeRemainingColumn(),
                                      TimeElapsedColumn(), console=self.console, transient=True)
            self._progress.start()
            self._task = self._progress.add_task(f"{self.label}: starting workers", total=self.total)
        elif self.quiet:
            self.console.print(f"{self.label}: grading {self.total} submission(s)")
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        if self._progress is not None:
            self._progress.stop()

    def grading(self, to_grade: int) -> None:
        """The reused results are in; ``to_grade`` submissions are graded now."""
        self._graded_at = time.monotonic()
        if self._progress is not None:
            self._progress.update(self._task, total=to_grade, completed=0,
                                  description=f"{self.label}: grading" if to_grade else f"{self.label}: done")

    def add(self, result: Result, reused: bool) -> None:
        self.tally.add(result, reused)
        line = result_line(result, reused, width=28 if self._progress is not None else 0)
        if self._progress is not None:
            if not self.quiet:
                self._progress.console.print(line)
            if not reused:
                self._progress.advance(self._task)
            return
        if self.quiet:
            return
        done = self.tally.count
        prefix = f"[{done}/{self.total}] "
        if reused:
            self.console.print(prefix + line.plain)
            return
        elapsed = max(time.monotonic() - self._graded_at, 1e-9)
        rate = self.tally.graded / elapsed
        eta = (self.total - done) / rate if rate else 0.0
        self.console.print(f"{prefix}{line.plain}  {rate:.1f}/s, ETA {eta:.0f} s")


# ------------------------------------------------------------------ check
def _wrapped(console: Console, text: str | Text, indent: int = 6, style: str = "") -> None:
    body = text if isinstance(text, Text) else Text(text, style=style)
    if console.is_terminal:   # wrapped to the width, each wrapped line indented too
        console.print(Padding(body, (0, 0, 0, indent), expand=False))
    else:                     # a pipe: one line, never cut
        console.print(Text(" " * indent) + body)


def check_line(check: CheckResult, width: int) -> Text:
    """``PASS  Title ........ 1 / 1``: the mark coloured, the title, the points at the right."""
    mark, style = MARKS.get(check.status, (check.status.upper()[:4], "bold"))
    score = f"{points(check.score)} / {points(check.max_score)}"
    title = check.title or check.id
    room = max(width - len(score) - 8, 20)
    if len(title) > room:
        title = title[: room - 1] + "…"
    line = Text.assemble((mark, style), "  ", title)
    line.append(" " * max(room - len(title), 1) + " " + score)
    return line


def print_check_report(console: Console, result: Result, hidden_points: float,
                       public_inputs: Any = None) -> None:
    """A self-check in words: each check's title and coloured verdict, the message of each that
    did not pass (wrapped), the inputs of a failed public case so the student can run it again
    (``public_inputs(check, case)`` gives them, or None), then the total and the hidden points."""
    if result.status == "error":
        console.print(Text.assemble(("could not grade: ", "bold red"), result.message))
    width = console.width if console.is_terminal else 100
    for check in result.checks:
        console.print(check_line(check, width))
        if check.status in ("passed", "skipped"):
            continue
        _wrapped(console, check.message)
        shown = public_inputs(check, check.details.get("case")) if public_inputs and check.visibility == "public" else None
        if shown:
            _wrapped(console, "to reproduce it, call it with:", style="dim")
            for name, value in shown:
                _wrapped(console, f"{name} = {value}", indent=8)
    for note in result.notes:
        _wrapped(console, f"note: {note}", indent=0, style="dim")
    summary = Text(f"\n{points(result.score)} / {points(result.max_score)} on public checks")
    if result.pending_points:
        summary.append(f" ({points(result.pending_points)} awaiting instructor grading)", style="cyan")
    if not result.passed:
        summary.append(" — fix the failures above and check again")
    console.print(summary)
    if hidden_points:
        console.print(f"{points(hidden_points)} more point(s) come from hidden checks, which are not run here: "
                      "they are graded when you submit, on inputs only the grader knows.")


def format_inputs(values: Iterable[tuple[str, Any]]) -> list[tuple[str, str]]:
    """Each input as Python would write it, exactly (every digit that round-trips); arrays over 24 values
    are summarised by NumPy, so a long input stays a few lines."""
    import numpy as np

    shown = []
    with np.printoptions(threshold=24, edgeitems=3, floatmode="unique", linewidth=100):
        for name, value in values:
            if isinstance(value, np.ndarray):
                text = f"np.array({np.array2string(value, separator=', ')}, dtype={value.dtype})"
            else:
                text = repr(value.item() if isinstance(value, np.generic) else value)
            shown.append((name, text.replace("\n", "\n" + " " * (len(name) + 3))))   # under the first value
    return shown
