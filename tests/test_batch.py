"""Batches: results reused when nothing changed, and an interrupted batch resumes losslessly."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from conftest import ROOT, write_assignment, write_submission

from grader import api, spec

SPEC = """\
name: doubler
title: Doubler
files: [work.py]
sandbox: {timeout_s: 5, preload: [numpy]}
checks:
  - id: work
    kind: compare
    inputs: {x: [1.0, 2.0]}
    call: work(x)
"""
HONEST = "def work(x):\n    return 2 * x\n"


@pytest.fixture()
def doubler(tmp_path: Path):
    folder = write_assignment(tmp_path / "doubler", SPEC, {"work.py": HONEST})
    subs = [write_submission(tmp_path / "subs" / name, {"work.py": code})
            for name, code in (("a", HONEST), ("b", "def work(x):\n    return 3 * x\n"))]
    return folder, subs, tmp_path / "out"


def _stamps(out: Path) -> dict[str, int]:
    return {p.parent.name: p.stat().st_mtime_ns for p in out.glob("*/result.json")}


def _grade(folder: Path, subs, out: Path, **kw):
    return api.grade(spec.load(folder), subs, out, jobs=1, secret="batch", cache_dir=out.parent / "cache", **kw)


def test_unchanged_submissions_are_not_graded_again(doubler) -> None:
    folder, subs, out = doubler
    first = {r.submission: r.score for r in _grade(folder, subs, out)}
    stamps = _stamps(out)
    again = {r.submission: r.score for r in _grade(folder, subs, out)}
    assert again == first and _stamps(out) == stamps


def test_a_changed_submission_is_graded_again(doubler) -> None:
    folder, subs, out = doubler
    _grade(folder, subs, out)
    stamps = _stamps(out)
    (subs[1] / "work.py").write_text(HONEST)
    scores = {r.submission: r.score for r in _grade(folder, subs, out)}
    after = _stamps(out)
    assert scores == {"a": 1.0, "b": 1.0}
    assert after["a"] == stamps["a"] and after["b"] != stamps["b"]


@pytest.mark.parametrize("change", ["spec", "reference"])
def test_a_changed_spec_or_reference_regrades_everything(doubler, change: str) -> None:
    folder, subs, out = doubler
    _grade(folder, subs, out)
    stamps = _stamps(out)
    if change == "spec":
        (folder / "assignment.yaml").write_text(SPEC.replace("title: Doubler", "title: Doubler, v2"))
    else:
        (folder / "reference" / "work.py").write_text("def work(x):\n    return x + x\n")
    _grade(folder, subs, out)
    after = _stamps(out)
    assert all(after[k] != stamps[k] for k in stamps)


def test_force_regrades_everything(doubler) -> None:
    folder, subs, out = doubler
    _grade(folder, subs, out)
    stamps = _stamps(out)
    _grade(folder, subs, out, force=True)
    assert all(_stamps(out)[k] != stamps[k] for k in stamps)


def _cli(*args: str, cwd: Path) -> subprocess.Popen:
    env = {"PATH": "/usr/bin:/bin", "GRADER_SECRET": "resume", "HOME": str(cwd), "XDG_CACHE_HOME": str(cwd / "cache")}
    return subprocess.Popen([sys.executable, "-m", "grader", *args], cwd=cwd, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def _gradebook(path: Path) -> list[dict[str, str]]:
    return sorted(csv.DictReader(path.open()), key=lambda row: row["submission"])


def test_resume_after_kill_9_gives_the_same_gradebook(tmp_path: Path) -> None:
    folder = write_assignment(tmp_path / "slow", SPEC, {"work.py": HONEST})
    subs = []
    for i in range(16):
        code = f"import time\n\n\ndef work(x):\n    time.sleep(0.2)\n    return {2 if i % 3 else 3} * x\n"
        subs.append(str(write_submission(tmp_path / "subs" / f"s{i:02d}", {"work.py": code})))
    clean, resumed = tmp_path / "clean", tmp_path / "resumed"
    assert _cli("grade", str(folder), *subs, "--out", str(clean), "--jobs", "2", cwd=tmp_path).wait(timeout=300) == 0

    victim = _cli("grade", str(folder), *subs, "--out", str(resumed), "--jobs", "2", cwd=tmp_path)
    deadline = time.monotonic() + 120
    while len(list(resumed.glob("*/result.json"))) < 4 and time.monotonic() < deadline:
        time.sleep(0.05)
    os.kill(victim.pid, signal.SIGKILL)
    victim.wait()
    partial = list(resumed.glob("*/result.json"))
    assert 4 <= len(partial) < len(subs), "the batch was not interrupted in the middle"
    for path in partial:
        json.loads(path.read_text())  # every result written before the kill is whole
    finisher = _cli("grade", str(folder), *subs, "--out", str(resumed), "--jobs", "2", "--resume", cwd=tmp_path)
    assert finisher.wait(timeout=300) == 0, finisher.stderr.read() if finisher.stderr else ""
    assert _gradebook(resumed / "gradebook.csv") == _gradebook(clean / "gradebook.csv")
    leftovers = [p for p in Path("/dev/shm").glob(f"grader-{victim.pid}-*")]
    assert leftovers == []


def test_force_and_resume_together_is_a_usage_error(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "grader", "grade", str(ROOT / "assignments" / "bp-manual"),
                             str(ROOT / "submissions" / "bp-manual" / "correct"), "--out", str(tmp_path), "--force", "--resume"],
                            capture_output=True, text=True)
    assert result.returncode == 2 and "contradict" in result.stderr


@pytest.mark.skipif(os.geteuid() != 0, reason="sandbox processes are found by their uid, dropped only as root")
def test_interrupt_leaves_no_child_behind(tmp_path: Path) -> None:
    folder = write_assignment(tmp_path / "slow", SPEC, {"work.py": HONEST})
    subs = [str(write_submission(tmp_path / "subs" / f"s{i}", {"work.py": "import time\n\n\ndef work(x):\n    time.sleep(30)\n"}))
            for i in range(4)]
    proc = _cli("grade", str(folder), *subs, "--out", str(tmp_path / "out"), "--jobs", "2", cwd=tmp_path)
    deadline = time.monotonic() + 60
    from adversarial.test_attacks import _sandbox_processes
    while not _sandbox_processes() and time.monotonic() < deadline:
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=30) == 130
    assert "interrupted" in proc.stderr.read()
    deadline = time.monotonic() + 5
    while _sandbox_processes() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _sandbox_processes() == []
    # nor a scratch folder of a killed engine host
    assert [p for p in (*Path("/dev/shm").glob("grader-*-*"), *Path(tempfile.gettempdir()).glob("grader-*-*"))
            if p.name.split("-")[1].isdigit() and not Path(f"/proc/{p.name.split('-')[1]}").exists()] == []
