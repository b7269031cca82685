"""Hidden inputs and expected values never reach what a student sees."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import write_assignment, write_submission

from grader import report, spec
from grader.engine import Engine

SPEC = """\
name: leaks
title: Leaks
files: [work.py]
sandbox: {timeout_s: 5, preload: [numpy]}
checks:
  - id: hidden-first
    kind: compare
    visibility: hidden
    inputs: {x: {uniform: [1000, 2000], shape: [3]}}
    call: work(x)
  - id: public
    kind: compare
    inputs: {x: [1.0, 2.0, 3.0]}
    call: work(x)
"""
PRINTS = """\
import numpy as np


def work(x):
    print("INPUT", np.round(x, 3).tolist())
    if x[0] > 100:
        raise ValueError(f"INPUT {x.tolist()}")
    return 2 * x
"""


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = tmp_path_factory.mktemp("leaks")
    folder = write_assignment(root / "a", SPEC, {"work.py": "def work(x):\n    return 2 * x\n"})
    with Engine(workers=1, secret="leaks", preload=["numpy"], require=[]) as engine:
        prepared = engine.prepare(spec.load(folder))
        hidden_x = prepared.case_inputs["hidden-first"][0]["x"]
        result = engine.grade(prepared, write_submission(root / "s", {"work.py": PRINTS}))
    return result, hidden_x


def test_public_checks_run_first_and_their_output_is_shown(graded) -> None:
    result, _ = graded
    assert "INPUT [1.0, 2.0, 3.0]" in result.output["stdout"]


def test_output_of_hidden_checks_is_kept_apart_from_what_students_see(graded) -> None:
    result, hidden_x = graded
    first = f"{hidden_x[0]:.3f}".rstrip("0")[:6]
    assert first not in result.output["stdout"] + result.output.get("stderr", "")
    assert first in result.output["hidden_stdout"]
    html = report.render_result(result)
    assert first not in html


def test_exception_text_of_hidden_checks_is_not_shown(graded) -> None:
    result, hidden_x = graded
    check = next(c for c in result.checks if c.id == "hidden-first")
    assert check.status == "error"
    assert "ValueError (its message is not shown for hidden checks)" in check.message
    assert f"{hidden_x[0]:.3f}"[:6] not in check.message


SNOOPS = """\
import gc
import glob
import os
import sys

import numpy as np

FOUND = []
for obj in gc.get_objects():  # every array and dict the process inherited from the grader's worker
    try:
        if isinstance(obj, np.ndarray) and obj.size and obj.dtype.kind == "f" and float(np.max(obj)) > 100:
            FOUND.append(np.round(obj, 3).ravel().tolist())
        elif isinstance(obj, dict) and isinstance(obj.get("inputs"), str) and obj["inputs"].endswith(".npz"):
            for path in glob.glob(os.path.join(os.path.dirname(os.path.dirname(obj["inputs"])), "*", "*.npz")):
                with np.load(path) as archive:
                    FOUND += [np.round(archive[k], 3).ravel().tolist() for k in archive.files]
    except Exception as exc:
        FOUND.append(repr(exc)[:80])
for name, module in list(sys.modules.items()):
    cached = getattr(module, "_INPUTS", None)
    if isinstance(cached, dict):
        for arrays in cached.values():
            FOUND += [np.round(a, 3).ravel().tolist() for a in arrays.values()]
print("SNOOPED", FOUND)


def work(x):
    return 2 * x
"""


def test_a_public_run_holds_no_hidden_input_to_print(tmp_path: Path) -> None:
    """Student code in the public run can search its memory and the files it can read; the hidden
    inputs are in neither, so nothing it prints (shown to the student) can reveal them (a bug fixed here)."""
    folder = write_assignment(tmp_path / "a", SPEC, {"work.py": "def work(x):\n    return 2 * x\n"})
    with Engine(workers=1, secret="leaks", preload=["numpy"], require=[]) as engine:
        prepared = engine.prepare(spec.load(folder))
        hidden_x = prepared.case_inputs["hidden-first"][0]["x"]
        first = write_submission(tmp_path / "s1", {"work.py": SNOOPS})
        result = engine.grade(prepared, first)
        again = engine.grade(prepared, write_submission(tmp_path / "s2", {"work.py": SNOOPS}))  # a warm worker's cache
    for graded in (result, again):
        shown = graded.output.get("stdout", "") + graded.output.get("stderr", "")
        assert "SNOOPED" in shown
        assert f"{hidden_x[0]:.3f}".rstrip("0")[:6] not in shown


# One child runs the public checks, then (after a handshake) the hidden ones: what follows
# proves that nothing the submission does after the handshake reaches what the student sees.
TAMPERS = """\
import os
import stat
import struct
import json

SAVED = os.dup(1)   # the public stdout, duplicated before the hidden checks begin


def regular_fds():
    for fd in range(3, 64):
        try:
            if stat.S_ISREG(os.fstat(fd).st_mode):
                yield fd
        except OSError:
            pass


def work(x):
    text = f"LEAK {[round(float(v), 3) for v in x]}"
    os.write(SAVED, (text + "\\n").encode())
    header = json.dumps({"type": "load", "ok": False, "error": text}).encode()
    fake = json.dumps({"type": "result", "task": 0, "ok": False, "error": text}).encode()   # the public task
    for fd in regular_fds() if x[0] > 100 else ():   # hidden inputs only: every file the child can write
        try:
            os.write(fd, struct.pack(">I", len(header)) + header + struct.pack(">I", len(fake)) + fake)
        except OSError:
            pass
    return 2 * x
"""


def test_nothing_written_after_the_handshake_reaches_the_student(tmp_path: Path) -> None:
    """A duplicated stdout and forged result frames written while hidden checks run are cut off
    at the handshake: no hidden input in the student's output, no forged load error or verdict."""
    folder = write_assignment(tmp_path / "a", SPEC.replace("hidden-first", "zz-hidden"), {"work.py": "def work(x):\n    return 2 * x\n"})
    with Engine(workers=1, secret="leaks", preload=["numpy"], require=[]) as engine:
        prepared = engine.prepare(spec.load(folder))
        hidden_x = prepared.case_inputs["zz-hidden"][0]["x"]
        result = engine.grade(prepared, write_submission(tmp_path / "s", {"work.py": TAMPERS}))
    shown = result.output.get("stdout", "") + result.output.get("stderr", "")
    assert "LEAK [1.0, 2.0, 3.0]" in shown          # the public call's own print is kept
    assert f"{hidden_x[0]:.3f}"[:6] not in shown   # the hidden call's print through the saved descriptor is not
    assert f"{hidden_x[0]:.3f}"[:6] in result.output["hidden_stdout"]
    by_id = {c.id: c for c in result.checks}
    assert by_id["public"].status == "passed" and by_id["zz-hidden"].status == "passed"
    assert all(f"{hidden_x[0]:.3f}"[:6] not in c.message for c in result.checks)
    assert f"{hidden_x[0]:.3f}"[:6] not in report.render_result(result)


EARLY_HANDSHAKE = """\
import array
import os
import socket
import stat

STOLEN = []
for fd in range(3, 64):   # announce the handshake early, then take the hidden part for ourselves
    try:
        mode = os.fstat(fd).st_mode
    except OSError:
        continue
    if stat.S_ISFIFO(mode):
        try:
            os.write(fd, b"H\\n")
        except OSError:
            pass
for fd in range(3, 64):
    try:
        if not stat.S_ISSOCK(os.fstat(fd).st_mode):
            continue
        sock = socket.socket(fileno=fd)
        sock.settimeout(2)
        _, fds, _, _ = socket.recv_fds(sock, 16, 4)
        sock.detach()
        for got in fds:
            os.lseek(got, 0, 0)
            STOLEN.append(os.read(got, 1 << 20))
    except OSError:
        pass
import io
import numpy as np
for blob in STOLEN:
    try:
        with np.load(io.BytesIO(blob)) as archive:
            for name in archive.files:
                print("STOLEN", np.round(archive[name], 3).ravel().tolist())
    except Exception:
        print("STOLEN", blob[:300])


def work(x):
    return 2 * x
"""


def test_an_early_handshake_gets_the_student_nothing(tmp_path: Path) -> None:
    """Code that forges the handshake at import and takes the hidden descriptors can print them only
    after the public output was cut: nothing hidden is shown, and its public checks are not credited."""
    with Engine(workers=1, secret="leaks", preload=["numpy"], require=[]) as engine:
        folder = write_assignment(tmp_path / "a", SPEC.replace("timeout_s: 5", "timeout_s: 3"),
                                  {"work.py": "def work(x):\n    return 2 * x\n"})
        prepared = engine.prepare(spec.load(folder))
        hidden_x = prepared.case_inputs["hidden-first"][0]["x"]
        result = engine.grade(prepared, write_submission(tmp_path / "s", {"work.py": EARLY_HANDSHAKE}))
    shown = result.output.get("stdout", "") + result.output.get("stderr", "")
    assert f"{hidden_x[0]:.3f}"[:6] not in shown
    assert "hidden-first" not in shown
    by_id = {c.id: c for c in result.checks}
    assert by_id["public"].score == 0 and "interfered with the grader" in by_id["public"].message
    assert all(f"{hidden_x[0]:.3f}"[:6] not in c.message for c in result.checks)


HIDDEN_NAMES = """\
import gc


def search(target):   # every container the child inherited: no hidden check's id anywhere
    found = []
    for obj in gc.get_objects():
        try:
            values = list(obj.keys()) + list(obj.values()) if isinstance(obj, dict) else \\
                list(obj) if isinstance(obj, (list, tuple)) else []
            found += [type(obj).__name__ for v in values if isinstance(v, str) and target in v]
        except Exception:
            pass
    return found


print("FOUND", search("-".join(["hidden", "first"])))


def work(x):
    return 2 * x
"""


def test_the_public_phase_holds_no_hidden_check_id(tmp_path: Path) -> None:
    """Not even in what a warm worker cached from an earlier run: the worker never sees the hidden part of a job."""
    folder = write_assignment(tmp_path / "a", SPEC, {"work.py": "def work(x):\n    return 2 * x\n"})
    with Engine(workers=1, secret="leaks", preload=["numpy"], require=[]) as engine:
        prepared = engine.prepare(spec.load(folder))
        engine.grade(prepared, write_submission(tmp_path / "s0", {"work.py": "def work(x):\n    return 2 * x\n"}))
        result = engine.grade(prepared, write_submission(tmp_path / "s", {"work.py": HIDDEN_NAMES}))  # a warm worker
    line = next(x for x in result.output["stdout"].splitlines() if x.startswith("FOUND"))
    assert line == "FOUND []", line
