"""The policies a batch applies to every result, graded now or reused: an instructor's overrides,
then the late penalty. Both are pure functions over a :class:`~grader.results.Result`
(:mod:`grader.overrides`, :mod:`grader.late`); this module only composes them for a batch and
works out each submission's hand-in time."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

from grader import late
from grader import overrides as overrides_mod
from grader.assignment import Assignment
from grader.errors import GraderError
from grader.results import Result

Warn = Callable[[str], None]


@dataclasses.dataclass(frozen=True)
class Policies:
    """The policies applied to every result of a batch, graded now or reused: pure functions over it."""

    assignment: Assignment
    overrides: overrides_mod.Overrides | None
    stamp_of: Callable[[str, Path], late.Stamp | None]

    def apply(self, result: Result, path: Path | None) -> Result:
        """``result`` with the instructor's overrides merged, then the late penalty (none without a path)."""
        stamp = self.stamp_of(result.submission, path) if path is not None else None
        return late.apply(overrides_mod.apply(result, self.overrides), self.assignment.spec.late, stamp)


def late_stamps(assignment: Assignment, ids: list[tuple[str, Path]], manifest: Path | None,
                 warn: Warn) -> Callable[[str, Path], late.Stamp | None]:
    """A function giving each submission's hand-in time (always None without a late policy)."""
    policy = assignment.spec.late
    if policy is None:
        if manifest is not None:
            raise GraderError(f"submission times were given ({manifest}) but {assignment.name}'s assignment.yaml has "
                              "no late: section; add one with due and per_day (see docs/spec.md) to apply late penalties")
        return lambda sub_id, path: None
    stamps = late.read_manifest(Path(manifest)) if manifest is not None else {}
    missing = [sub_id for sub_id, _ in ids if sub_id not in stamps] if manifest is not None else []
    if missing:
        shown = ", ".join(missing[:5]) + (f" and {len(missing) - 5} more" if len(missing) > 5 else "")
        warn(f"{len(missing)} submission(s) not in {manifest} ({shown}): the newest modification time of "
             "their files is used as their submission time")
    note = f"Not listed in {Path(manifest).name}" if manifest is not None else ""

    def stamp_of(sub_id: str, path: Path) -> late.Stamp | None:
        if sub_id in stamps:
            return stamps[sub_id]
        try:
            return late.mtime_stamp(path, assignment.spec.files, note)
        except OSError:            # gone since it was listed: its result already says it could not be read
            return None
    return stamp_of
