"""Engine hosts (``--jobs`` above 1): the same verdicts as one process, and a batch that survives a dead host."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, write_assignment, write_submission
from test_batch import HONEST, SPEC

from grader import api, spec
from grader.engine.prepare import _locked
from grader.errors import GraderError

EXAMPLES = ["correct", "hardcoded", "update-sign-error", "crash-at-import"]


def _verdicts(results):
    return {r.submission: (r.score, [(c.id, c.status, c.message) for c in r.checks]) for r in results}


def _host_pids() -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        try:
            if entry.isdigit() and b"grader.hosts" in Path(f"/proc/{entry}/cmdline").read_bytes() \
                    and int(Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[1]) == os.getpid():
                found.append(int(entry))
        except (FileNotFoundError, ProcessLookupError, IndexError, ValueError):
            pass
    return found


def test_hosts_give_the_same_verdicts_as_one_process(tmp_path: Path, bp_manual) -> None:
    paths = [ROOT / "submissions" / "bp-manual" / name for name in EXAMPLES]
    one = api.grade(bp_manual, paths, tmp_path / "one", jobs=1, secret="hosts", cache_dir=tmp_path / "cache")
    two = api.grade(bp_manual, paths, tmp_path / "two", jobs=2, secret="hosts", cache_dir=tmp_path / "cache")
    assert _verdicts(two) == _verdicts(one)
    assert {r.submission for r in two} == set(EXAMPLES)
    assert _host_pids() == []   # every host stopped with the batch


def test_a_killed_host_is_replaced_and_its_submission_graded(tmp_path: Path) -> None:
    folder = write_assignment(tmp_path / "slow", SPEC, {"work.py": HONEST})
    slow = "import time\n\n\ndef work(x):\n    time.sleep(0.3)\n    return 2 * x\n"
    subs = [write_submission(tmp_path / "subs" / f"s{i}", {"work.py": slow}) for i in range(6)]
    killed: list[int] = []

    def kill_one_host_once(result) -> None:
        if not killed:
            pids = _host_pids()
            os.kill(pids[0], signal.SIGKILL)
            killed.append(pids[0])

    results = api.grade(spec.load(folder), subs, tmp_path / "out", jobs=2, secret="hosts",
                        cache_dir=tmp_path / "cache", progress=kill_one_host_once)
    assert killed and killed[0] not in _host_pids()
    assert sorted(r.submission for r in results) == [f"s{i}" for i in range(6)]
    assert all(r.score == 1.0 for r in results)


def test_a_broken_reference_stops_the_batch_with_the_same_message(tmp_path: Path) -> None:
    folder = write_assignment(tmp_path / "broken", SPEC, {"work.py": "def work(x):\n    return x[5]\n"})
    subs = [write_submission(tmp_path / "subs" / f"s{i}", {"work.py": HONEST}) for i in range(2)]
    messages = []
    for jobs in (1, 2):
        with pytest.raises(GraderError, match="the reference solution of doubler fails check 'work'") as raised:
            api.grade(spec.load(folder), subs, tmp_path / f"out{jobs}", jobs=jobs, secret="hosts")
        messages.append(str(raised.value))
    assert messages[0] == messages[1]


def test_a_spec_changed_after_loading_is_refused(tmp_path: Path) -> None:
    folder = write_assignment(tmp_path / "doubler", SPEC, {"work.py": HONEST})
    subs = [write_submission(tmp_path / "subs" / f"s{i}", {"work.py": HONEST}) for i in range(2)]
    loaded = spec.load(folder)
    (folder / "reference" / "work.py").write_text("def work(x):\n    return 2.0 * x\n")
    with pytest.raises(GraderError, match="changed on disk after grading began"):
        api.grade(loaded, subs, tmp_path / "out", jobs=2, secret="hosts")


def test_the_reference_cache_lock_is_exclusive_across_processes(tmp_path: Path) -> None:
    lock = tmp_path / "cache" / "reference.lock"
    probe = ("import fcntl, sys\nf = open(sys.argv[1], 'a')\n"
             "try:\n    fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)\nexcept BlockingIOError:\n    sys.exit(3)\n")
    with _locked(lock):
        held = subprocess.run([sys.executable, "-c", probe, str(lock)]).returncode
    free = subprocess.run([sys.executable, "-c", probe, str(lock)]).returncode
    assert (held, free) == (3, 0)
