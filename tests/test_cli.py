"""The command line, run as a user would: exit codes, one-sentence errors, files written."""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from conftest import ROOT

EXAMPLES = ROOT / "submissions" / "bp-manual"


def grader(*args: str, cwd: Path = ROOT, extra_env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    home = Path(tempfile.gettempdir()) / "grader-cli-test-home"
    env = {"PATH": "/usr/bin:/bin", "GRADER_SECRET": "cli-test", "HOME": str(home), "XDG_CACHE_HOME": str(home / "cache"),
           **(extra_env or {})}
    return subprocess.run([sys.executable, "-m", "grader", *args], cwd=cwd, capture_output=True, text=True, env=env, timeout=300)


def test_help_teaches_the_verbs() -> None:
    result = grader("--help")
    assert result.returncode == 0
    for verb in ("list", "validate", "check", "grade", "demo", "doctor"):
        assert verb in result.stdout


def test_list_shows_bp_manual() -> None:
    result = grader("list")
    assert result.returncode == 0
    assert any(line.startswith("bp-manual ") and "10 points" in line for line in result.stdout.splitlines())


def test_check_correct_exits_0_and_buggy_exits_1_with_an_actionable_message() -> None:
    good = grader("check", "bp-manual", str(EXAMPLES / "correct"))
    assert good.returncode == 0, good.stdout + good.stderr
    assert "4 / 4 on public checks" in good.stdout
    bad = grader("check", "bp-manual", str(EXAMPLES / "hidden-layer-missing-derivative"))
    assert bad.returncode == 1
    assert "Wrong gradient: ∂E/∂w1, ∂E/∂w2, ∂E/∂w3, ∂E/∂w4" in bad.stdout
    assert "hidden" not in bad.stdout.replace("hidden-layer", "")  # no hidden check is run or shown


def test_check_json_is_a_result_document() -> None:
    result = grader("check", "bp-manual", str(EXAMPLES / "correct"), "--json")
    data = json.loads(result.stdout)
    assert data["schema"] == "grader.result/1" and data["submission"] == "correct"
    assert {c["visibility"] for c in data["checks"]} == {"public"}


def test_unknown_assignment_is_one_sentence_without_traceback() -> None:
    result = grader("check", "bp-manul", str(EXAMPLES / "correct"))
    assert result.returncode == 3
    assert result.stderr.strip() == "grader: no assignment 'bp-manul'; did you mean 'bp-manual'?"


def test_grade_writes_results_reports_and_gradebook(tmp_path: Path) -> None:
    out = tmp_path / "out"
    subs = [str(EXAMPLES / name) for name in ("correct", "hardcoded", "crash-at-import")]
    result = grader("grade", "bp-manual", *subs, "--out", str(out), "--jobs", "2")
    assert result.returncode == 0, result.stderr
    assert "graded 3 submission(s) of bp-manual; mean 5.00 / 10" in result.stdout
    assert "[3/3]" in result.stdout and "ETA" in result.stdout
    for name in ("correct", "hardcoded", "crash-at-import"):
        data = json.loads((out / name / "result.json").read_text())
        assert data["schema"] == "grader.result/1" and data["assignment"] == "bp-manual"
        assert {"status", "score", "max_score", "checks", "sandbox", "timing", "grader_version", "spec_hash",
                "submission_hash"} <= set(data)
        assert (out / name / "report.html").read_text().startswith("<!DOCTYPE html>")
    rows = list(csv.DictReader((out / "gradebook.csv").open()))
    assert {r["submission"]: float(r["score"]) for r in rows} == {"correct": 10.0, "hardcoded": 4.0, "crash-at-import": 1.0}
    assert "crash-at-import" in (out / "index.html").read_text()


def test_grade_a_missing_file_is_an_error_result_not_a_crash(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    result = grader("grade", "bp-manual", str(empty), "--out", str(tmp_path / "out"), "--jobs", "1")
    assert result.returncode == 0
    data = json.loads((tmp_path / "out" / "empty" / "result.json").read_text())
    assert data["status"] == "error" and data["score"] == 0 and "has no bp.py" in data["message"]


def test_doctor_lists_every_layer() -> None:
    result = grader("doctor")
    for layer in ("lifecycle", "resources", "network", "filesystem", "uid", "seccomp"):
        assert layer in result.stdout


def test_demo_grades_every_example(tmp_path: Path) -> None:
    result = grader("demo", "--out", str(tmp_path / "reports"))
    assert result.returncode == 0, result.stderr
    graded = {p.parent.name for p in (tmp_path / "reports" / "bp-manual").glob("*/result.json")}
    assert graded == {p.name for p in EXAMPLES.iterdir()}
    assert "correct" in result.stdout and "10 / 10" in result.stdout


def test_demo_offline_trains_on_the_stand_in_and_names_it(tmp_path: Path) -> None:
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


def test_grade_never_trains_on_the_stand_in(tmp_path: Path) -> None:
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


def test_the_course_secret_comes_from_a_file_and_only_its_fingerprint_is_recorded(tmp_path: Path) -> None:
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


def test_data_dir_option_says_where_it_looked(tmp_path: Path) -> None:
    empty = tmp_path / "no-data-here"
    empty.mkdir()
    ran = grader("check", "mlp", str(ROOT / "submissions" / "mlp" / "correct"), "--data-dir", str(empty))
    assert ran.returncode == 1
    assert f"Fashion-MNIST is not in {empty} (looked for {empty}/FashionMNIST/raw/" in ran.stdout
    assert "pass --data-dir (or set GRADER_DATA)" in ran.stdout
