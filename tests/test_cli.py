"""The command line: exit codes, one-sentence errors, files written.

Most tests call :func:`grader.cli.main` in this process (capsys reads what it printed); two run
the installed ``grader`` script and ``python -m grader`` as a user would.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import ROOT

from grader import api
from grader.cli import ExitCode, main
from grader.secret import secret_id

EXAMPLES = ROOT / "submissions" / "bp-manual"
HOME = Path(tempfile.gettempdir()) / "grader-cli-test-home"
ENV = {"GRADER_SECRET": "cli-test", "HOME": str(HOME), "XDG_CACHE_HOME": str(HOME / "cache")}


@dataclass
class Ran:
    returncode: int
    stdout: str
    stderr: str


@pytest.fixture
def grader(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch):
    """``grader(*args, cwd=..., extra_env=...)``: main(args) in this process, with the test's environment."""
    def run(*args: str, cwd: Path = ROOT, extra_env: dict[str, str] | None = None) -> Ran:
        with monkeypatch.context() as mp:
            for name, value in {**ENV, **(extra_env or {})}.items():
                mp.setenv(name, value)
            mp.chdir(cwd)
            capsys.readouterr()
            code = main(list(args))
            out, err = capsys.readouterr()
        return Ran(code, out, err)
    return run


def subprocess_env() -> dict[str, str]:
    return {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), **ENV}


def test_the_installed_script_and_python_m_exit_with_mains_status() -> None:
    script = Path(sysconfig.get_path("scripts")) / "grader"
    for command in ([str(script)], [sys.executable, "-m", "grader"]):
        helped = subprocess.run([*command, "--help"], cwd=ROOT, capture_output=True, text=True, env=subprocess_env(),
                                timeout=300)
        assert helped.returncode == 0, helped.stderr
        assert "grade" in helped.stdout
        wrong = subprocess.run([*command, "check", "bp-manul", str(EXAMPLES / "correct")], cwd=ROOT, capture_output=True,
                               text=True, env=subprocess_env(), timeout=300)
        assert wrong.returncode == 2   # a mistyped name on the command line is a usage error (issue 16)
        assert wrong.stderr.strip() == "grader: no assignment 'bp-manul'; did you mean 'bp-manual'?"


def test_exit_codes_are_the_readmes() -> None:
    assert [int(c) for c in (ExitCode.OK, ExitCode.FAILED, ExitCode.USAGE, ExitCode.GRADER_ERROR)] == [0, 1, 2, 3]


def test_usage_errors_exit_2_with_clicks_message(grader) -> None:
    unknown = grader("no-such-verb")
    assert unknown.returncode == 2 and "No such command 'no-such-verb'" in unknown.stderr
    missing = grader("check", "bp-manual", "/no/such/submission")
    assert missing.returncode == 2 and "does not exist" in missing.stderr
    both = grader("grade", "bp-manual", str(EXAMPLES / "correct"), "--out", "x", "--force", "--resume")
    assert both.returncode == 2 and "--force and --resume contradict each other" in both.stderr


@pytest.mark.parametrize("where", ["before", "after"])
def test_debug_shows_the_traceback_with_the_sentence(grader, where: str) -> None:
    """``--debug`` before or after the command: the traceback is added and the exit status kept."""
    args = ["check", "bp-manul", str(EXAMPLES / "correct")]
    ran = grader(*(["--debug", *args] if where == "before" else [*args, "--debug"]))
    assert ran.returncode == 2
    assert "Traceback (most recent call last)" in ran.stderr
    assert ran.stderr.strip().endswith("grader: no assignment 'bp-manul'; did you mean 'bp-manual'?")


def test_debug_after_the_command_keeps_a_grader_errors_status(grader, tmp_path: Path) -> None:
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "assignment.yaml").write_text("name: bad\n")
    ran = grader("validate", str(tmp_path / "bad"), "--debug")
    assert ran.returncode == 3 and "Traceback (most recent call last)" in ran.stderr
    assert "title: required key is missing" in ran.stderr


def test_help_teaches_the_verbs(grader) -> None:
    result = grader("--help")
    assert result.returncode == 0
    for verb in ("list", "validate", "check", "grade", "demo", "doctor"):
        assert verb in result.stdout


def test_list_shows_bp_manual(grader) -> None:
    result = grader("list")
    assert result.returncode == 0
    assert any(line.startswith("bp-manual ") and "10 points" in line for line in result.stdout.splitlines())


def test_check_correct_exits_0_and_buggy_exits_1_with_an_actionable_message(grader) -> None:
    good = grader("check", "bp-manual", str(EXAMPLES / "correct"))
    assert good.returncode == 0, good.stdout + good.stderr
    assert "4 / 4 on public checks" in good.stdout
    bad = grader("check", "bp-manual", str(EXAMPLES / "hidden-layer-missing-derivative"))
    assert bad.returncode == 1
    assert "Wrong gradient: ∂E/∂w1, ∂E/∂w2, ∂E/∂w3, ∂E/∂w4" in bad.stdout
    hidden_points = "6 more point(s) come from hidden checks, which are not run here"
    assert hidden_points in bad.stdout
    assert "hidden" not in bad.stdout.replace("hidden-layer", "").replace(hidden_points, "")  # no hidden check is run or shown


def test_check_json_is_a_result_document(grader) -> None:
    result = grader("check", "bp-manual", str(EXAMPLES / "correct"), "--json")
    data = json.loads(result.stdout)
    assert data["schema"] == "grader.result/1" and data["submission"] == "correct"
    assert {c["visibility"] for c in data["checks"]} == {"public"}


def test_unknown_assignment_is_one_sentence_without_traceback(grader) -> None:
    result = grader("check", "bp-manul", str(EXAMPLES / "correct"))
    assert result.returncode == 2
    assert result.stderr.strip() == "grader: no assignment 'bp-manul'; did you mean 'bp-manual'?"


def test_grade_writes_results_reports_and_gradebook(grader, tmp_path: Path) -> None:
    out = tmp_path / "out"
    subs = [str(EXAMPLES / name) for name in ("correct", "hardcoded", "crash-at-import")]
    result = grader("grade", "bp-manual", *subs, "--out", str(out), "--jobs", "2")
    assert result.returncode == 0, result.stderr
    assert "bp-manual: 3 graded, 0 reused, 0 could not be graded, 0 with a timeout" in result.stdout
    assert "mean 8.00 / 10 over 3 submission(s)" in result.stdout
    assert "[3/3]" in result.stdout and "ETA" in result.stdout
    for name in ("correct", "hardcoded", "crash-at-import"):
        data = json.loads((out / name / "result.json").read_text())
        assert data["schema"] == "grader.result/1" and data["assignment"] == "bp-manual"
        assert {"status", "score", "max_score", "checks", "sandbox", "timing", "grader_version", "spec_hash",
                "submission_hash"} <= set(data)
        assert (out / name / "report.html").read_text().startswith("<!DOCTYPE html>")
    rows = list(csv.DictReader((out / "gradebook.csv").open()))
    assert {r["submission"]: float(r["score"]) for r in rows} == {"correct": 10.0, "hardcoded": 4.0, "crash-at-import": 10.0}
    assert "crash-at-import" in (out / "index.html").read_text()


def test_grade_with_no_existing_path_is_a_usage_error(grader, tmp_path: Path) -> None:
    ran = grader("grade", "bp-manual", str(tmp_path / "a"), str(tmp_path / "b"), "--out", str(tmp_path / "out"))
    assert ran.returncode == 2
    assert f"grader: skipped {tmp_path / 'a'}: no such file or folder" in ran.stderr
    assert "none of the SUBMISSIONS exists" in ran.stderr


def test_grade_a_missing_file_is_an_error_result_not_a_crash(grader, tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    result = grader("grade", "bp-manual", str(empty), "--out", str(tmp_path / "out"), "--jobs", "1")
    assert result.returncode == 0
    data = json.loads((tmp_path / "out" / "empty" / "result.json").read_text())
    assert data["status"] == "error" and data["score"] == 0 and "has no bp.py" in data["message"]


def test_doctor_lists_every_layer(grader) -> None:
    result = grader("doctor")
    for layer in ("lifecycle", "resources", "network", "filesystem", "uid", "seccomp"):
        assert layer in result.stdout


def test_demo_grades_every_example(grader, tmp_path: Path) -> None:
    result = grader("demo", "--out", str(tmp_path / "reports"))
    assert result.returncode == 0, result.stderr
    graded = {p.parent.name for p in (tmp_path / "reports" / "bp-manual").glob("*/result.json")}
    assert graded == {p.name for p in EXAMPLES.iterdir()}
    assert "correct" in result.stdout and "10 / 10" in result.stdout
    # issue 16: progress before any score, the fixed demo secret said and used, manual points marked
    lines = result.stdout.splitlines()
    assert lines[0].startswith("grader demo: grading the example submissions") and "fixed demo secret 'grader-demo'" in lines[0]
    assert lines.index(f"bp-manual: grading {len(graded)} submission(s)") < lines.index("bp-manual:")
    stored = json.loads((tmp_path / "reports" / "bp-manual" / "correct" / "result.json").read_text())
    assert stored["secret_id"] == secret_id(api.DEMO_SECRET)
    assert any("awaiting instructor grading" in line for line in lines if line.startswith("  "))


def test_demo_offline_trains_on_the_stand_in_and_names_it(grader, tmp_path: Path) -> None:
    """No Fashion-MNIST anywhere: the demo's training checks use scikit-learn's digits and say so everywhere."""
    project, empty = tmp_path / "project", tmp_path / "no-data"
    empty.mkdir()
    shutil.copytree(ROOT / "assignments" / "mlp", project / "assignments" / "mlp")
    shutil.copytree(ROOT / "submissions" / "mlp" / "correct", project / "submissions" / "mlp" / "correct")
    ran = grader("demo", "--out", str(tmp_path / "reports"), "--jobs", "1", cwd=project,
                 extra_env={"GRADER_DATA": str(empty)})
    assert ran.returncode == 0, ran.stderr
    lines = ran.stdout.splitlines()
    assert any(line.startswith("  correct ") and line.endswith("* (stand-in)") for line in lines), ran.stdout
    for check_id in ("train-scratch", "train-concise"):
        assert (f"  {check_id} trained on the offline stand-in for Fashion-MNIST: scikit-learn's handwritten digits "
                f"(1433 training images, 364 test images, 8×8 upscaled to 28×28), because Fashion-MNIST is not in "
                f"{empty.resolve()}; a demonstration, not a grade") in lines, ran.stdout
    assert "* scores from the offline stand-in show the grading at work; they are not grades" in ran.stdout
    result = json.loads((tmp_path / "reports" / "mlp" / "correct" / "result.json").read_text())
    train = [c for c in result["checks"] if c["kind"] == "train"]
    assert len(train) == 2 and all(c["details"]["dataset"]["stand_in"] for c in train)
    assert all(c["message"].startswith("DEMO STAND-IN, NOT A GRADE") and c["status"] != "error" for c in train)
    report = (tmp_path / "reports" / "mlp" / "correct" / "report.html").read_text()
    assert "<strong>Dataset:</strong> the offline stand-in for Fashion-MNIST" in report


def test_grade_never_trains_on_the_stand_in(grader, tmp_path: Path) -> None:
    empty = tmp_path / "no-data"
    empty.mkdir()
    ran = grader("grade", "mlp", str(ROOT / "submissions" / "mlp" / "correct"), "--out", str(tmp_path / "out"),
                 "--jobs", "1", extra_env={"GRADER_DATA": str(empty)})
    assert ran.returncode == 0, ran.stderr
    text = (tmp_path / "out" / "correct" / "result.json").read_text()
    train = [c for c in json.loads(text)["checks"] if c["kind"] == "train"]
    assert len(train) == 2 and all(c["status"] == "error" and c["score"] == 0 for c in train)
    assert all(f"Fashion-MNIST is not in {empty.resolve()}" in c["message"] for c in train)
    assert all(c["details"]["dataset"]["name"] == "fashion-mnist" and c["details"]["dataset"]["missing"] for c in train)
    assert "stand-in" not in text and "digits" not in text


def test_the_course_secret_comes_from_a_file_and_only_its_fingerprint_is_recorded(grader, tmp_path: Path) -> None:
    (tmp_path / "secret").write_text("correct horse battery staple\n")
    (tmp_path / "empty").write_text("\n")
    ran = grader("grade", "bp-manual", str(EXAMPLES / "correct"), "--out", str(tmp_path / "a"),
                 "--secret-file", str(tmp_path / "secret"), "--jobs", "1")
    assert ran.returncode == 0, ran.stderr
    text = (tmp_path / "a" / "correct" / "result.json").read_text()
    recorded = json.loads(text)["secret_id"]
    assert len(recorded) == 12 and "horse" not in text
    grader("grade", "bp-manual", str(EXAMPLES / "correct"), "--out", str(tmp_path / "b"), "--jobs", "1")
    assert json.loads((tmp_path / "b" / "correct" / "result.json").read_text())["secret_id"] not in ("", recorded)
    empty = grader("grade", "bp-manual", str(EXAMPLES / "correct"), "--out", str(tmp_path / "c"),
                   "--secret-file", str(tmp_path / "empty"))
    assert empty.returncode == 3 and "is empty; put the course secret on its first line" in empty.stderr


def test_data_dir_option_says_where_it_looked(grader, tmp_path: Path) -> None:
    empty = tmp_path / "no-data-here"
    empty.mkdir()
    ran = grader("check", "mlp", str(ROOT / "submissions" / "mlp" / "correct"), "--data-dir", str(empty))
    assert ran.returncode == 1
    assert f"Fashion-MNIST is not in {empty} (looked for {empty}/FashionMNIST/raw/" in ran.stdout
    assert "pass --data-dir (or set GRADER_DATA)" in ran.stdout
    assert os.environ.get("GRADER_DATA") != str(empty)   # passed to the API, never through the environment


def test_grade_excel_writes_the_gradebook_with_a_byte_order_mark(tmp_path: Path) -> None:
    """``--excel``: Excel reads a CSV without a UTF-8 byte-order mark in the system's code page, and 张三 turns to mojibake."""
    from grader.cli_grade import _with_bom

    book = tmp_path / "gradebook.csv"
    book.write_text("submission,score\n张三,10\n", encoding="utf-8")
    _with_bom(book)
    _with_bom(book)                                   # a second run adds no second mark
    assert book.read_bytes() == "\ufeffsubmission,score\n张三,10\n".encode()
    assert list(csv.DictReader(book.open(encoding="utf-8-sig"))) == [{"submission": "张三", "score": "10"}]
