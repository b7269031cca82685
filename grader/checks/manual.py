"""``manual``: points an instructor awards by hand, e.g. for a written answer.

The grader runs nothing for such a check. Every result shows it as ``pending``
(0 points, the question and rubric shown) until ``grader grade --overrides FILE``
merges the instructor's score and comment into the result.
"""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import Field

from grader.checks.base import CheckSpec, JudgeContext, KindBase, Task, Verdict
from grader.checks.display import MAX_TEXT_CHARS, DetailRow, clip, plain_rows

PENDING_MESSAGE = "Awaiting instructor grading."


class ManualSpec(CheckSpec):
    kind: str = "manual"
    prompt: str = Field(min_length=1, description="the question the instructor grades; shown in reports")
    rubric: str | None = Field(default=None, description="how the points are awarded; shown in reports")


class Manual(KindBase):
    """Points an instructor awards by hand after reading the student's answer to the question;
    the check proves nothing automatically and is pending until the instructor's score is merged."""

    name: ClassVar[str] = "manual"
    Spec: ClassVar[type[CheckSpec]] = ManualSpec

    def tasks(self, spec: ManualSpec, cases: int) -> list[Task]:
        return []

    def judge(self, spec: ManualSpec, ctx: JudgeContext) -> Verdict:
        details: dict[str, str] = {"prompt": spec.prompt.strip()}
        if spec.rubric:
            details["rubric"] = spec.rubric.strip()
        return Verdict("pending", 0.0, PENDING_MESSAGE, details)

    def detail_rows(self, details: dict[str, Any]) -> list[DetailRow]:
        """The question and the rubric the instructor grades by; then any other plain detail."""
        rows = [DetailRow(label, clip(details[key], MAX_TEXT_CHARS), "question")
                for key, label in (("prompt", "Question"), ("rubric", "Rubric"))
                if isinstance(details.get(key), str) and details[key].strip()]
        return rows + plain_rows(details, {"prompt", "rubric"})
