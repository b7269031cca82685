"""``manual``: points an instructor awards by hand, e.g. for a written answer.

The grader runs nothing for such a check. Every result shows it as ``pending``
(0 points, the question and rubric shown) until ``grader grade --overrides FILE``
merges the instructor's score and comment into the result.
"""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from grader.checks.base import CheckSpec, JudgeContext, KindBase, Outcome, Task

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

    def judge(self, spec: ManualSpec, ctx: JudgeContext) -> Outcome:
        details: dict[str, str] = {"prompt": spec.prompt.strip()}
        if spec.rubric:
            details["rubric"] = spec.rubric.strip()
        return Outcome("pending", 0.0, PENDING_MESSAGE, details)
