"""Who may use the service: the roster, instructors, and their API tokens.

The roster is ``COURSE_DIR/roster.csv`` with the columns ``student_id,name,email``
(others ignored); it is read on start and again whenever its modification time
changes, so adding a student is adding a line. A student dropped from the roster keeps
their submissions but can no longer sign in.

A token is ``<key>.<secret>``: the key (16 hex digits) finds its row, and the secret
(32 random bytes) is checked against its argon2 hash, so the database never holds a
usable token. ``grader token`` issues a new token each time; earlier ones keep working.
"""

from __future__ import annotations

import csv
import io
import secrets
from dataclasses import dataclass
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from grader.errors import GraderError
from grader.serve.db import Person, Token

ROSTER_COLUMNS = ("student_id", "name", "email")
_HASHER = PasswordHasher()


@dataclass(frozen=True)
class Identity:
    """The person a request was made by."""

    id: str
    name: str
    instructor: bool


def read_roster(path: Path) -> list[tuple[str, str, str]]:
    """The roster's (student_id, name, email) rows; a file without the columns is a :class:`GraderError`."""
    text = path.read_text(encoding="utf-8-sig")
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in ROSTER_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise GraderError(f"{path}: the roster needs the columns {', '.join(ROSTER_COLUMNS)} "
                          f"(missing: {', '.join(missing)}); one row per student")
    rows = []
    for line, row in enumerate(reader, start=2):
        student = (row.get("student_id") or "").strip()
        if not student:
            raise GraderError(f"{path}:{line}: student_id is empty")
        rows.append((student, (row.get("name") or "").strip(), (row.get("email") or "").strip()))
    return rows


def sync_roster(engine: Engine, rows: list[tuple[str, str, str]]) -> None:
    """Make the people table match the roster: new students added, details updated, dropped ones inactive."""
    listed = {student for student, _, _ in rows}
    with Session(engine) as session, session.begin():
        people = {p.id: p for p in session.scalars(select(Person))}
        for student, name, email in rows:
            person = people.get(student)
            if person is None:
                session.add(Person(id=student, name=name, email=email, instructor=False, active=True))
            elif not person.instructor:
                person.name, person.email, person.active = name, email, True
        for person in people.values():
            if not person.instructor and person.id not in listed:
                person.active = False


class Roster:
    """The roster file, re-read into the database when it changes."""

    def __init__(self, path: Path, engine: Engine) -> None:
        self.path, self.engine = path, engine
        self._stamp: tuple[int, int] | None = None

    def refresh(self) -> None:
        try:
            info = self.path.stat()
        except FileNotFoundError:
            return
        stamp = (info.st_mtime_ns, info.st_size)
        if stamp != self._stamp:
            sync_roster(self.engine, read_roster(self.path))
            self._stamp = stamp


def issue_token(engine: Engine, person_id: str, *, instructor: bool = False, name: str = "") -> str:
    """A new token for ``person_id`` (an instructor account is made if ``instructor`` and absent)."""
    with Session(engine) as session, session.begin():
        person = session.get(Person, person_id)
        if person is None:
            if not instructor:
                raise GraderError(f"{person_id!r} is not on the roster; add a line for them to roster.csv "
                                  f"(or give --instructor for an instructor's token)")
            person = Person(id=person_id, name=name or person_id, email="", instructor=True, active=True)
            session.add(person)
        elif instructor and not person.instructor:
            person.instructor = True
        key, secret = secrets.token_hex(8), secrets.token_urlsafe(32)
        session.add(Token(key=key, person_id=person_id, secret_hash=_HASHER.hash(secret)))
    return f"{key}.{secret}"


def identify(engine: Engine, token: str) -> Identity | None:
    """Who a token belongs to, or None for a malformed, unknown or revoked one, or an inactive person."""
    key, _, secret = token.strip().partition(".")
    if len(key) != 16 or not secret or len(secret) > 200:
        return None
    with Session(engine) as session:
        row = session.get(Token, key)
        if row is None or row.revoked:
            _HASHER.hash(secret)   # the same work as a real check: no timing signal for unknown keys
            return None
        try:
            _HASHER.verify(row.secret_hash, secret)
        except (VerificationError, InvalidHashError):
            return None
        person = session.get(Person, row.person_id)
        if person is None or not person.active:
            return None
        return Identity(person.id, person.name, person.instructor)


def session_identity(engine: Engine, person_id: str, key: str) -> Identity | None:
    """Who a signed session cookie stands for, while the token it was opened with is still valid."""
    with Session(engine) as session:
        row = session.get(Token, key)
        person = session.get(Person, person_id)
        if row is None or row.revoked or row.person_id != person_id or person is None or not person.active:
            return None
        return Identity(person.id, person.name, person.instructor)
