"""HTML reports: pure ``render`` functions over jinja2 templates with autoescape on.

Everything a submission produced (messages quoting its values, its stdout and
stderr, file names) is data to these templates, so it is always escaped: no
active HTML can come from a submission.
"""

from __future__ import annotations

from typing import Any

import jinja2

_ENV = jinja2.Environment(
    loader=jinja2.PackageLoader("grader.report", "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)

STATUS_LABELS = {
    "passed": "passed", "failed": "failed", "partial": "partial", "error": "error",
    "timeout": "timed out", "memory": "out of memory", "skipped": "skipped",
}


def _fmt_score(value: float) -> str:
    return f"{value:g}"


_ENV.filters["score"] = _fmt_score
_ENV.globals["status_label"] = lambda s: STATUS_LABELS.get(s, s)


def render_result(result: dict[str, Any], *, show_hidden: bool = True) -> str:
    """The report for one submission, from its ``result.json`` data."""
    checks = [c for c in result["checks"] if show_hidden or c["visibility"] == "public"]
    return _ENV.get_template("result.html.j2").render(result=result, checks=checks)


def render_index(results: list[dict[str, Any]], assignment: str) -> str:
    """The class summary: per-check pass rates and a table of submissions."""
    check_ids: list[str] = []
    titles: dict[str, str] = {}
    for result in results:
        for check in result["checks"]:
            if check["id"] not in titles:
                check_ids.append(check["id"])
                titles[check["id"]] = check.get("title") or check["id"]
    rates = []
    for check_id in check_ids:
        statuses = [c["status"] for r in results for c in r["checks"] if c["id"] == check_id]
        passed = sum(s == "passed" for s in statuses)
        rates.append({"id": check_id, "title": titles[check_id], "passed": passed, "total": len(statuses),
                      "rate": passed / len(statuses) if statuses else 0.0})
    rows = sorted(results, key=lambda r: r["submission"])
    return _ENV.get_template("index.html.j2").render(results=rows, rates=rates, assignment=assignment)
