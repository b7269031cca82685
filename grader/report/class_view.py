"""The class summary's figures of each check: pass rates for the checks table, accuracy spreads."""

from __future__ import annotations

import statistics
from typing import Any

from grader.report import plots
from grader.summary import ClassSummary


def accuracy_charts(collected: ClassSummary) -> list[dict[str, Any]]:
    """Per training check, how the class's test accuracies spread (its tiers as lines); a hidden check's
    accuracy is in no result, so only public training checks are drawn."""
    values: dict[str, list[float]] = {}
    for row in collected.rows:
        for check_id, accuracy in row.accuracies:
            values.setdefault(check_id, []).append(accuracy)
    out = []
    for index, (check_id, found) in enumerate(values.items()):
        lines = [(t, "full credit" if c >= 1 else f"{c:.0%} credit") for t, c in collected.tiers.get(check_id, []) if c > 0]
        info = collected.checks.get(check_id)
        out.append({"id": check_id, "title": info.title if info else check_id, "count": len(found),
                    "median": statistics.median(found), "chart": plots.histogram(
                        found, 1.0, f"accuracy-{index}", xlabel="test accuracy", percent=True, lines=lines)})
    return out


def check_rates(collected: ClassSummary) -> list[dict[str, Any]]:
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
