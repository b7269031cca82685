"""A Markdown summary for the GitHub Actions job page (``$GITHUB_STEP_SUMMARY``).

GitHub renders the file as Markdown with some HTML allowed, so every text that
can come from a submission (messages, ids) is escaped: HTML special characters
become entities and Markdown punctuation is backslash-escaped, so a message can
neither add markup nor links or images.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from grader import late
from grader.exports import check_name, plain, score_text
from grader.results import Result

ICON = {"passed": "✅", "failed": "❌", "partial": "🟡", "error": "💥", "timeout": "⏱️", "memory": "🧠", "skipped": "⏭️",
        "pending": "⏳"}
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+!|~])")


def md(text: Any, limit: int = 300) -> str:
    """Text that shows as itself inside a Markdown table cell."""
    out = plain(text, limit).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    out = _MD_SPECIAL.sub(r"\\\1", out)
    return re.sub(r"\s*\n\s*", " ", out).strip()


def _result_section(result: Result, *, heading: str = "###") -> list[str]:
    checks = result.checks
    passed = sum(1 for c in checks if c.status == "passed")
    flags = result.flags
    lines = [f"{heading} {md(result.assignment)}: {md(result.submission)} — "
             f"{score_text(result.score)} / {score_text(result.max_score)}", "",
             f"{passed} of {len(checks)} checks passed." + ("" if not flags else " Problems: " + ", ".join(flags) + "."), ""]
    if result.late is not None and result.late.days_late:
        lines += [md(late.describe(result.late, float(result.max_score)), 300), ""]
    if result.status == "error":
        lines += [f"**Could not be graded:** {md(result.message, 500)}", ""]
    if checks:
        lines += ["| | check | points | message |", "|---|---|---:|---|"]
        for check in checks:
            hidden = " _(hidden)_" if check.visibility != "public" else ""
            lines.append(f"| {ICON.get(check.status, '')} | {md(check_name(check), 120)}{hidden} | "
                         f"{score_text(check.score)} / {score_text(check.max_score)} | {md(check.message)} |")
        lines.append("")
    return lines


def summary_markdown(results: Sequence[Result], *, title: str = "") -> str:
    """One section per result for a few submissions; a table of submissions for a batch."""
    lines: list[str] = []
    if title:
        lines += [f"## {md(title)}", ""]
    if len(results) <= 3:
        for result in results:
            lines += _result_section(result)
    else:
        scores = [float(r.score) for r in results]
        lines += [f"{len(results)} submissions, mean {sum(scores) / len(scores):.2f} / "
                  f"{score_text(max(float(r.max_score) for r in results))}.", "",
                  "| submission | score | passed | flags |", "|---|---:|---:|---|"]
        for result in sorted(results, key=lambda r: r.submission):
            passed = sum(1 for c in result.checks if c.status == "passed")
            lines.append(f"| {md(result.submission, 120)} | {score_text(result.score)} / "
                         f"{score_text(result.max_score)} | {passed} / {len(result.checks)} | "
                         f"{', '.join(result.flags)} |")
        lines.append("")
    return "\n".join(lines) + "\n"


def append_step_summary(results: Sequence[Result], *, title: str = "",
                        environ: dict[str, str] | None = None) -> Path | None:
    """Append the summary to ``$GITHUB_STEP_SUMMARY`` when it is set; returns the file written."""
    target = (environ if environ is not None else os.environ).get("GITHUB_STEP_SUMMARY")
    if not target:
        return None
    path = Path(target)
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(summary_markdown(results, title=title))
    return path
