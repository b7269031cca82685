"""The service's command line: ``grader token`` and ``grader submit`` against a real server."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from grader.cli import main

from .conftest import REPO, Server, make_course


def test_token_is_issued_for_roster_students_and_instructors_only(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    course = make_course(tmp_path / "course")
    assert main(["token", str(course), "s001"]) == 0
    first = capsys.readouterr().out.strip()
    assert re.fullmatch(r"[0-9a-f]{16}\.[A-Za-z0-9_-]{43}", first)
    assert main(["token", str(course), "s001"]) == 0
    assert capsys.readouterr().out.strip() != first              # a new token each time
    assert main(["token", str(course), "nobody"]) == 3
    assert "not on the roster" in capsys.readouterr().err
    assert main(["token", str(course), "prof", "--instructor"]) == 0
    assert (course / ".grader" / "grader.db").is_file()


@pytest.mark.parametrize("server", ["sqlite"], indirect=True)
def test_submit_uploads_waits_and_prints_the_public_result(server: Server, tmp_path: Path) -> None:
    env = {**os.environ, "GRADER_TOKEN": server.tokens["s001"], "PYTHONPATH": str(REPO)}
    work = REPO / "submissions" / "bp-manual" / "update-sign-error"
    run = subprocess.run([sys.executable, "-m", "grader", "submit", "bp-manual", str(work), "--server", server.url],
                         capture_output=True, text=True, env=env, timeout=300)
    assert run.returncode == 0, run.stderr
    assert "uploaded update-sign-error.zip: queued" in run.stderr
    assert "3.5 / 4" in run.stdout and "6 hidden points not released yet" in run.stdout
    anonymous = subprocess.run([sys.executable, "-m", "grader", "submit", "bp-manual", str(work), "--server", server.url],
                               capture_output=True, text=True, env={**env, "GRADER_TOKEN": "", "HOME": str(tmp_path)},
                               timeout=300)
    assert anonymous.returncode == 2 and "no token" in anonymous.stderr
