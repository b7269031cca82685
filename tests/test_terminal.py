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
from conftest import ROOT

EXAMPLES = ROOT / "submissions" / "bp-manual"
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
PASS  Forward pass on the given network                                                       1 / 1
PASS  Loss of the given network                                                           0.5 / 0.5
PASS  Gradients of the given network                                                          1 / 1
FAIL  One SGD step on the given network with its true gradient (lr = 1)                     0 / 0.5
      update(w, g, lr): 8 of 8 values differ; worst at [5]: expected -0.583866, got -0.416134 (abs err 0.168, rel err 1.06; allowed 1e-06 + 1e-06·|expected|)
      to reproduce it, call it with:
        w = np.array([ 0.2, -0.4,  0.5,  0.6,  0.1, -0.5, -0.3,  0.8], dtype=float64)
        lr = 1.0
        g = np.array([-0.00842148046150221 ,  0.012606653078458003, -0.005052888276901326,  0.007563991847074802,
              0.03463298928683772 ,  0.08386609953820857 ,  0.030494578556568334,  0.07384466121071578 ], dtype=float64)
PASS  Gradients by hand, not by autograd                                                      1 / 1

3.5 / 4 on public checks — fix the failures above and check again
6 more point(s) come from hidden checks, which are not run here: they are graded when you submit, on inputs only the grader knows.
"""


def test_check_in_a_pipe_is_plain_titled_and_shows_the_public_inputs() -> None:
    ran = piped("check", "bp-manual", str(EXAMPLES / "update-sign-error"))
    assert ran.returncode == 1, ran.stderr
    assert ran.stdout == CHECK_PIPED
    assert "\x1b" not in ran.stdout


def test_check_on_a_terminal_colours_pass_and_fail_and_wraps_to_its_width() -> None:
    code, raw = on_a_terminal("check", "bp-manual", str(EXAMPLES / "update-sign-error"))
    assert code == 1
    assert "\x1b[1;32mPASS\x1b[0m" in raw and "\x1b[1;31mFAIL\x1b[0m" in raw
    lines = screen_lines(raw)
    assert all(len(line) <= 100 for line in lines)
    assert "FAIL  One SGD step on the given network with its true gradient (lr = 1)" in "\n".join(lines)
    assert any(line.startswith("      got -0.416134") for line in lines)     # the message wrapped, indented under it


def test_check_on_a_terminal_with_no_color_has_no_colour() -> None:
    code, raw = on_a_terminal("check", "bp-manual", str(EXAMPLES / "update-sign-error"), NO_COLOR="1")
    assert code == 1
    assert not COLOUR.search(raw)
    assert "FAIL  One SGD step" in "\n".join(screen_lines(raw))


# ------------------------------------------------------------------ grade
GRADE_PIPED = """\
[1/2] correct: 10 / 10  R/s, ETA N s
[2/2] update-sign-error: 8 / 10  R/s, ETA N s
bp-manual: 2 graded, 0 reused, 0 could not be graded, 0 with a timeout, 1 skipped (not found)
mean 9.00 / 10 over 2 submission(s); see {out}/index.html and {out}/gradebook.csv
"""


def _sorted_progress(text: str) -> str:
    """Submissions finish in any order with two workers: number them as they would in path order."""
    lines = text.splitlines(keepends=True)
    done = sorted((line for line in lines if line.startswith("[")), key=lambda line: line.split("] ")[1])
    rest = [line for line in lines if not line.startswith("[")]
    return "".join(f"[{i}/{len(done)}] {line.split('] ', 1)[1]}" for i, line in enumerate(done, 1)) + "".join(rest)


@pytest.mark.parametrize("jobs", ["2"])
def test_grade_in_a_pipe_prints_plain_lines_then_the_tally(tmp_path: Path, jobs: str) -> None:
    out = tmp_path / "out"
    ran = piped("grade", "bp-manual", str(EXAMPLES / "correct"), str(EXAMPLES / "update-sign-error"),
                str(tmp_path / "not-here"), "--out", str(out), "--jobs", jobs)
    assert ran.returncode == 0, ran.stderr
    assert f"grader: skipped {tmp_path / 'not-here'}: no such file or folder" in ran.stderr
    assert _sorted_progress(masked(ran.stdout)) == GRADE_PIPED.format(out=out)
    assert "\x1b" not in ran.stdout and BAR not in ran.stdout
    again = piped("grade", "bp-manual", str(EXAMPLES / "correct"), "--out", str(out))
    assert again.stdout.splitlines()[0] == "[1/1] correct: 10 / 10  (reused: unchanged since the last run)"
    assert "bp-manual: 0 graded, 1 reused, 0 could not be graded, 0 with a timeout" in again.stdout


@pytest.mark.parametrize("no_color", [False, True])
def test_grade_on_a_terminal_shows_a_bar_with_each_submission_above_it(tmp_path: Path, no_color: bool) -> None:
    out = tmp_path / "out"
    piped("grade", "bp-manual", str(EXAMPLES / "correct"), "--out", str(out))           # reused below
    code, raw = on_a_terminal("grade", "bp-manual", str(EXAMPLES / "correct"), str(EXAMPLES / "infinite-loop"),
                              "--out", str(out), "--jobs", "2", **({"NO_COLOR": "1"} if no_color else {}))
    assert code == 0
    assert BAR in raw and "ETA" in raw                                  # the bar was drawn
    assert bool(COLOUR.search(raw)) is not no_color
    lines = screen_lines(raw)
    assert any(re.fullmatch(r"correct\s+10 / 10  \(reused: unchanged since the last run\)", line) for line in lines), lines
    assert any(re.fullmatch(r"infinite-loop\s+9 / 10  timeout", line) for line in lines), lines
    assert lines[-2] == "bp-manual: 1 graded, 1 reused, 0 could not be graded, 1 with a timeout"
    assert lines[-1].startswith("mean 9.50 / 10 over 2 submission(s)")
