"""What ``grade`` and ``check`` print, in a pipe and on a real terminal (a pty), with and without NO_COLOR.

The commands run as a user runs them: ``python -m grader`` in a child process whose stdout is a
pipe or the slave side of a pseudo-terminal 100 columns wide. A pipe gets plain golden lines (rate
and ETA figures masked); a terminal gets colour, a progress bar and the same finished lines above it.
"""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import struct
import subprocess
import sys
import termios
from pathlib import Path

import pytest
from conftest import ROOT, write_assignment, write_submission

SPEC = """\
name: tiny
title: Vectors
files: [m.py]
sandbox: {timeout_s: 120, import_timeout_s: 120, preload: [numpy]}
inputs:
  given: {x: [1.0, 2.0], k: 3}
  secret: {x: {uniform: [-1, 1], shape: [3]}, k: {uniform: [1, 2]}}
checks:
  - {id: double, kind: compare, title: Doubles a vector, visibility: public, points: 1, inputs: given, call: double(x)}
  - {id: scale, kind: compare, title: Scales a vector by k, visibility: public, points: 2, inputs: given,
     call: "scale(x, k)"}
  - {id: scale-hidden, kind: compare, title: Scales random vectors, visibility: hidden, points: 3, inputs: secret,
     call: "scale(x, k)"}
  - {id: settles, kind: compare, title: Settles, visibility: hidden, points: 1, call: settle(), timeout_s: 2}
"""
REFERENCE = """\
import numpy as np
def double(x): return 2 * np.asarray(x)
def scale(x, k): return k * np.asarray(x)
def settle(): return 1
"""
BUGGY = REFERENCE.replace("return k * np.asarray(x)", "return k * np.asarray(x) + 1")
SPINS = REFERENCE.replace("def settle(): return 1", "def settle():\n    while True:\n        pass")


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    """An assignment whose limits leave room on a busy machine; only ``settle`` is meant to run out of time."""
    folder = write_assignment(tmp_path / "tiny", SPEC, {"m.py": REFERENCE})
    for name, code in (("good", REFERENCE), ("buggy", BUGGY), ("spins", SPINS)):
        write_submission(tmp_path / "subs" / name, {"m.py": code})
    return folder
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
COLOUR = re.compile(r"\x1b\[(?:[0-9;]*;)?(?:3[0-7]|9[0-7]|38;[25])[0-9;]*m")   # a foreground colour, not bold or dim
BAR = "━"


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR", "COLUMNS", "LINES")}
    env.update({"PYTHONPATH": str(ROOT), "GRADER_SECRET": "terminal-test", "TERM": "xterm-256color", **extra})
    return env


def piped(*args: str, **extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "grader", *args], cwd=ROOT, env=_env(**extra), capture_output=True,
                          text=True, timeout=600)


def on_a_terminal(*args: str, **extra: str) -> tuple[int, str]:
    """Run the command with stdout and stderr on a 100x30 pty; return its status and everything it wrote."""
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
    child = subprocess.Popen([sys.executable, "-m", "grader", *args], cwd=ROOT, env=_env(**extra),
                             stdin=subprocess.DEVNULL, stdout=follower, stderr=follower, close_fds=True)
    os.close(follower)
    chunks = []
    while True:
        ready, _, _ = select.select([leader], [], [], 600)
        if not ready:
            child.kill()
            raise AssertionError("the command wrote nothing for 600 s")
        try:
            chunk = os.read(leader, 65536)
        except OSError:          # EIO: the child closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    return child.wait(timeout=60), b"".join(chunks).decode("utf-8", "replace")


def screen_lines(raw: str) -> list[str]:
    """The lines left on the screen: escapes removed, each line as its last carriage return left it."""
    lines = []
    for line in ANSI.sub("", raw).replace("\r\n", "\n").split("\n"):
        lines.append(line.split("\r")[-1].rstrip())
    return [line for line in lines if line]


def masked(text: str) -> str:
    return re.sub(r"\d+\.\d/s, ETA \d+ s", "R/s, ETA N s", text)


# ------------------------------------------------------------------ check
CHECK_PIPED = """\
PASS  Doubles a vector                                                                        1 / 1
FAIL  Scales a vector by k                                                                    0 / 2
      scale(x, k): 2 of 2 values differ; worst at [0]: expected 3, got 4 (abs err 1, rel err 0.333; allowed 1e-07 + 1e-07·|expected|)
      to reproduce it, call it with:
        x = np.array([1., 2.], dtype=float64)
        k = 3

1 / 3 on public checks — fix the failures above and check again
4 more point(s) come from hidden checks, which are not run here: they are graded when you submit, on inputs only the grader knows.
"""


def test_check_in_a_pipe_is_plain_titled_and_shows_the_public_inputs(tiny: Path) -> None:
    ran = piped("check", str(tiny), str(tiny.parent / "subs" / "buggy"))
    assert ran.returncode == 1, ran.stderr
    assert ran.stdout == CHECK_PIPED
    assert "\x1b" not in ran.stdout


def test_check_on_a_terminal_colours_pass_and_fail_and_wraps_to_its_width(tiny: Path) -> None:
    code, raw = on_a_terminal("check", str(tiny), str(tiny.parent / "subs" / "buggy"))
    assert code == 1
    assert "\x1b[1;32mPASS\x1b[0m" in raw and "\x1b[1;31mFAIL\x1b[0m" in raw
    assert "running the public checks of tiny on buggy" in raw          # a spinner while the checks run
    lines = screen_lines(raw)
    assert all(len(line) <= 100 for line in lines)
    first = next(i for i, line in enumerate(lines) if line.startswith("PASS  Doubles a vector"))
    assert lines[first + 1].startswith("FAIL  Scales a vector by k") and lines[first + 1].endswith("0 / 2")
    assert lines[first + 2].startswith("      scale(x, k): 2 of 2 values differ")
    assert lines[first + 3].startswith("      ")                         # the message wrapped, indented under it


def test_check_on_a_terminal_with_no_color_has_no_colour(tiny: Path) -> None:
    code, raw = on_a_terminal("check", str(tiny), str(tiny.parent / "subs" / "buggy"), NO_COLOR="1")
    assert code == 1
    assert not COLOUR.search(raw)
    assert any(line.startswith("FAIL  Scales a vector by k") for line in screen_lines(raw))


# ------------------------------------------------------------------ grade
GRADE_PIPED = """\
[1/3] buggy: 2 / 7  R/s, ETA N s
[2/3] good: 7 / 7  R/s, ETA N s
[3/3] spins: 6 / 7  timeout  R/s, ETA N s
tiny: 3 graded, 0 reused, 0 could not be graded, 1 with a timeout, 1 skipped (not found)
mean 5.00 / 7 over 3 submission(s); see {out}/index.html and {out}/gradebook.csv
"""


def _sorted_progress(text: str) -> str:
    """Submissions finish in any order with two workers: number them as they would in name order."""
    lines = text.splitlines(keepends=True)
    done = sorted((line for line in lines if line.startswith("[")), key=lambda line: line.split("] ")[1])
    rest = [line for line in lines if not line.startswith("[")]
    return "".join(f"[{i}/{len(done)}] {line.split('] ', 1)[1]}" for i, line in enumerate(done, 1)) + "".join(rest)


def test_grade_in_a_pipe_prints_plain_lines_then_the_tally(tiny: Path, tmp_path: Path) -> None:
    out, subs = tmp_path / "out", tiny.parent / "subs"
    ran = piped("grade", str(tiny), str(subs / "buggy"), str(subs / "good"), str(subs / "spins"),
                str(tmp_path / "not-here"), "--out", str(out), "--jobs", "2")
    assert ran.returncode == 0, ran.stderr
    assert f"grader: skipped {tmp_path / 'not-here'}: no such file or folder" in ran.stderr
    assert _sorted_progress(masked(ran.stdout)) == GRADE_PIPED.format(out=out)
    assert "\x1b" not in ran.stdout and BAR not in ran.stdout
    again = piped("grade", str(tiny), str(subs / "good"), "--out", str(out))
    assert again.stdout.splitlines()[0] == "[1/1] good: 7 / 7  (reused: unchanged since the last run)"
    assert "tiny: 0 graded, 1 reused, 0 could not be graded, 0 with a timeout" in again.stdout


@pytest.mark.parametrize("no_color", [False, True])
def test_grade_on_a_terminal_shows_a_bar_with_each_submission_above_it(tiny: Path, tmp_path: Path, no_color: bool) -> None:
    out, subs = tmp_path / "out", tiny.parent / "subs"
    piped("grade", str(tiny), str(subs / "good"), "--out", str(out))           # reused below
    code, raw = on_a_terminal("grade", str(tiny), str(subs / "good"), str(subs / "spins"), "--out", str(out),
                              "--jobs", "2", **({"NO_COLOR": "1"} if no_color else {}))
    assert code == 0
    assert BAR in raw and "ETA" in raw                                  # the bar was drawn
    assert bool(COLOUR.search(raw)) is not no_color
    lines = screen_lines(raw)
    assert any(re.fullmatch(r"good\s+7 / 7  \(reused: unchanged since the last run\)", line) for line in lines), lines
    assert any(re.fullmatch(r"spins\s+6 / 7  timeout", line) for line in lines), lines
    assert lines[-2] == "tiny: 1 graded, 1 reused, 0 could not be graded, 1 with a timeout"
    assert lines[-1].startswith("mean 6.50 / 7 over 2 submission(s)")


def test_check_html_writes_the_students_own_report(tiny: Path, tmp_path: Path) -> None:
    page = tmp_path / "mine.html"
    ran = piped("check", str(tiny), str(tiny.parent / "subs" / "buggy"), "--html", str(page))
    assert ran.returncode == 1 and ran.stdout.endswith(f"your report: {page}\n")
    html = page.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and "Scales a vector by k" in html
    assert "Scales random vectors" not in html and "scale-hidden" not in html      # no hidden check on a student's page
