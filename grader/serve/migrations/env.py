"""Alembic's environment for the service's database (run by :func:`grader.serve.db.migrate`)."""

from __future__ import annotations

from alembic import context

from grader.serve.db import Base, connect

config = context.config
url = config.get_main_option("sqlalchemy.url") or ""
engine = connect(url)
with engine.connect() as connection:
    context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=url.startswith("sqlite"))
    with context.begin_transaction():
        context.run_migrations()
engine.dispose()
