"""HTML reports: pure ``render`` functions over jinja2 templates with autoescape on.

Everything a submission produced (messages quoting its values, its stdout and
stderr, its id, labels in its charts) is data to these templates, so it is
always escaped: no active HTML can come from a submission. As a second line of
defence each page carries a Content-Security-Policy that blocks every script
except the one sorting script of the class summary (allowed by its hash), and
every fetch: the pages are single self-contained files that work from disk.

Hidden checks show their status, score and message, never inputs or expected
values: only an allow-list of their ``details`` reaches a page (counts and
error sizes, the names of wrong weights, the student's own curves).
"""

from __future__ import annotations

import base64
import functools
import hashlib
import math
import re
import statistics
from collections import Counter
from collections.abc import Iterable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jinja2
from markupsafe import Markup

import grader
from grader import datasets
from grader import late as late_policy
from grader.report import plots
from grader.results import LateRecord, Result
from grader.summary import ClassSummary, Row, collect

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
FLAG_LABELS = {"ungraded": "not graded", "crash": "crashed", "timeout": "timeout", "memory": "memory kill",
               "error": "error"}

MAX_OUTPUT_CHARS = 8_000      # per stream; the head and the tail are kept
MAX_TRACEBACK_CHARS = 4_000
MAX_TEXT_CHARS = 2_000

# Details a hidden check may show: how wrong, never what was expected or what went in.
HIDDEN_DETAILS = frozenset({"step", "case", "mismatched", "size", "max_abs_err", "max_rel_err", "wrong", "rel_err",
                            "nonfinite", "curves", "bars", "properties", "prompt", "rubric", "override", "dataset"})
_SHOWN = frozenset({"step", "path", "case", "mismatched", "size", "max_abs_err", "max_rel_err", "worst_index", "rtol",
                    "atol", "got_at_worst", "expected_at_worst", "expected_shape", "got_shape", "expected_dtype",
                    "got_dtype", "expected_type", "got_type", "expected_len", "got_len", "wrong", "rel_err",
                    "traceback", "curves", "bars", "violations", "nonfinite", "missing", "curves_label", "bars_label",
                    "properties", "prompt", "rubric", "override", "dataset"})

_ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[@-_]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

_SORT_SCRIPT = (_ENV.loader.get_source(_ENV, "sort.js")[0]).strip()  # type: ignore[union-attr]
_SORT_HASH = base64.b64encode(hashlib.sha256(_SORT_SCRIPT.encode()).digest()).decode()
_CSP_BASE = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"


# ------------------------------------------------------------------ helpers
def _fmt_score(value: float) -> str:
    return f"{value:g}"


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


def clip(text: str, limit: int) -> str:
    """``text`` without terminal escapes or control characters, its head and tail kept if too long."""
    text = _CONTROL.sub("", _ANSI.sub("", text))
    if len(text) <= limit:
        return text
    head, tail = text[: limit * 3 // 4], text[-(limit // 4):]
    return f"{head}\n[… {len(text) - len(head) - len(tail):,} characters not shown …]\n{tail}"


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
def check_view(check: dict[str, Any], index: int) -> dict[str, Any]:
    """What the report shows of one check; hidden checks only get their allow-listed details."""
    hidden = check.get("visibility") != "public"
    details = dict(check.get("details") or {})
    if hidden:
        details = {k: v for k, v in details.items() if k in HIDDEN_DETAILS}
    rows: list[tuple[str, str, str]] = []      # (what, expected, got)
    stats: list[tuple[str, str]] = []
    if not hidden:
        for key, label in (("type", "type"), ("len", "length"), ("shape", "shape"), ("dtype", "dtype")):
            if f"expected_{key}" in details or f"got_{key}" in details:
                rows.append((label, fmt_value(details.get(f"expected_{key}", "—")), fmt_value(details.get(f"got_{key}", "—"))))
        if "expected_at_worst" in details or "got_at_worst" in details:
            where = details.get("worst_index")
            at = "value" + (" at [" + ", ".join(map(str, where)) + "]" if where else "")
            rows.append((at, fmt_value(details.get("expected_at_worst", "—")), fmt_value(details.get("got_at_worst", "—"))))
        if details.get("path"):
            stats.append(("compared", str(details["path"])))
    if "mismatched" in details and "size" in details:
        stats.append(("values wrong", f"{details['mismatched']} of {details['size']}"))
    if "nonfinite" in details:
        stats.append(("NaN or inf values", str(details["nonfinite"])))
    if details.get("max_abs_err") is not None:
        stats.append(("max abs error", fmt_error(details["max_abs_err"])))
    if details.get("max_rel_err") is not None:
        stats.append(("max rel error", fmt_error(details["max_rel_err"])))
    if not hidden:
        if details.get("worst_index") is not None and details.get("step") == "values":
            stats.append(("worst index", "[" + ", ".join(map(str, details["worst_index"])) + "]"))
        if details.get("worst_index") and details.get("step") == "finite":
            stats.append(("first NaN or inf at", "[" + ", ".join(map(str, details["worst_index"])) + "]"))
        if "rtol" in details and "atol" in details:
            stats.append(("allowed", f"|got − expected| ≤ {fmt_error(details['atol'])} + {fmt_error(details['rtol'])}·|expected|"))
        if details.get("missing"):
            stats.append(("missing keys", ", ".join(map(str, details["missing"]))))
    wrong: list[tuple[str, str]] = []
    if isinstance(details.get("wrong"), list):
        rel = details.get("rel_err") if isinstance(details.get("rel_err"), dict) else {}
        ordered = sorted(details["wrong"], key=lambda n: -(rel.get(n) or 0) if isinstance(rel.get(n), (int, float)) else 0)
        wrong = [(clip(str(name), 200), fmt_error(rel[name]) if name in rel else "") for name in ordered]
    checklist = []
    if isinstance(details.get("properties"), list):   # property / experiment checks: one line per property
        for item in details["properties"][:50]:
            if isinstance(item, dict) and "passed" in item:
                checklist.append((bool(item["passed"]), clip(str(item.get("message") or item.get("property") or ""), 600)))
    violations = [clip(str(v), 500) for v in details.get("violations", [])][:50] if not hidden and isinstance(details.get("violations"), list) else []
    key = f"{index}-{re.sub(r'[^A-Za-z0-9_-]', '_', str(check.get('id', '')))[:40]}"
    charts = []
    curves = plots.curve_groups(details.get("curves"), student_only=hidden)
    bars = plots.bar_groups(details.get("bars"), student_only=hidden)
    wanted = 0
    if curves:
        wanted += 1
        charts.append(plots.line_chart(curves, f"{key}-curves", xlabel=plots.clean_label(details.get("curves_label") or "epoch")))
    if bars:
        wanted += 1
        charts.append(plots.bar_chart(bars, f"{key}-bars", ylabel=plots.clean_label(details.get("bars_label") or "")))
    charts = [c for c in charts if c is not None]
    missing_chart = len(charts) < wanted
    extra = []
    if not hidden:
        for name, value in details.items():
            if name in _SHOWN:
                continue
            if isinstance(value, (str, int, float, bool)) or (isinstance(value, list) and len(value) <= 20
                                                              and all(isinstance(v, (str, int, float, bool)) for v in value)):
                extra.append((clip(str(name), 80), fmt_value(value)))
    traceback = ""
    if not hidden and isinstance(details.get("traceback"), str):
        traceback = clip(details["traceback"], MAX_TRACEBACK_CHARS)
    manual = [(label, clip(str(details[key]), MAX_TEXT_CHARS)) for key, label in (("prompt", "Question"), ("rubric", "Rubric"))
              if isinstance(details.get(key), str) and details[key].strip()]
    override = ""
    record = check.get("override") or details.get("override")   # minimal edit (result branch): override's own field
    if isinstance(record, dict):   # an instructor's score merged from an overrides file
        original = record.get("original") or {}
        override = "Graded by the instructor."
        if original.get("status") not in (None, "pending"):
            override += (f" The automatic check gave {_fmt_score(float(original.get('score') or 0))} / "
                         f"{_fmt_score(float(check.get('max_score') or 0))} ({STATUS_LABELS.get(original['status'], original['status'])}).")
    dataset = details.get("dataset") if isinstance(details.get("dataset"), dict) else {}
    return {
        "dataset": clip(datasets.describe(dataset), MAX_TEXT_CHARS) if dataset else "",   # train: what it trained on
        "stand_in": bool(dataset.get("stand_in")),
        "id": str(check.get("id", "")), "anchor": "check-" + key, "title": str(check.get("title") or check.get("id", "")),
        "kind": str(check.get("kind", "")), "visibility": "hidden" if hidden else "public", "hidden": hidden,
        "status": str(check.get("status", "")), "score": check.get("score", 0), "max_score": check.get("max_score", 0),
        "message": clip(str(check.get("message", "")), MAX_TEXT_CHARS),
        "description": clip(str(check.get("description", "")), MAX_TEXT_CHARS),
        "rows": rows, "stats": stats, "wrong": wrong, "checklist": checklist, "violations": violations, "charts": charts,
        "missing_chart": missing_chart, "extra": extra, "traceback": traceback, "manual": manual, "override": override,
    }


def render_result(result: dict[str, Any], *, show_hidden: bool = True, show_output: bool = True) -> str:
    """The report for one submission, from its ``result.json`` data.

    ``show_hidden=False`` leaves hidden checks out altogether (and their points
    out of the total shown); ``show_output=False`` leaves out the captured
    stdout/stderr, which a submission could fill with what it saw during hidden checks.
    """
    raw = [c for c in result.get("checks", []) if show_hidden or c.get("visibility") == "public"]
    checks = [check_view(c, i) for i, c in enumerate(raw)]
    score = result.get("score", 0) if show_hidden else round(sum(c.get("score", 0) for c in raw), 4)
    max_score = result.get("max_score", 0) if show_hidden else round(sum(c.get("max_score", 0) for c in raw), 4)
    late = late_view(result.get("late"), score, max_score, recompute=not show_hidden)
    if late and not show_hidden:
        score = late["score"]
    output = result.get("output") or {}
    streams = [(name, clip(str(output.get(name) or ""), MAX_OUTPUT_CHARS)) for name in ("stdout", "stderr")] if show_output else []
    counts = Counter(c["status"] for c in checks)
    pending = round(sum(float(c.get("max_score") or 0) for c in raw if c.get("status") == "pending"), 4)
    return _ENV.get_template("result.html.j2").render(
        result=result, checks=checks, score=score, max_score=max_score, pct=_pct(score, max_score),
        passed=counts.get("passed", 0), pending=pending, streams=[(n, t) for n, t in streams if t.strip()],
        flags=Result.from_dict(result).flags, message=clip(str(result.get("message") or ""), MAX_TEXT_CHARS),
        csp=_CSP_BASE + "; script-src 'none'", sandbox=result.get("sandbox") or {}, timing=result.get("timing") or {},
        late=late, notes=[clip(str(n), MAX_TEXT_CHARS) for n in (result.get("notes") or [])[:20]],
    )


def _when(value: Any) -> str:
    """An ISO 8601 time as people read it: ``2026-12-01 23:59+01:00``."""
    try:
        return datetime.fromisoformat(str(value)).isoformat(sep=" ", timespec="minutes")
    except ValueError:
        return clip(str(value or ""), 80)


LATE_SOURCES = {"manifest": "from the submission list", "mtime": "by the files' modification time"}


def late_view(data: Any, score: float, max_score: float, *, recompute: bool = False) -> dict[str, Any] | None:
    """What a page shows of a result's ``late`` object (None without one). ``recompute``
    applies the penalty to ``score`` as given (e.g. the public checks' points alone)."""
    if isinstance(data, LateRecord):   # minimal edit (result branch): a summary row holds a LateRecord
        data = data.to_dict()
    if not isinstance(data, dict):
        return None
    if recompute:
        data = {**data, "score_before_penalty": score}
        score = late_policy.apply_penalty(score, float(data.get("penalty") or 0.0))
    return {
        "text": late_policy.describe(LateRecord.model_validate(data), max_score), "days": int(data.get("days_late") or 0), "score": score,
        "penalty_pct": round(float(data.get("penalty") or 0.0) * 100, 4),
        "submitted_at": _when(data.get("submitted_at")), "due": _when(data.get("due")),
        "source": LATE_SOURCES.get(str(data.get("source")), clip(str(data.get("source", "")), 80)),
        "note": clip(str(data.get("note") or ""), 300),
    }


# --------------------------------------------------------------- the class
def render_index(results: Iterable[dict[str, Any]] | ClassSummary, assignment: str) -> str:
    """The class summary: score histogram, per-check pass rates (hardest first), and a
    sortable table of submissions with links to their reports and flags."""
    collected = results if isinstance(results, ClassSummary) else collect(
        r if isinstance(r, Result) else Result.from_dict(r) for r in results)   # minimal edit (result branch)
    return "".join(index_chunks(collected, assignment, index_digest(collected, assignment)))


def index_digest(collected: ClassSummary, assignment: str) -> str:
    """A digest of everything the class summary page shows: the same digest, the same page."""
    digest = hashlib.sha256(repr((grader.__version__, _code_digest(), assignment, collected.checks,
                                  sorted((k, sorted(v.items())) for k, v in collected.statuses.items()))).encode())
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


def index_chunks(collected: ClassSummary, assignment: str, digest: str | None = None) -> Iterator[str]:
    """The class summary page (see :func:`render_index`) in the pieces jinja2 generates, each table
    row built as it is reached: written with :func:`grader.results.write_atomic_chunks`, a large
    class's page is never whole in memory. ``digest`` (see :func:`index_digest`) is recorded in it."""
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
        late_count=sum(1 for row in rows if row.days_late > 0), rates=_check_rates(collected), summary=figures,
        chart=plots.histogram(scores, max_score) if rows else None,
        flag_counts=[(f, flag_counts[f]) for f in FLAG_LABELS if flag_counts.get(f)],
        script=Markup(_SORT_SCRIPT), csp=f"{_CSP_BASE}; script-src 'sha256-{_SORT_HASH}'", digest=digest,
    )


def _check_rates(collected: ClassSummary) -> list[dict[str, Any]]:
    """One entry per check for the checks table: hardest first, manual checks nobody graded yet last."""
    rates = []
    for order, (check_id, info) in enumerate(collected.checks.items()):
        statuses = collected.statuses[check_id]
        total = sum(statuses.values())
        passed = statuses.get("passed", 0)
        rates.append({"id": check_id, **info._asdict(), "order": order, "passed": passed, "total": total,
                      "rate": passed / total if total else 0.0,
                      "failed": statuses.get("failed", 0) + statuses.get("partial", 0),
                      "errors": statuses.get("error", 0), "timeouts": statuses.get("timeout", 0),
                      "memory": statuses.get("memory", 0), "pending": statuses.get("pending", 0)})
    rates.sort(key=lambda r: (r["total"] > 0 and r["pending"] == r["total"], r["rate"], r["order"]))
    return rates


def _index_row(row: Row, collected: ClassSummary) -> dict[str, Any]:
    """What the submissions table shows of one submission: one status square per check, in assignment order."""
    by_id = {check_id: (status, score) for check_id, status, score in row.cells}
    return {
        "id": row.submission, "score": row.score, "max_score": row.max_score, "pct": _pct(row.score, row.max_score),
        "status": row.status, "flags": list(row.flags), "message": clip(row.message, 300),
        "late": late_view(row.late, row.score, row.max_score),
        "cells": [(check_id, info.title, *by_id.get(check_id, ("missing", 0))) for check_id, info in collected.checks.items()],
    }
