"""Isolation basics, proven end to end through the engine with small hostile submissions.

Each probe returns a value the reference also returns only when the attack was
stopped, so a probe that got through would pass its check; the tests assert it
does not, and that the harm did not happen.
"""

from __future__ import annotations

import os
import socket
import subprocess
from pathlib import Path

import pytest
from conftest import write_assignment, write_submission

from grader import spec
from grader.engine import Engine
from grader.sandbox.runner import available_layers, worker_env

SPEC = """\
name: probe
title: Sandbox probe
files: [probe.py]
sandbox:
  timeout_s: 3
  memory_mb: 512
  preload: [numpy]
checks:
  - id: probe
    kind: compare
    call: probe()
"""


@pytest.fixture(scope="module")
def light_engine():
    with Engine(workers=1, secret="t", preload=["numpy"]) as eng:
        yield eng


@pytest.fixture(scope="module")
def probe(tmp_path_factory, light_engine):
    folder = write_assignment(tmp_path_factory.mktemp("probe"), SPEC, {"probe.py": "def probe():\n    return 'blocked'\n"})
    return light_engine.prepare(spec.load(folder))


def run_probe(engine, prepared, tmp_path: Path, body: str):
    sub = write_submission(tmp_path / "student", {"probe.py": body})
    return engine.grade(prepared, sub).checks[0]


needs = {name: pytest.mark.skipif(not available_layers()[name], reason=f"the {name} layer is unavailable here")
         for name in ("network", "filesystem", "seccomp")}


@needs["network"]
def test_no_network_connection_to_a_local_listener(light_engine, probe, tmp_path) -> None:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    listener.setblocking(False)
    port = listener.getsockname()[1]
    check = run_probe(light_engine, probe, tmp_path, f"""
        import socket
        def probe():
            s = socket.create_connection(("127.0.0.1", {port}), timeout=1)
            return "connected"
    """)
    assert check.status == "error" and ("OSError" in check.message or "Error" in check.message)
    with pytest.raises(BlockingIOError):
        listener.accept()
    listener.close()


@needs["filesystem"]
def test_reference_and_files_outside_the_box_cannot_be_read(light_engine, probe, tmp_path) -> None:
    reference = probe.assignment.reference_dir / "probe.py"
    secret = tmp_path / "other-student.txt"
    secret.write_text("answers")
    check = run_probe(light_engine, probe, tmp_path, f"""
        def probe():
            for path in ({str(reference)!r}, {str(secret)!r}):
                try:
                    open(path).read()
                    return "read " + path
                except PermissionError:
                    pass
            return "blocked"
    """)
    assert check.status == "passed", check.message


@needs["filesystem"]
def test_files_outside_the_box_cannot_be_written(light_engine, probe, tmp_path) -> None:
    target = tmp_path / "results.json"
    target.write_text("original")
    check = run_probe(light_engine, probe, tmp_path, f"""
        def probe():
            with open({str(target)!r}, "w") as fh:
                fh.write("forged")
            return "written"
    """)
    assert check.status == "error" and "PermissionError" in check.message
    assert target.read_text() == "original"


def test_infinite_loop_times_out(light_engine, probe, tmp_path) -> None:
    check = run_probe(light_engine, probe, tmp_path, "def probe():\n    while True:\n        pass\n")
    assert check.status == "timeout" and "did not finish within 3 s" in check.message


def test_memory_limit_stops_a_memory_bomb(light_engine, probe, tmp_path) -> None:
    check = run_probe(light_engine, probe, tmp_path, "def probe():\n    block = bytearray(4 << 30)\n    return 'allocated'\n")
    assert check.status == "memory" and "MemoryError" in check.message


def test_grader_environment_never_reaches_the_sandbox(light_engine, probe, tmp_path, monkeypatch) -> None:
    assert "GRADER_SECRET" not in worker_env()
    monkeypatch.setenv("GRADER_SECRET", "s3cret-course-key")
    with Engine(workers=1, secret="t", preload=["numpy"]) as fresh:
        prepared = fresh.prepare(probe.assignment)
        check = run_probe(fresh, prepared, tmp_path, """
            import os
            def probe():
                return "blocked" if "s3cret-course-key" not in repr(dict(os.environ)) else "leaked"
        """)
    assert check.status == "passed", check.message


def test_no_process_is_left_behind(light_engine, probe, tmp_path) -> None:
    check = run_probe(light_engine, probe, tmp_path, """
        import subprocess
        def probe():
            subprocess.Popen(["sleep", "987"], start_new_session=True)
            return "blocked"
    """)
    assert check.status == "passed", check.message
    leftover = subprocess.run(["pgrep", "-f", "sleep 987"], capture_output=True, text=True).stdout.split()
    assert leftover == []


@needs["seccomp"]
def test_forbidden_syscalls_fail(light_engine, probe, tmp_path) -> None:
    check = run_probe(light_engine, probe, tmp_path, """
        import ctypes, os
        def probe():
            libc = ctypes.CDLL(None, use_errno=True)
            if libc.unshare(0x40000000) == 0 or libc.ptrace(0, 0, 0, 0) == 0:
                return "escaped"
            return "blocked"
    """)
    assert check.status == "passed", check.message


def test_stdin_is_empty(light_engine, probe, tmp_path) -> None:
    check = run_probe(light_engine, probe, tmp_path, "def probe():\n    return input('lr? ')\n")
    assert check.status == "error" and "called input()" in check.message


@pytest.mark.skipif(os.geteuid() != 0, reason="the uid drop happens only when the grader runs as root")
def test_runs_as_an_unprivileged_uid(light_engine, probe, tmp_path) -> None:
    check = run_probe(light_engine, probe, tmp_path, "import os\ndef probe():\n    return 'blocked' if os.getuid() != 0 else 'root'\n")
    assert check.status == "passed", check.message
