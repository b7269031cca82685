"""HTML reports: pure ``render`` functions over jinja2 templates with autoescape on.

Everything a submission produced (messages quoting its values, its stdout and
stderr, its id, labels in its charts) is data to these templates, so it is
always escaped: no active HTML can come from a submission. As a second line of
defence each page carries a Content-Security-Policy that blocks every script
except the one sorting script of the class summary (allowed by its hash), and
every fetch: the pages are single self-contained files that work from disk.

A page takes a typed :class:`grader.results.Result`. The report draws what every
check has (status, points, message, an instructor's override, a traceback, the
``curves`` and ``bars`` charts); how the rest of a check's ``details`` reads is
its kind's business (``detail_rows``, see :mod:`grader.checks.display`).

Hidden checks show their status, score and message, never inputs or expected
values: only :mod:`grader.redaction`'s student details reach their kind (counts,
error bands, the names of wrong weights; no chart, since even the student's own
curve was computed on hidden inputs), and their comparison, code and free-form
rows are never shown.
"""

from __future__ import annotations

import base64
import dataclasses
import functools
import hashlib
import re
import statistics
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, get_args
from urllib.parse import quote

import jinja2
from markupsafe import Markup

import grader
from grader import late as late_policy
from grader.checks import CHECKS
from grader.checks.display import MAX_TEXT_CHARS, DetailRow, Section, clip, fmt_error, fmt_value, plain_rows
from grader.redaction import InstructorRecord, student_details
from grader.report import class_view, plots
from grader.report.scrub import data_folders, quiet_stderr, scrub
from grader.results import CheckResult, Flag, LateRecord, Result, total
from grader.summary import IMPORT_FAILED, ClassSummary, ImportFailure, Row, collect, import_failure

__all__ = ["FLAG_LABELS", "MAX_OUTPUT_CHARS", "MAX_TEXT_CHARS", "MAX_TRACEBACK_CHARS", "STATUS_LABELS", "CheckView",
           "DetailRow", "LateView", "check_view", "clip", "detail_rows", "fmt_error", "fmt_value", "href", "index_chunks",
           "index_digest", "index_is_current", "late_view", "override_note", "render_index", "render_result",
           "visible_details"]

_ENV = jinja2.Environment(
    loader=jinja2.PackageLoader("grader.report", "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)

STATUS_LABELS = {
    "passed": "passed", "failed": "failed", "partial": "partly right", "error": "error",
    "timeout": "timed out", "memory": "out of memory", "skipped": "skipped",
    "pending": "awaiting instructor grading",
}
FLAG_LABELS: dict[Flag, str] = {"ungraded": "not graded", "crash": "crashed", "timeout": "timeout",
                                "memory": "memory kill", "error": "error"}

MAX_OUTPUT_CHARS = 8_000      # per stream; the head and the tail are kept
MAX_TRACEBACK_CHARS = 4_000

# Details the report draws itself, whatever the check's kind; the kind gets the others.
REPORT_DETAILS = frozenset({"traceback", "curves", "bars", "curves_label", "bars_label", "curves_lines", "curves_note"})
# Rows a hidden check never shows, whatever its kind gives: expected values, the student's code, free-form details.
PUBLIC_SECTIONS = frozenset({"compare", "violation", "extra"})

_SORT_SCRIPT = (_ENV.loader.get_source(_ENV, "sort.js")[0]).strip()  # type: ignore[union-attr]
_SORT_HASH = base64.b64encode(hashlib.sha256(_SORT_SCRIPT.encode()).digest()).decode()
_CSP_BASE = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"


# ------------------------------------------------------------------ helpers
def _fmt_score(value: float) -> str:
    """Points as people write them: 11.67, 0.5, 10 (never 11.6667)."""
    return f"{round(value, 2):g}"


def href(submission_id: str, page: str = "report.html") -> str:
    """A relative link to a submission's page; the id is percent-encoded as one path segment."""
    return "./" + quote(submission_id, safe="") + "/" + page


def _pct(score: float, max_score: float) -> float:
    return 100.0 * score / max_score if max_score else 0.0


_ENV.filters["score"] = _fmt_score
_ENV.filters["value"] = fmt_value
_ENV.filters["err"] = fmt_error
_ENV.globals["status_label"] = lambda s: STATUS_LABELS.get(s, s)
_ENV.globals["flag_label"] = lambda f: FLAG_LABELS.get(f, f)
_ENV.globals["href"] = href


# --------------------------------------------------------- one submission
@dataclass(frozen=True)
class CheckView:
    """What a page shows of one check (see :func:`check_view`); text already clipped, escaped by the page."""

    id: str
    anchor: str                       # the section's HTML id, unique on the page
    title: str
    kind: str
    visibility: str
    hidden: bool
    status: str
    score: float
    max_score: float
    message: str
    description: str
    override: str                     # what an instructor's score merged into the check did ("" without one)
    rows: dict[str, list[DetailRow]]  # the kind's rows by section (see grader.checks.display.Section)
    charts: list[plots.Chart]
    missing_chart: bool               # a chart could not be drawn; the page says so
    chart_note: str                   # what the charts show, in words ("" without one)
    not_run: bool                     # failed only because the code could not be imported (one banner says why)
    traceback: str


@dataclass(frozen=True)
class LateView:
    """What a page shows of a late record (see :func:`late_view`)."""

    text: str                         # one sentence: days late, the penalty, the score before and after
    days: int
    score: float                      # the score shown with it
    penalty_pct: float
    submitted_at: str
    due: str
    source: str                       # where the submission time came from, in words
    note: str


def visible_details(check: CheckResult) -> dict[str, Any]:
    """The details a page may use: all of a public check's; of a hidden check's, what :mod:`grader.redaction` allows."""
    return student_details(check.visibility, check.details)


def detail_rows(kind: str, details: dict[str, Any]) -> list[DetailRow]:
    """The rows the check kind ``kind`` gives for its ``details``; a kind this grader does not know
    shows its plain details as they are."""
    known = CHECKS.get(kind)
    return known.detail_rows(details) if known is not None else plain_rows(details)


def _row_sections(check: CheckResult, details: dict[str, Any], folders: list[str]) -> dict[str, list[DetailRow]]:
    """The kind's rows for ``check``, by the section of the page they go to. A hidden check shows no
    comparison, code or free-form rows, whatever its kind gives; no row shows a scratch path or a data folder."""
    hidden = check.visibility != "public"
    sections: dict[str, list[DetailRow]] = {section: [] for section in get_args(Section)}
    for row in detail_rows(check.kind, {k: v for k, v in details.items() if k not in REPORT_DETAILS}):
        if not (hidden and row.section in PUBLIC_SECTIONS):
            sections[row.section].append(dataclasses.replace(row, text=scrub(row.text, folders),
                                                             expected=scrub(row.expected, folders)))
    return sections


def _charts(details: dict[str, Any], key: str, hidden: bool) -> tuple[list[plots.Chart], bool]:
    """The check's charts (a hidden check's show the student's series only), and whether one could not be drawn."""
    curves = plots.curve_panels(details.get("curves"), student_only=hidden)
    bars = plots.bar_groups(details.get("bars"), student_only=hidden)
    drawn = []
    if curves:
        label = plots.clean_label(details.get("curves_label") or "epoch")
        drawn.append(plots.line_chart(curves, f"{key}-curves", xlabel=label, lines=plots.guide_lines(details.get("curves_lines"))))
    if bars:
        drawn.append(plots.bar_chart(bars, f"{key}-bars", ylabel=plots.clean_label(details.get("bars_label") or "")))
    charts = [chart for chart in drawn if chart is not None]
    return charts, len(charts) < len(drawn)


def override_note(check: CheckResult) -> str:
    """What a page says of an instructor's score merged into ``check`` ("" without one)."""
    if check.override is None:
        return ""
    original = check.override.original
    if original.status == "pending":
        return "Graded by the instructor."
    return (f"Graded by the instructor. The automatic check gave {_fmt_score(original.score)} / "
            f"{_fmt_score(check.max_score)} ({STATUS_LABELS[original.status]}).")


NOT_RUN = "Not run: your code could not be imported (see the top of this page)."


def check_view(check: CheckResult, index: int, not_run: bool = False, folders: list[str] | None = None,
               rubric: str = "") -> CheckView:
    """What the report shows of one check: the generic parts here, its details as its kind's rows
    (see :func:`detail_rows`), its charts and traceback; hidden checks only with allow-listed details.
    ``not_run``: the check failed only because the code could not be imported (the page says why once);
    ``folders``: data folders named in words (see :mod:`grader.report.scrub`); ``rubric``: a manual
    check's rubric, given for instructors' pages only."""
    hidden = check.visibility != "public"
    details = {} if not_run else visible_details(check)
    if rubric:
        details["rubric"] = rubric
    folders = folders if folders is not None else data_folders([check.details])
    key = f"{index}-{re.sub(r'[^A-Za-z0-9_-]', '_', check.id)[:40]}"
    charts, missing_chart = _charts(details, key, hidden)
    traceback = details.get("traceback")
    return CheckView(
        id=check.id, anchor="check-" + key, title=check.title or check.id, kind=check.kind,
        visibility=check.visibility, hidden=hidden, status=check.status, score=check.score,
        max_score=check.max_score, message=NOT_RUN if not_run else clip(scrub(check.message, folders), MAX_TEXT_CHARS),
        description=clip(check.description, MAX_TEXT_CHARS), override=override_note(check),
        rows=_row_sections(check, details, folders), charts=charts, missing_chart=missing_chart,
        chart_note=clip(details["curves_note"], 600) if charts and isinstance(details.get("curves_note"), str) else "",
        not_run=not_run,
        traceback=clip(scrub(traceback, folders), MAX_TRACEBACK_CHARS) if isinstance(traceback, str) and not hidden else "",
    )


def _footer(result: Result) -> dict[str, Any]:
    """How the result was produced: the sandbox's layers, whether it ran insecure, the wall time."""
    layers = result.sandbox.get("layers") or []     # sandbox and timing are open records in the model
    return {"layers": ", ".join(map(str, layers)) or "none", "insecure": bool(result.sandbox.get("insecure")),
            "wall_s": result.timing.get("wall_s")}


def render_result(result: Result, *, show_hidden: bool = True, show_output: bool = True,
                  instructor: InstructorRecord | None = None) -> str:
    """The report for one submission: the student's page, unless ``instructor`` is given.

    ``show_hidden=False`` leaves hidden checks out altogether (and their points
    out of the total shown, the late penalty applied to the public points alone);
    ``show_output=False`` leaves out the captured stdout/stderr, which a submission
    could fill with what it saw during hidden checks. ``instructor`` (the submission's
    ``instructor.json`` record) makes it an instructor's page: manual checks show their
    rubric. Every page names the data folder in words and shows no scratch path.
    """
    view = result if show_hidden else result.public_only()
    late = result.late
    if late is not None and not show_hidden:
        late = late.model_copy(update={"score_before_penalty": view.score})
    score = view.score if show_hidden else total(view.checks, late)
    folders = data_folders(c.details for c in result.checks)
    streams = [(name, clip(scrub(quiet_stderr(result.output[name]) if name == "stderr" else result.output[name], folders),
                           MAX_OUTPUT_CHARS)) for name in ("stdout", "stderr") if show_output and name in result.output]
    failure = import_failure(view)
    rubrics = {c.id: c.details["rubric"] for c in (instructor.checks if instructor else [])
               if isinstance(c.details.get("rubric"), str)}
    checks = [check_view(c, i, failure is not None and c.id in failure.checks, folders, rubrics.get(c.id, ""))
              for i, c in enumerate(view.checks)]
    return _ENV.get_template("result.html.j2").render(
        result=result, checks=checks, score=score, failure=_failure_view(failure, folders),
        max_score=view.max_score, pct=_pct(score, view.max_score), pending=view.pending_points,
        passed=sum(1 for c in view.checks if c.status == "passed"), streams=[(n, t) for n, t in streams if t.strip()],
        flags=result.flags, message=clip(scrub(result.message, folders), MAX_TEXT_CHARS),
        csp=_CSP_BASE + "; script-src 'none'", footer=_footer(result), late=late_view(late, score, view.max_score),
        notes=[clip(scrub(note, folders), MAX_TEXT_CHARS) for note in result.notes[:20]],
    )


def _failure_view(failure: ImportFailure | None, folders: list[str]) -> dict[str, Any] | None:
    """The banner of a submission whose code could not be imported: why, once, with its traceback."""
    if failure is None:
        return None
    return {"label": IMPORT_FAILED, "message": clip(scrub(failure.message, folders), MAX_TEXT_CHARS),
            "count": len(failure.checks), "traceback": clip(scrub(failure.traceback, folders), MAX_TRACEBACK_CHARS)}


def _when(value: str) -> str:
    """An ISO 8601 time as people read it: ``2026-12-01 23:59+01:00``."""
    try:
        return datetime.fromisoformat(value).isoformat(sep=" ", timespec="minutes")
    except ValueError:
        return clip(value, 80)


LATE_SOURCES = {"manifest": "from the submission list", "mtime": "by the files' modification time",
                "server": "by the time the grading service received it"}


def late_view(late: LateRecord | None, score: float, max_score: float) -> LateView | None:
    """What a page shows of a late record (None without one); ``score`` is the score shown with it."""
    if late is None:
        return None
    return LateView(
        text=late_policy.describe(late, max_score), days=late.days_late, score=score,
        penalty_pct=round(late.penalty * 100, 4), submitted_at=_when(late.submitted_at), due=_when(late.due),
        source=LATE_SOURCES[late.source], note=clip(late.note or "", 300),
    )


# --------------------------------------------------------------- the class
def render_index(results: Iterable[Result] | ClassSummary, assignment: str) -> str:
    """The class summary: score histogram, per-check pass rates (hardest first), and a
    sortable table of submissions with links to their reports and flags."""
    collected = results if isinstance(results, ClassSummary) else collect(results)
    return "".join(index_chunks(collected, assignment, index_digest(collected, assignment)))


def index_digest(collected: ClassSummary, assignment: str, similar: Any = None) -> str:
    """A digest of everything the class summary page shows: the same digest, the same page."""
    digest = hashlib.sha256(repr((grader.__version__, _code_digest(), assignment, collected.checks,
                                  sorted((k, sorted(v.items())) for k, v in collected.statuses.items()),
                                  similar)).encode())
    for row in collected.rows:
        digest.update(repr(row).encode())
    return digest.hexdigest()[:32]


@functools.cache
def _code_digest() -> str:
    """The report's own code and templates: a page drawn by other code is drawn again."""
    folder = Path(__file__).parent
    digest = hashlib.sha256()
    for path in sorted([*folder.glob("*.py"), *folder.glob("templates/*")]):
        digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()


def index_is_current(path: Path, digest: str) -> bool:
    """Whether the page at ``path`` was rendered from data with this digest (so rendering it again,
    and its histogram, can be skipped on a regrade that changed nothing)."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(4096)
    except OSError:
        return False
    return f'<meta name="grader-summary" content="{digest}">'.encode() in head


def index_chunks(collected: ClassSummary, assignment: str, digest: str | None = None,
                 similar: Any = None) -> Iterator[str]:
    """The class summary page (see :func:`render_index`) in the pieces jinja2 generates, each table
    row built as it is reached: written with :func:`grader.results.write_atomic_chunks`, a large
    class's page is never whole in memory. ``digest`` (see :func:`index_digest`) is recorded in it;
    ``similar`` (a :class:`grader.similar.page.Link`), when given, is linked from it."""
    rows = collected.rows
    scores = [row.score for row in rows]
    max_score = max((row.max_score for row in rows), default=0)
    flag_counts = Counter(flag for row in rows for flag in row.flags)
    figures = {
        "count": len(rows), "max_score": max_score,
        "mean": statistics.fmean(scores) if scores else 0.0,
        "median": statistics.median(scores) if scores else 0.0,
        "full": sum(1 for row in rows if row.max_score and row.score >= row.max_score),
    }
    return _ENV.get_template("index.html.j2").generate(
        assignment=assignment, rows=(_index_row(row, collected) for row in rows), with_late=collected.with_late,
        late_count=sum(1 for row in rows if row.days_late > 0), rates=class_view.check_rates(collected), summary=figures,
        chart=plots.histogram(scores, max_score) if rows else None, accuracy=class_view.accuracy_charts(collected),
        flag_counts=[(f, flag_counts[f]) for f in FLAG_LABELS if flag_counts.get(f)],
        script=Markup(_SORT_SCRIPT), csp=f"{_CSP_BASE}; script-src 'sha256-{_SORT_HASH}'", digest=digest,
        similar=similar,
    )


def _index_row(row: Row, collected: ClassSummary) -> dict[str, Any]:
    """What the submissions table shows of one submission: one status square per check, in assignment order."""
    by_id = {check_id: (status, score) for check_id, status, score in row.cells}
    return {
        "id": row.submission, "score": row.score, "max_score": row.max_score, "pct": _pct(row.score, row.max_score),
        "status": row.status, "problem": row.problem, "flags": list(row.flags), "message": clip(row.message, 300),
        "late": late_view(row.late, row.score, row.max_score),
        "cells": [(check_id, info.title, *by_id.get(check_id, ("missing", 0))) for check_id, info in collected.checks.items()],
    }
