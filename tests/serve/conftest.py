"""A real ``grader serve`` on loopback for the service tests: uvicorn in a thread, httpx clients.

The course is a temporary folder holding a copy of the bundled bp-manual assignment and a
roster of three students. ``GRADER_TEST_DB`` (a PostgreSQL URL, as .ci/run sets it) runs the
same tests against PostgreSQL; each test then gets a fresh schema-less database state.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import uvicorn

from grader.serve import db, people
from grader.serve.app import create_app
from grader.serve.service import Config, Limits

REPO = Path(__file__).resolve().parents[2]
ROSTER = "student_id,name,email\ns001,Zhang San,zs@example.edu\ns002,Li Si,ls@example.edu\ns003,Wang Wu,ww@example.edu\n"


@dataclass
class Server:
    url: str
    course: Path
    tokens: dict[str, str]
    app: object

    def client(self, who: str | None = None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {self.tokens[who]}"} if who else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=60)


def make_course(root: Path, assignments: tuple[str, ...] = ("bp-manual",)) -> Path:
    for name in assignments:
        folder = root / "assignments" / name
        shutil.copytree(REPO / "assignments" / name, folder)
        spec = folder / "assignment.yaml"    # these tests are about the service, not the sandbox's clock:
        spec.write_text(spec.read_text().replace("timeout_s: 5 ", "timeout_s: 60 "))   # a busy machine never times out
    (root / "roster.csv").write_text(ROSTER, encoding="utf-8")
    return root


def database_url(backend: str) -> str | None:
    """None for SQLite (the course folder's own file); for PostgreSQL, $GRADER_TEST_DB with a clean schema."""
    if backend == "sqlite":
        return None
    url = os.environ.get("GRADER_TEST_DB")
    if not url:
        reason = "no PostgreSQL: set GRADER_TEST_DB=postgresql://user:pw@host/db (.ci/run starts Debian's postgresql)"
        if os.environ.get("CI"):
            pytest.fail(f"{reason}; $CI is set, so this is a failure", pytrace=False)
        pytest.skip(reason)
    from sqlalchemy import text
    engine = db.connect(url)
    with engine.begin() as connection:   # a clean schema for each server
        connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    engine.dispose()
    return url


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(params=["sqlite", "postgresql"])
def server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Server]:
    yield from run_server(make_course(tmp_path / "course"), database_url(request.param))


def run_server(course: Path, url: str | None = None, limits: Limits | None = None) -> Iterator[Server]:
    config = Config(course, url, 1, limits or Limits(max_upload_bytes=1 << 20, uploads_per_minute=1000), insecure=True)
    app = create_app(config)
    database = app.state.service.database
    tokens = {s: people.issue_token(database, s) for s in ("s001", "s002", "s003")}
    tokens["prof"] = people.issue_token(database, "prof", instructor=True)
    port = free_port()
    uv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=uv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not uv.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    try:
        yield Server(f"http://127.0.0.1:{port}", course, tokens, app)
    finally:
        uv.should_exit = True
        thread.join(timeout=120)


def wait_graded(client: httpx.Client, submission_id: str, timeout: float = 120) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        answer = client.get(f"/api/submissions/{submission_id}").json()
        if answer["status"] in ("graded", "error") or time.monotonic() > deadline:
            return answer
        time.sleep(0.2)
