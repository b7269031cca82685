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
from grader.results import result_flags

ICON = {"passed": "✅", "failed": "❌", "partial": "🟡", "error": "💥", "timeout": "⏱️", "memory": "🧠", "skipped": "⏭️",
        "pending": "⏳"}
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+!|~])")


def md(text: Any, limit: int = 300) -> str:
    """Text that shows as itself inside a Markdown table cell."""
    out = plain(text, limit).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    out = _MD_SPECIAL.sub(r"\\\1", out)
    return re.sub(r"\s*\n\s*", " ", out).strip()


def _result_section(result: dict[str, Any], *, heading: str = "###") -> list[str]:
    checks = result.get("checks", [])
    passed = sum(1 for c in checks if c.get("status") == "passed")
    lines = [f"{heading} {md(result.get('assignment', ''))}: {md(result.get('submission', ''))} — "
             f"{score_text(result.get('score', 0))} / {score_text(result.get('max_score', 0))}", "",
             f"{passed} of {len(checks)} checks passed."
             + ("" if not result_flags(result) else " Problems: " + ", ".join(result_flags(result)) + "."), ""]
    if isinstance(result.get("late"), dict) and result["late"].get("days_late"):
        lines += [md(late.describe(result["late"], float(result.get("max_score") or 0)), 300), ""]
    if result.get("status") == "error":
        lines += [f"**Could not be graded:** {md(result.get('message', ''), 500)}", ""]
    if checks:
        lines += ["| | check | points | message |", "|---|---|---:|---|"]
        for check in checks:
            hidden = " _(hidden)_" if check.get("visibility") != "public" else ""
            lines.append(f"| {ICON.get(str(check.get('status')), '')} | {md(check_name(check), 120)}{hidden} | "
                         f"{score_text(check.get('score', 0))} / {score_text(check.get('max_score', 0))} | "
                         f"{md(check.get('message', ''))} |")
        lines.append("")
    return lines


def summary_markdown(results: Sequence[dict[str, Any]], *, title: str = "") -> str:
    """One section per result for a few submissions; a table of submissions for a batch."""
    lines: list[str] = []
    if title:
        lines += [f"## {md(title)}", ""]
    if len(results) <= 3:
        for result in results:
            lines += _result_section(result)
    else:
        scores = [float(r.get("score", 0)) for r in results]
        lines += [f"{len(results)} submissions, mean {sum(scores) / len(scores):.2f} / "
                  f"{score_text(max(float(r.get('max_score', 0)) for r in results))}.", "",
                  "| submission | score | passed | flags |", "|---|---:|---:|---|"]
        for result in sorted(results, key=lambda r: str(r.get("submission", ""))):
            checks = result.get("checks", [])
            passed = sum(1 for c in checks if c.get("status") == "passed")
            lines.append(f"| {md(result.get('submission', ''), 120)} | {score_text(result.get('score', 0))} / "
                         f"{score_text(result.get('max_score', 0))} | {passed} / {len(checks)} | "
                         f"{', '.join(result_flags(result))} |")
        lines.append("")
    return "\n".join(lines) + "\n"


def append_step_summary(results: Sequence[dict[str, Any]], *, title: str = "",
                        environ: dict[str, str] | None = None) -> Path | None:
    """Append the summary to ``$GITHUB_STEP_SUMMARY`` when it is set; returns the file written."""
    target = (environ if environ is not None else os.environ).get("GITHUB_STEP_SUMMARY")
    if not target:
        return None
    path = Path(target)
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(summary_markdown(results, title=title))
    return path
