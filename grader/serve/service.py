"""The running service's state: the course, the database, the roster, the grading threads."""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from grader import api, late, submission
from grader import overrides as overrides_mod
from grader.batch import EngineOptions
from grader.errors import GraderError
from grader.results import Result, load_result
from grader.serve import db, store
from grader.serve.course import Course
from grader.serve.grading import Grader
from grader.serve.people import Identity, Roster, identify

TOKEN_CACHE_S = 300.0      # a token checked with argon2 is trusted this long (revocations take effect by then)


@dataclass
class Limits:
    max_upload_bytes: int = 8 << 20          # a request body above this is refused (413)
    uploads_per_minute: int = 10             # per person (429 above)
    max_submissions: int | None = None       # per person and assignment; None: no limit


@dataclass
class Config:
    course: Path
    db_url: str | None = None
    workers: int = 1                         # grading threads in this process (0: a web front only)
    limits: Limits = field(default_factory=Limits)
    secure_cookies: bool = False             # True behind HTTPS
    secret: str | None = None                # the course secret (hidden inputs); None: the user's default
    insecure: bool = False
    data_dir: Path | None = None


class Service:
    def __init__(self, config: Config) -> None:
        self.config = config
        self.course = Course(config.course)
        self.url = db.database_url(self.course.root, config.db_url)
        db.migrate(self.url)
        self.database = db.connect(self.url)
        self.roster = Roster(self.course.roster, self.database)
        self.roster.refresh()
        self.session_key = self._session_key()
        self.options = EngineOptions(1, config.insecure, config.secret, None, False, config.data_dir)
        self.stop = threading.Event()
        self.graders: list[Grader] = []
        self.threads: list[threading.Thread] = []
        self.changed = threading.Condition()
        self.version = 0                     # bumped on every graded result: live pages poll it
        self._tokens: dict[str, tuple[float, Identity]] = {}
        self._uploads: dict[str, deque[float]] = {}

    def _session_key(self) -> str:
        path = self.course.state / "session.key"
        if not path.exists():
            path.write_text(secrets.token_hex(32))
            path.chmod(0o600)
        return path.read_text().strip()

    # ------------------------------------------------------------ lifecycle
    def start(self) -> None:
        db.recover(self.database)
        for n in range(self.config.workers):
            grader = Grader(self.course, self.database, self.options, f"grader-{n}", self._graded)
            thread = threading.Thread(target=grader.run, args=(self.stop,), name=f"grader-{n}", daemon=True)
            self.graders.append(grader)
            self.threads.append(thread)
            thread.start()

    def close(self) -> None:
        self.stop.set()
        for grader in self.graders:
            grader.wake.set()
        for thread in self.threads:
            thread.join(timeout=60)
        for grader in self.graders:
            grader.close()
        self.database.dispose()

    def wake(self) -> None:
        for grader in self.graders:
            grader.wake.set()

    def _graded(self, assignment: str) -> None:
        with self.changed:
            self.version += 1
            self.changed.notify_all()

    # ------------------------------------------------------------ people
    def identify(self, token: str) -> Identity | None:
        digest = hashlib.sha256(token.encode()).hexdigest()
        cached = self._tokens.get(digest)
        if cached is not None and time.monotonic() - cached[0] < TOKEN_CACHE_S:
            return cached[1]
        self.roster.refresh()
        found = identify(self.database, token)
        if found is not None:
            self._tokens[digest] = (time.monotonic(), found)
        return found

    def allow_upload(self, person: str) -> float | None:
        """None when ``person`` may upload now, else the seconds to wait."""
        window = self._uploads.setdefault(person, deque())
        moment = time.monotonic()
        while window and moment - window[0] > 60:
            window.popleft()
        if len(window) >= self.config.limits.uploads_per_minute:
            return 60 - (moment - window[0])
        window.append(moment)
        return None

    # ------------------------------------------------------------ results
    def released(self, assignment: str) -> bool:
        with Session(self.database) as session:
            return session.get(db.Release, assignment) is not None

    def result(self, row: db.Submission) -> Result | None:
        if row.status != "graded":
            return None
        try:
            return load_result(self.course.results_dir(row.assignment) / row.id / "result.json")
        except (OSError, ValueError):
            return None

    def submission(self, submission_id: str, who: Identity) -> db.Submission | None:
        """The submission if ``who`` may see it (their own, or any for an instructor), else None."""
        with Session(self.database, expire_on_commit=False) as session:
            row = session.get(db.Submission, submission_id)
            if row is None or (not who.instructor and row.person_id != who.id):
                return None
            return row

    def history(self, who: Identity, assignment: str | None = None) -> list[db.Submission]:
        with Session(self.database, expire_on_commit=False) as session:
            query = select(db.Submission).order_by(db.Submission.submitted_at.desc())
            if not who.instructor:
                query = query.where(db.Submission.person_id == who.id)
            if assignment is not None:
                query = query.where(db.Submission.assignment == assignment)
            return list(session.scalars(query))

    # ------------------------------------------------------------ instructors
    def override(self, row: db.Submission, check: str, points: Any, comment: str) -> dict[str, Any]:
        """Record an instructor's points for one check (the overrides file) and merge them into the result now."""
        assignment = self.course.assignment(row.assignment)
        known = {c.id: c for c in assignment.checks}
        if check not in known:
            raise Refused(400, f"{row.assignment} has no check {check!r}")
        try:
            value = float(points)
        except (TypeError, ValueError):
            raise Refused(400, f"points must be a number from 0 to {known[check].points:g}") from None
        if not 0 <= value <= known[check].points:
            raise Refused(400, f"points must be a number from 0 to {known[check].points:g}")
        self.course.add_override(assignment, row.id, check, value, comment)
        result = self.result(row)
        if result is None:
            return {"id": row.id, "check": check, "points": value, "applied": False}
        updated = overrides_mod.apply(result, self.course.overrides(assignment))
        updated = late.apply(updated, assignment.spec.late, late.Stamp(db.aware(row.submitted_at), "server")
                             if assignment.spec.late is not None else None)
        api.write_submission(updated, self.course.results_dir(row.assignment))
        with Session(self.database) as session, session.begin():
            stored = session.get(db.Submission, row.id)
            if stored is not None:
                stored.score = updated.score
        self._graded(row.assignment)
        return {"id": row.id, "check": check, "points": value, "applied": True, "score": updated.score}

    def release(self, assignment: str, by: str) -> None:
        self.course.assignment(assignment)
        with Session(self.database) as session, session.begin():
            if session.get(db.Release, assignment) is None:
                session.add(db.Release(assignment=assignment, released_by=by))

    def class_results(self, assignment: str) -> list[Result]:
        """Each student's latest graded result for ``assignment``, under the student's id."""
        latest: dict[str, db.Submission] = {}
        for row in reversed(self.history(Identity("", "", True), assignment)):
            if row.status == "graded":
                latest[row.person_id] = row
        out = []
        for person, row in sorted(latest.items()):
            result = self.result(row)
            if result is not None:
                out.append(result.model_copy(update={"submission": person}))
        return out

    # ------------------------------------------------------------ uploads
    def accept(self, who: Identity, assignment: str, filename: str, data: bytes) -> db.Submission:
        """Store an upload and queue it; a :class:`Refused` names what is wrong with it."""
        spec = self.course.assignment(assignment)
        suffix = store.suffix_of(filename)
        if suffix is None:
            raise Refused(400, f"{filename!r} is not a .py, .ipynb or .zip file")
        limit = self.config.limits.max_submissions
        if limit is not None and not who.instructor and len(self.history(who, assignment)) >= limit:
            raise Refused(429, f"you have used all {limit} submissions for {assignment}")
        digest, path = store.put(self.course.uploads, data, suffix)
        try:
            submission.read(path, list(spec.spec.files))
        except GraderError as exc:
            raise Refused(400, f"{filename}: {exc}") from None
        row = db.Submission(id=secrets.token_hex(16), person_id=who.id, assignment=assignment,
                            filename=Path(filename).name[:300], sha256=digest, size=len(data), status="queued",
                            submitted_at=db.now())
        with Session(self.database, expire_on_commit=False) as session, session.begin():
            session.add(row)
        self.wake()
        return row


class Refused(Exception):
    """A request the service refuses, with its HTTP status and one sentence for the person."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message
