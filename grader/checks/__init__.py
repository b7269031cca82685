"""The check kinds, registered in one table. Add a kind: one module, one line here."""

from __future__ import annotations

from grader.checks.base import CheckKind, CheckSpec, KindBase, Task, Verdict
from grader.checks.compare import Compare
from grader.checks.experiment import Experiment
from grader.checks.gradient import Gradient
from grader.checks.manual import Manual
from grader.checks.output import Output
from grader.checks.property import Property
from grader.checks.python import Python
from grader.checks.source import Source
from grader.checks.train import Train

CHECKS: dict[str, CheckKind] = {kind.name: kind for kind in (Compare(), Gradient(), Source(), Property(), Experiment(), Train(), Manual(), Output(),
                                                        Python())}

__all__ = ["CHECKS", "CheckKind", "CheckSpec", "KindBase", "Task", "Verdict"]
