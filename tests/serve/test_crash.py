"""A ``kill -9`` of the server with uploads queued and one being graded: after a restart every
upload is graded exactly once (one result each, no upload lost, none graded twice over)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from grader.serve import db, people

from .conftest import database_url, free_port, make_course

SLOW = b"import time\ntime.sleep(2)\n" + (Path(__file__).resolve().parents[2] / "submissions/bp-manual/correct/bp.py").read_bytes()


def start(course: Path, port: int, url: str | None) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "grader", "serve", str(course), "--port", str(port), "--insecure"]
    if url:
        command += ["--db", url]
    process = subprocess.Popen(command, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=2).status_code == 200:
                return process
        except httpx.HTTPError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"grader serve did not start: {process.stderr.read().decode() if process.stderr else ''}")


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_kill_9_mid_grade_then_restart_grades_everything_once(backend: str, tmp_path: Path) -> None:
    course = make_course(tmp_path / "course")
    url = database_url(backend)
    address = db.database_url(course, url)
    (course / ".grader").mkdir()
    db.migrate(address)
    database = db.connect(address)
    people.sync_roster(database, people.read_roster(course / "roster.csv"))
    token = people.issue_token(database, "s001")
    port = free_port()
    server = start(course, port, url)
    client = httpx.Client(base_url=f"http://127.0.0.1:{port}", headers={"Authorization": f"Bearer {token}"}, timeout=60)
    ids = [client.post("/api/assignments/bp-manual/submissions", files={"file": (f"bp{i}.py", SLOW + f"#{i}\n".encode())})
           .json()["id"] for i in range(4)]
    deadline = time.monotonic() + 120
    while client.get(f"/api/submissions/{ids[0]}").json()["status"] == "queued" and time.monotonic() < deadline:
        time.sleep(0.1)
    os.killpg(server.pid, signal.SIGKILL)      # the server and every process it started
    server.wait()
    states = {row["id"]: row["status"] for row in _rows(address)}
    assert "running" in states.values() or "queued" in states.values()
    server = start(course, port, url)
    try:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            states = {row["id"]: row["status"] for row in _rows(address)}
            if all(s in ("graded", "error") for s in states.values()):
                break
            time.sleep(0.3)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=60)
    assert states == dict.fromkeys(ids, "graded")
    results = course / ".grader" / "results" / "bp-manual"
    assert sorted(p.name for p in results.iterdir() if p.is_dir()) == sorted(ids)
    for sub_id in ids:
        result = json.loads((results / sub_id / "result.json").read_text())
        assert result["submission"] == sub_id and result["score"] == 10.0
    database.dispose()


def _rows(url: str) -> list[dict[str, str]]:
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    engine = db.connect(url)
    try:
        with Session(engine) as session:
            return [{"id": r.id, "status": r.status} for r in session.scalars(select(db.Submission))]
    finally:
        engine.dispose()
