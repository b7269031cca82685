"""The service's grading loop: claim a queued upload, grade it on a warm engine, record it.

Each grading thread keeps, per assignment, one engine host (:mod:`grader.hosts`: a warm engine
in a process of its own, as ``grade --jobs N`` uses) for the life of the service, so an upload
costs its own run, not a worker's start, and judging never queues on the web process's GIL.
A host that dies is started again and the upload given to it once more. A result is written
under ``.grader/results/<assignment>/<submission id>/`` (``result.json``, ``report.html``,
``instructor.json``, as ``grader grade`` writes them) *before* its row is marked graded:
a server killed in between grades it again on restart and writes the same files, so
every upload ends with exactly one result. An upload whose bytes, assignment spec and
grader version match one already graded reuses that result (renamed): a resubmission
of the same file is free.

The late policy uses the server's clock: the time the upload was stored.
"""

from __future__ import annotations

import logging
import shutil
import threading
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.engine import Engine as Database
from sqlalchemy.orm import Session

from grader import api, late
from grader import overrides as overrides_mod
from grader.batch import BatchItem, EngineOptions
from grader.hosts import Host, HostDied
from grader.redaction import Graded
from grader.results import Result, load_result
from grader.serve import store
from grader.serve.course import Course
from grader.serve.db import Submission, aware, claim, now

log = logging.getLogger("grader.serve")


class Grader:
    """Grades queued uploads one at a time on warm engines (one per assignment)."""

    def __init__(self, course: Course, database: Database, options: EngineOptions, name: str,
                 on_graded: Callable[[str], None] | None = None) -> None:
        self.course, self.database, self.options, self.name = course, database, options, name
        self.on_graded = on_graded or (lambda assignment: None)
        self._hosts: dict[str, Host] = {}
        self.wake = threading.Event()

    def run(self, stop: threading.Event) -> None:
        """Grade until ``stop`` is set; an idle loop waits for :attr:`wake` (set on each upload) or a second."""
        while not stop.is_set():
            row = claim(self.database, self.name)
            if row is None:
                self.wake.wait(1.0)
                self.wake.clear()
                continue
            try:
                self.grade(row)
            except Exception as exc:
                log.exception("grading %s failed", row.id)
                self._finish(row.id, None, f"{type(exc).__name__}: {exc}")

    def close(self) -> None:
        for host in self._hosts.values():
            host.close()
        self._hosts.clear()

    def grade(self, row: Submission) -> None:
        assignment = self.course.assignment(row.assignment)
        out = self.course.results_dir(row.assignment)
        key = api.cache_key(assignment, self.options)
        result = self._reused(row, key, out) if row.attempts == 1 else None   # a regrade or a retry grades
        if result is None:
            path = store.path_of(self.course.uploads, row.sha256, store.suffix_of(row.filename) or ".py")
            graded = self._graded(row.assignment, BatchItem(row.id, path))
            result = graded.result.model_copy(update={"cache_key": key})
            result = self.policies(result, row)
            api.write_submission(result, out, graded.instructor)
        self._finish(row.id, result, None)
        self.on_graded(row.assignment)

    def policies(self, result: Result, row: Submission) -> Result:
        """The instructor's overrides for this upload, then the late penalty at the server's receipt time."""
        assignment = self.course.assignment(row.assignment)
        overrides = self.course.overrides(assignment)
        stamp = late.Stamp(aware(row.submitted_at), "server") if assignment.spec.late is not None else None
        return late.apply(overrides_mod.apply(result, overrides), assignment.spec.late, stamp)

    def _reused(self, row: Submission, key: str, out: Path) -> Result | None:
        with Session(self.database) as session:
            twin = session.scalars(select(Submission).where(
                Submission.assignment == row.assignment, Submission.sha256 == row.sha256,
                Submission.status == "graded", Submission.cache_key == key, Submission.id != row.id)).first()
            twin_id = twin.id if twin is not None else None
        if twin_id is None:
            return None
        try:
            earlier = load_result(out / twin_id / "result.json")
        except (OSError, ValueError):
            return None
        result = self.policies(earlier.model_copy(update={"submission": row.id}), row)
        instructor = out / twin_id / "instructor.json"
        api.write_submission(result, out)
        if instructor.exists():
            shutil.copyfile(instructor, out / row.id / "instructor.json")
        return result

    def _graded(self, name: str, item: BatchItem) -> Graded:
        """``item`` graded on this thread's host for ``name`` (started when first needed; again once if it died)."""
        for attempt in (1, 2):
            host = self._hosts.get(name)
            if host is None:
                assignment = self.course.assignment(name)
                host = self._hosts[name] = Host(assignment.root, assignment.spec_hash, self.options, 0).wait_ready()
            try:
                message = host.submit(item).read_message()
            except HostDied:
                self._hosts.pop(name).close(kill=True)
                if attempt == 2:
                    raise
                continue
            assert message is not None
            return Graded.from_dict(message["graded"])   # the host's boundary: plain data over a pipe
        raise AssertionError("unreachable")

    def _finish(self, submission_id: str, result: Result | None, error: str | None) -> None:
        with Session(self.database) as session, session.begin():
            row = session.get(Submission, submission_id)
            if row is None:
                return
            row.graded_at = now()
            if result is None:
                row.status, row.error = "error", (error or "")[:2000]
                return
            row.status, row.score, row.max_score, row.cache_key = "graded", result.score, result.max_score, result.cache_key
            row.error = None


def regrade(database: Database, ids: list[str]) -> int:
    """Queue these submissions again (their results are replaced when graded); how many were queued."""
    with Session(database) as session, session.begin():
        rows = list(session.scalars(select(Submission).where(Submission.id.in_(ids))))
        for row in rows:
            row.status, row.claimed_by, row.cache_key = "queued", None, None
        return len(rows)

