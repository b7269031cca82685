"""The service's database: people, their tokens, submissions and the grading queue.

SQLAlchemy 2 models over SQLite (the default: ``COURSE_DIR/.grader/grader.db``, one
file, nothing to install) or PostgreSQL (``--db postgresql://…``). The schema is
created and upgraded by Alembic (:func:`migrate`) on every start, so a course folder
made by an older ``grader serve`` is brought up to date in place.

A submission row is the queue too: ``queued`` → ``running`` → ``graded`` (or
``error``). A claimer takes the oldest queued row (``FOR UPDATE SKIP LOCKED`` on
PostgreSQL, so several ``--worker-only`` processes never take the same one; SQLite
has one claimer per database); a start puts rows left ``running`` by a killed server
back to ``queued``, so every upload is graded even after a ``kill -9``.
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from sqlalchemy import Boolean, DateTime, Float, ForeignKey, Integer, String, Text, create_engine, event, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

STATUSES = ("queued", "running", "graded", "error")


def now() -> datetime:
    return datetime.now(timezone.utc)


def aware(moment: datetime) -> datetime:
    """A stored time in UTC (SQLite hands back naive datetimes; they were written in UTC)."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=timezone.utc)


class Base(DeclarativeBase):
    pass


class Person(Base):
    """A student from the roster, or an instructor (``grader token --instructor``)."""

    __tablename__ = "people"
    id: Mapped[str] = mapped_column(String(200), primary_key=True)
    name: Mapped[str] = mapped_column(String(400), default="")
    email: Mapped[str] = mapped_column(String(400), default="")
    instructor: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)     # false: no longer on the roster


class Token(Base):
    """An API token: ``<key>.<secret>``; the key finds the row, the secret is checked against its argon2 hash."""

    __tablename__ = "tokens"
    key: Mapped[str] = mapped_column(String(32), primary_key=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("people.id"), index=True)
    secret_hash: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)


class Submission(Base):
    """One upload, stored content-addressed before it was acknowledged; also its place in the queue."""

    __tablename__ = "submissions"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)          # random: never guessable
    person_id: Mapped[str] = mapped_column(ForeignKey("people.id"), index=True)
    assignment: Mapped[str] = mapped_column(String(200), index=True)
    filename: Mapped[str] = mapped_column(String(300))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(Integer)
    submitted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    status: Mapped[str] = mapped_column(String(16), default="queued", index=True)
    claimed_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    graded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    score: Mapped[float | None] = mapped_column(Float, nullable=True)
    max_score: Mapped[float | None] = mapped_column(Float, nullable=True)
    cache_key: Mapped[str | None] = mapped_column(String(64), nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)


class Release(Base):
    """An assignment whose hidden results an instructor has released to students."""

    __tablename__ = "releases"
    assignment: Mapped[str] = mapped_column(String(200), primary_key=True)
    released_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    released_by: Mapped[str] = mapped_column(String(200))


def database_url(course: Path, url: str | None) -> str:
    return url or f"sqlite:///{(course / '.grader' / 'grader.db').resolve()}"


def connect(url: str) -> Engine:
    """An engine for ``url``; SQLite gets WAL and a busy timeout so pages read while a grade is written."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _pragmas(connection: Any, _record: Any) -> None:
            cursor = connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return create_engine(url, pool_pre_ping=True)


def migrate(url: str) -> None:
    """Create or upgrade the schema to the newest Alembic revision."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(Path(__file__).with_name("migrations")))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    command.upgrade(config, "head")


def recover(engine: Engine) -> int:
    """Put submissions a killed server left ``running`` back in the queue; how many there were."""
    with Session(engine) as session, session.begin():
        result = session.execute(update(Submission).where(Submission.status == "running")
                                 .values(status="queued", claimed_by=None))
        return int(result.rowcount or 0)  # type: ignore[attr-defined]


def claim(engine: Engine, worker: str) -> Submission | None:
    """Take the oldest queued submission for ``worker``, or None when the queue is empty."""
    with Session(engine, expire_on_commit=False) as session, session.begin():
        query = select(Submission).where(Submission.status == "queued").order_by(Submission.submitted_at).limit(1)
        if engine.dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        row = session.scalars(query).first()
        if row is None:
            return None
        row.status, row.claimed_by, row.attempts = "running", worker, row.attempts + 1
        return row
