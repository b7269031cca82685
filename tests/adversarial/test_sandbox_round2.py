"""The sandbox's second round of attacks (issue 15: items 1, 7, 9), graded in one batch between
honest controls, as `test_attacks.py` grades the first round.

Each attack passes both checks when it is harmless (it returns the right answer), so what
is asserted is the harm: hidden inputs in what a student sees, a time limit extended, an
honest submission graded at the same time starved of processes.
"""

from __future__ import annotations

import os

import pytest

from adversarial.attacks import ARENA_SPEC, HONEST, REFERENCE
from adversarial.test_attacks import _open_tree
from grader import api, spec
from grader.sandbox import cgroup
from grader.sandbox.uids import UidLease, held_uids

MARK = "HIDDEN-INPUT:"

# Item 1: a duplicate of stdout kept from import; 3000 bytes printed in the public check, then the
# hidden inputs written over them at offset 0 (the public file is not O_APPEND).
PWRITE_STDOUT = f"""\
import os
import numpy as np

SAVED = os.dup(1)
CALLS = []


def work(x):
    CALLS.append(1)
    if len(CALLS) == 1:
        print("p" * 3000, flush=True)
    else:
        os.pwrite(SAVED, ("{MARK}" + repr(list(np.asarray(x)))).encode(), 0)
    return 2 * np.asarray(x)
"""

# Item 1: the results stream, found through gc; a padding frame written during import is replaced,
# in the hidden phase, by a forged public verdict of the same size whose message quotes the hidden inputs.
PWRITE_RESULTS = f"""\
import gc, io, json, os, struct
import numpy as np

SIZE = 600
STREAM = next(o for o in gc.get_objects() if isinstance(o, io.BufferedWriter) and isinstance(o.name, int) and o.name > 2)


def frame(header):
    raw = json.dumps(header).encode()
    return struct.pack(">I", SIZE) + raw + b" " * (SIZE - len(raw))


STREAM.write(frame({{"type": "padding", "buffers": []}}))
STREAM.flush()
CALLS = []


def work(x):
    CALLS.append(1)
    if len(CALLS) > 1:
        forged = {{"type": "result", "task": 0, "ok": False, "error": "{MARK}" + repr(list(np.asarray(x))),
                  "traceback": "", "buffers": []}}
        os.pwrite(STREAM.fileno(), frame(forged), 0)
    return 2 * np.asarray(x)
"""

# Item 7: a thread repeats the control pipe's progress line for task 0 while work() takes twice its limit.
EXTEND_DEADLINE = """\
import os, stat, threading, time
import numpy as np

PIPES = []
for fd in range(3, 64):
    try:
        if stat.S_ISFIFO(os.fstat(fd).st_mode):
            PIPES.append(fd)
    except OSError:
        pass


def keep_alive():
    while True:
        for fd in PIPES:
            try:
                os.write(fd, b"B 0\\n")
            except OSError:
                pass
        time.sleep(0.2)


threading.Thread(target=keep_alive, daemon=True).start()


def work(x):
    time.sleep(4)
    return 2 * np.asarray(x)
"""

# Item 9: takes every process its uid may have and holds them through both checks.
FORK_HOG = """\
import os, time
import numpy as np

for _ in range(64):
    try:
        if os.fork() == 0:
            time.sleep(60)
            os._exit(0)
    except OSError:
        break


def work(x):
    time.sleep(60)
"""

# An honest submission that needs one thread (as torch's or a DataLoader's would): graded while the hog runs.
THREADED = """\
import threading, time
import numpy as np


def work(x):
    time.sleep(0.5)
    out = []
    worker = threading.Thread(target=lambda: out.append(2 * np.asarray(x)))
    worker.start()
    worker.join()
    return out[0]
"""

# Item 8: 1 GiB of shared anonymous memory, which RLIMIT_DATA does not count (the limit is 256 MiB).
MMAP_SHARED = """\
import mmap
import numpy as np


def work(x):
    block = mmap.mmap(-1, 1 << 30)
    for _ in range(1024):
        block.write(b"x" * (1 << 20))
    return 2 * np.asarray(x)
"""

# Item 8: six processes holding 200 MiB each at once, each under the per-process limit; right only if all did.
FORKED_MEMORY = """\
import os, time
import numpy as np


def work(x):
    pids = []
    for _ in range(6):
        pid = os.fork()
        if pid == 0:
            block = bytearray(b"x") * (200 << 20)
            time.sleep(1)
            os._exit(0 if len(block) else 1)
        pids.append(pid)
    held = all(os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) == 0 for pid in pids)
    return 2 * np.asarray(x) if held else np.zeros(3)
"""

ATTACKS = {"pwrite-stdout": PWRITE_STDOUT, "pwrite-results": PWRITE_RESULTS, "extend-deadline": EXTEND_DEADLINE}
MEMORY_ATTACKS = {"mmap-shared": MMAP_SHARED, "forked-memory": FORKED_MEMORY}


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    root = tmp_path_factory.mktemp("arena2")
    folder = root / "assignment"
    (folder / "reference").mkdir(parents=True)
    (folder / "assignment.yaml").write_text(ARENA_SPEC)
    (folder / "reference" / "work.py").write_text(REFERENCE)
    # The hog goes first, to the first host; the threaded controls go to the second while it holds its processes.
    order = [("fork-hog", FORK_HOG), *((f"threaded-{i}", THREADED) for i in range(4)), ("control-first", HONEST),
             *ATTACKS.items(), *MEMORY_ATTACKS.items(), ("control-last", HONEST)]
    paths = []
    for name, code in order:
        (root / "subs" / name).mkdir(parents=True)
        (root / "subs" / name / "work.py").write_text(code)
        paths.append(root / "subs" / name)
    _open_tree(root)
    out = root / "out"
    results = api.grade(spec.load(folder), paths, out, jobs=2, secret="arena2")
    return {"results": {r.submission: r for r in results}, "out": out}


def test_controls_keep_full_marks(batch) -> None:
    for name in ("control-first", "control-last"):
        assert batch["results"][name].score == 2.0, batch["results"][name].checks


@pytest.mark.parametrize("name", ["pwrite-stdout", "pwrite-results"])
def test_nothing_written_after_the_handshake_reaches_what_students_see(batch, name: str) -> None:
    result = batch["results"][name]
    shown = [result.output.get("stdout", ""), result.output.get("stderr", ""), *(c.message for c in result.checks)]
    assert not any(MARK in text for text in shown), shown
    assert MARK not in (batch["out"] / name / "report.html").read_text()
    assert MARK not in (batch["out"] / name / "result.json").read_text()
    assert result.score == 2.0, [c.message for c in result.checks]


def test_a_progress_line_does_not_extend_a_time_limit(batch) -> None:
    result = batch["results"]["extend-deadline"]
    assert result.score == 0.0 and {c.status for c in result.checks} == {"timeout"}, [c.message for c in result.checks]


def test_a_fork_hog_does_not_starve_a_submission_graded_beside_it(batch) -> None:
    assert batch["results"]["fork-hog"].score == 0.0
    for i in range(4):
        result = batch["results"][f"threaded-{i}"]
        assert result.score == 2.0, [c.message for c in result.checks]


@pytest.mark.skipif(cgroup.mechanism() is None, reason="no memory cgroup can be made here: rlimits alone hold")
@pytest.mark.parametrize("name", sorted(MEMORY_ATTACKS))
def test_memory_is_bounded_for_all_of_a_submissions_processes_together(batch, name: str) -> None:
    result = batch["results"][name]
    assert result.score == 0.0, [c.message for c in result.checks]
    assert {c.status for c in result.checks} <= {"failed", "error", "memory", "timeout"}, [c.message for c in result.checks]
    assert "cgroup" in result.sandbox["mechanisms"]["resources"]


def test_the_supervisor_grants_each_time_limit_once() -> None:
    from grader.sandbox.supervisor import Control

    said = Control(100.0, {"load": 3.0, "tasks": [2.0, 2.0, 2.0], "start": 0})
    assert said.final == 100.0 + Control.SETUP_S + 3.0 + 6.0
    said.begin("load", 101.0)
    said.begin("load", 103.0)
    assert said.deadline == 104.0
    said.begin("0", 102.0)
    for now in (103.0, 103.5, 103.9):   # the same progress line again: no new deadline
        said.begin("0", now)
    assert said.deadline == 104.0 and said.last_task == 0
    said.begin("2", 103.0)
    said.begin("1", 104.5)   # going back: ignored
    said.begin("load", 104.5)
    assert said.deadline == 105.0 and said.last_task == 2 and said.current == "2"
    said.begin("7", 104.9)   # no such task
    assert said.deadline == 105.0
    later = Control(0.0, {"load": 3.0, "tasks": [2.0, 2.0, 2.0], "start": 2})
    later.begin("1", 1.0)    # before the child's start
    assert later.last_task is None and later.final == Control.SETUP_S + 3.0 + 2.0


@pytest.mark.skipif(os.geteuid() != 0, reason="uids are leased only when the grader runs as root")
def test_a_uid_is_leased_to_one_child_on_the_machine_at_a_time() -> None:
    first = UidLease.take()
    try:
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:   # another grader's worker, on the same machine
            os.write(write, str(UidLease.take().uid).encode())
            os._exit(0)
        os.waitpid(pid, 0)
        assert int(os.read(read, 32)) != first.uid
        assert first.uid in held_uids()
    finally:
        first.release()


def test_a_stopped_child_is_not_given_the_time_of_tasks_it_announced_again() -> None:
    from types import SimpleNamespace

    from grader.sandbox.session import _Progress, _skip_stopped_check

    checks = [SimpleNamespace(id=name, timeout_s=None) for name in "abc"]
    prepared = SimpleNamespace(tasks=[SimpleNamespace(check_id=c) for c in "abbc"], hidden_from=4,
                               assignment=SimpleNamespace(checks=checks, spec=SimpleNamespace(sandbox=SimpleNamespace(timeout_s=2.0))))
    progress = _Progress([None] * 4)
    # the child announced task 2 (check b) and wrote nothing: the next child starts at check c
    assert _skip_stopped_check(progress, prepared, {"outcome": "timeout", "last_task": 2}, None)  # type: ignore[arg-type]
    assert progress.start == 3
    assert [e.status for e in progress.evaluations[:3]] == ["timeout"] * 3 and progress.evaluations[3] is None
