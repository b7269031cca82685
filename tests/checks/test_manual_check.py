"""manual: points an instructor awards later, pending until an overrides file merges them."""

from __future__ import annotations

import csv
import json
import textwrap
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner
from conftest import write_assignment, write_submission
from exports.gradescope_schema import RESULTS_SCHEMA

from grader import api, overrides, report, spec
from grader.checks.base import JudgeContext
from grader.checks.manual import Manual, ManualSpec
from grader.errors import GraderError, SpecError
from grader.executors import LocalExecutor
from grader.exports.gradescope import to_gradescope
from grader.exports.junit import to_junit
from grader.redaction import InstructorRecord
from grader.results import Result

SPEC = """\
name: written
title: Doubling, and a written answer
files: [work.py]
sandbox: {timeout_s: 5, preload: [numpy]}
checks:
  - id: work
    kind: compare
    inputs: {x: [1.0, 2.0]}
    call: work(x)
  - id: explain
    kind: manual
    title: Why doubling?
    points: 2
    prompt: State why work doubles its input.
    rubric: 1 point for the reason, 1 for an example.
"""
HONEST = "def work(x):\n    return 2 * x\n"
WRONG = "def work(x):\n    return 3 * x\n"


class CountingExecutor(LocalExecutor):
    """The local executor, counting the submissions it was asked to grade."""

    def __init__(self) -> None:
        self.graded: list[str] = []

    def run(self, assignment, jobs, options):
        self.graded += [job.submission_id for job in jobs]
        yield from super().run(assignment, jobs, options)


@pytest.fixture()
def course(tmp_path: Path):
    folder = write_assignment(tmp_path / "written", SPEC, {"work.py": HONEST})
    subs = [write_submission(tmp_path / "subs" / name, {"work.py": code}) for name, code in (("alice", HONEST), ("bob", WRONG))]
    return spec.load(folder), subs, tmp_path


def _grade(assignment, subs, tmp_path: Path, executor=None, **kw):
    warnings: list[str] = []
    results = api.grade(assignment, subs, tmp_path / "out", jobs=1, secret="manual", cache_dir=tmp_path / "cache",
                        executor=executor, warn=warnings.append, **kw)
    return {r.submission: r for r in results}, warnings


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return path


def _check(result, check_id: str):
    return next(c for c in result.checks if c.id == check_id)


# ------------------------------------------------------------------ the kind
def test_the_kind_runs_nothing_and_is_pending() -> None:
    check = ManualSpec(id="explain", kind="manual", prompt="Why?", rubric="All or nothing.")
    assert Manual().tasks(check, 3) == []
    outcome = Manual().judge(check, JudgeContext([], [], [], {}, None, None))
    assert (outcome.status, outcome.score_fraction) == ("pending", 0.0)
    assert outcome.details == {"prompt": "Why?", "rubric": "All or nothing."}


def test_a_manual_check_needs_a_prompt(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match=r"assignment.yaml:10: checks\[1\].prompt: required key is missing"):
        spec.load(write_assignment(tmp_path / "a", SPEC.replace("    prompt: State why work doubles its input.\n", ""),
                                   {"work.py": HONEST}))


def test_pending_in_the_result_scores_zero_and_counts_in_max_score(course) -> None:
    assignment, subs, tmp_path = course
    results, _ = _grade(assignment, subs, tmp_path)
    alice = results["alice"]
    explain = _check(alice, "explain")
    assert (explain.status, explain.score, explain.max_score) == ("pending", 0.0, 2.0)
    assert explain.message == "Awaiting instructor grading."
    # The rubric holds the model answer: the student's result has the prompt only, instructor.json the rubric too.
    assert explain.details == {"prompt": "State why work doubles its input."}
    record = json.loads((tmp_path / "out" / "alice" / "instructor.json").read_text())
    explain_record = next(c for c in record["checks"] if c["id"] == "explain")
    assert explain_record["details"] == {"prompt": "State why work doubles its input.",
                                         "rubric": "1 point for the reason, 1 for an example."}
    assert "1 point for the reason" not in (tmp_path / "out" / "alice" / "report.html").read_text()
    assert (alice.score, alice.max_score, alice.pending_points) == (1.0, 3.0, 2.0)
    assert alice.passed                       # nothing a student can fix is left
    assert not results["bob"].passed and results["bob"].score == 0.0


# ------------------------------------------------------------------ merging
def test_overrides_csv_are_merged_and_the_total_recomputed(course) -> None:
    assignment, subs, tmp_path = course
    path = _write(tmp_path, "scores.csv", """\
        submission,check,points,comment
        alice,explain,2,"Clear reason, good example."
        bob,explain,0.5,
        bob,work,0.25,Right idea: regraded by hand.
        """)
    results, warnings = _grade(assignment, subs, tmp_path, overrides=path)
    assert warnings == []
    alice, bob = results["alice"], results["bob"]
    explain = _check(alice, "explain")
    assert (explain.status, explain.score, explain.message) == ("passed", 2.0, "Clear reason, good example.")
    assert "override" not in explain.details and explain.override is not None
    assert explain.override.to_dict() == {"points": 2.0, "comment": "Clear reason, good example.", "from": "scores.csv:2",
                                           "original": {"status": "pending", "score": 0.0,
                                                        "message": "Awaiting instructor grading."}}
    assert explain.details["prompt"].startswith("State why")
    assert alice.score == 3.0
    bob_explain, bob_work = _check(bob, "explain"), _check(bob, "work")
    assert (bob_explain.status, bob_explain.score, bob_explain.message) == ("partial", 0.5, overrides.GRADED_BY_INSTRUCTOR)
    # a regrade of an automatic check keeps what the grader concluded
    assert (bob_work.status, bob_work.score, bob_work.message) == ("partial", 0.25, "Right idea: regraded by hand.")
    assert bob_work.override is not None
    assert bob_work.override.original.status == "failed"
    assert bob_work.override.original.score == 0.0
    assert bob.score == 0.75
    rows = {r["submission"]: r for r in csv.DictReader((tmp_path / "out" / "gradebook.csv").open())}
    assert (rows["alice"]["score"], rows["alice"]["explain (2)"], rows["bob"]["score"]) == ("3.0", "2.0", "0.75")
    stored = json.loads((tmp_path / "out" / "bob" / "result.json").read_text())
    assert stored["score"] == 0.75


@pytest.mark.parametrize("text", [
    """\
    - {submission: alice, check: explain, points: 1.5, comment: Reason fine; no example.}
    - submission: bob
      check: explain
      points: 0
    """,
    """\
    alice:
      explain: {points: 1.5, comment: Reason fine; no example.}
    bob:
      explain: 0
    """,
], ids=["list", "mapping"])
def test_overrides_yaml_in_either_form(course, text: str) -> None:
    assignment, subs, tmp_path = course
    results, _ = _grade(assignment, subs, tmp_path, overrides=_write(tmp_path, "scores.yaml", text))
    explain = _check(results["alice"], "explain")
    assert (explain.status, explain.score, explain.message) == ("partial", 1.5, "Reason fine; no example.")
    assert (_check(results["bob"], "explain").status, results["bob"].score) == ("failed", 0.0)
    assert results["alice"].score == 2.5


def test_changed_overrides_apply_to_reused_results_without_regrading(course) -> None:
    assignment, subs, tmp_path = course
    first = CountingExecutor()
    _grade(assignment, subs, tmp_path, executor=first)
    assert sorted(first.graded) == ["alice", "bob"]
    wall = json.loads((tmp_path / "out" / "alice" / "result.json").read_text())["timing"]

    path = _write(tmp_path, "scores.csv", "submission,check,points,comment\nalice,explain,1,\n")
    again = CountingExecutor()
    results, _ = _grade(assignment, subs, tmp_path, executor=again, overrides=path)
    assert again.graded == [] and results["alice"].score == 2.0
    stored = json.loads((tmp_path / "out" / "alice" / "result.json").read_text())
    assert stored["timing"] == wall and stored["score"] == 2.0              # the same grading, merged anew
    page = (tmp_path / "out" / "alice" / "report.html").read_text()
    assert "awaiting instructor grading" not in page.lower() and "Graded by the instructor." in page

    path.write_text("submission,check,points,comment\nalice,explain,2,Now complete.\n")
    changed = CountingExecutor()
    results, _ = _grade(assignment, subs, tmp_path, executor=changed, overrides=path)
    assert changed.graded == [] and results["alice"].score == 3.0
    assert _check(results["alice"], "explain").message == "Now complete."
    assert _check(results["alice"], "explain").override.original.status == "pending"

    stamp = (tmp_path / "out" / "alice" / "result.json").stat().st_mtime_ns
    same = CountingExecutor()
    _grade(assignment, subs, tmp_path, executor=same, overrides=path)     # nothing changed: nothing rewritten
    assert same.graded == [] and (tmp_path / "out" / "alice" / "result.json").stat().st_mtime_ns == stamp

    without = CountingExecutor()
    results, warnings = _grade(assignment, subs, tmp_path, executor=without)
    assert without.graded == [] and results["alice"].score == 1.0
    assert _check(results["alice"], "explain").status == "pending"
    assert len(warnings) == 1 and "pass the file again" in warnings[0]


def test_an_unknown_submission_is_a_warning_not_an_error(course) -> None:
    assignment, subs, tmp_path = course
    path = _write(tmp_path, "scores.csv", "submission,check,points,comment\nalicee,explain,1,\nalice,explain,2,\n")
    results, warnings = _grade(assignment, subs, tmp_path, overrides=path)
    assert results["alice"].score == 3.0
    assert warnings == [f"{path}:2: no submission 'alicee' in this batch, so its override is not applied; "
                        "did you mean 'alice'?"]


# ------------------------------------------------------------------ bad files
@pytest.mark.parametrize("name, text, message", [
    ("s.csv", "submission,check,points,comment\nalice,explian,1,\n",
     "s.csv:2: no check 'explian' in written; did you mean 'explain'?"),
    ("s.csv", "submission,check,points,comment\nalice,work,1,\nalice,explain,3,\n",
     "s.csv:3: 3 points is outside 0..2, the points of check 'explain'"),
    ("s.csv", "submission,check,points,comment\nalice,explain,-1,\n",
     "s.csv:2: -1 points is outside 0..2, the points of check 'explain'"),
    ("s.csv", "submission,check,points,comment\n\nalice,explain,lots,\n",
     "s.csv:3: points 'lots' is not a number"),
    ("s.csv", "submission,check,pionts,comment\n", "s.csv:1: unknown column 'pionts'; did you mean 'points'?"),
    ("s.csv", "submission,points\n", "s.csv:1: the header has no check column"),
    ("s.csv", "submission,check,points,comment\nalice,explain,1,\nalice,explain,2,\n",
     "s.csv:3: submission 'alice', check 'explain' was already given on line 2"),
    ("s.csv", "submission,check,points,comment\nalice,explain,1,a,b\n", "s.csv:2: 5 cells but the header has 4 columns"),
    ("s.yaml", "- {submission: alice, check: explain, point: 1}\n", "s.yaml:1: unknown key 'point'; did you mean 'points'?"),
    ("s.yaml", "alice:\n  explain: {points: 1}\n  work: {points: 2}\n",
     "s.yaml:3: 2 points is outside 0..1, the points of check 'work'"),
    ("s.yaml", "alice:\n  explain: [1\n", "s.yaml:3: not valid YAML"),
    ("s.json", "{}", "s.json: an overrides file must be .csv"),
])
def test_a_bad_overrides_file_is_one_sentence_naming_file_and_line(course, name: str, text: str, message: str) -> None:
    assignment, _subs, tmp_path = course
    path = _write(tmp_path, name, text)
    with pytest.raises(GraderError) as info:
        overrides.load(path, assignment)
    assert str(info.value).startswith(f"{tmp_path}/{message}"), str(info.value)
    assert "\n" not in str(info.value)
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_blank_points_mean_not_graded_yet(course) -> None:
    assignment, _, tmp_path = course
    loaded = overrides.load(_write(tmp_path, "s.csv", "submission,check,points,comment\nalice,explain,,\n"), assignment)
    assert loaded.entries == {}


def test_the_cli_merges_overrides_and_reports_errors_in_one_sentence(course) -> None:
    from grader.cli import cli as main

    assignment, subs, tmp_path = course
    runner = CliRunner()
    env = {"GRADER_SECRET": "manual", "XDG_CACHE_HOME": str(tmp_path / "cache")}
    args = ["grade", str(assignment.root), *map(str, subs), "--out", str(tmp_path / "out"), "--jobs", "1"]
    pending = runner.invoke(main, args, env=env)
    assert pending.exit_code == 0, pending.output
    assert "2 manual check(s) await instructor grading" in pending.output
    bad = _write(tmp_path, "bad.csv", "submission,check,points,comment\nalice,explain,9,\n")
    failed = runner.invoke(main, [*args, "--overrides", str(bad)], env=env)
    assert failed.exit_code == 3 and "bad.csv:2: 9 points is outside 0..2" in failed.output
    good = _write(tmp_path, "good.csv", "submission,check,points,comment\nalice,explain,2,\nbob,explain,1,\ncarol,explain,1,\n")
    merged = runner.invoke(main, [*args, "--overrides", str(good)], env=env)
    assert merged.exit_code == 0, merged.output
    assert "good.csv:4: no submission 'carol' in this batch" in merged.output
    assert "await instructor grading" not in merged.output
    assert json.loads((tmp_path / "out" / "alice" / "result.json").read_text())["score"] == 3.0


# ------------------------------------------------------------------ reports and exports
def _result_dicts(course, overrides_text: str | None = None) -> dict[str, dict]:
    assignment, subs, tmp_path = course
    kw = {"overrides": _write(tmp_path, "scores.csv", overrides_text)} if overrides_text else {}
    _grade(assignment, subs, tmp_path, **kw)
    return {p.parent.name: json.loads(p.read_text()) for p in (tmp_path / "out").glob("*/result.json")}


def test_reports_show_pending_and_the_question(course) -> None:
    data = _result_dicts(course)["alice"]
    html = report.render_result(Result.from_dict(data))
    assert "awaiting instructor grading" in html
    assert "2 points awaiting instructor grading" in html
    assert "State why work doubles its input." in html and "1 point for the reason" not in html   # no rubric for students
    record = InstructorRecord.model_validate_json((course[2] / "out" / "alice" / "instructor.json").read_text())
    assert "1 point for the reason" in report.render_result(Result.from_dict(data), instructor=record)   # instructors' page
    assert 'class="pill st-pending"' in html and 'class="check s-pending"' in html
    index = (course[2] / "out" / "index.html").read_text()
    assert "2 awaiting instructor grading" in index and "cell st-pending" in index


def test_reports_show_an_instructors_score(course) -> None:
    data = _result_dicts(course, "submission,check,points,comment\nbob,work,0.5,Close enough.\n")["bob"]
    html = report.render_result(Result.from_dict(data))
    assert "Close enough." in html
    assert "Graded by the instructor. The automatic check gave 0 / 1 (failed)." in html


def test_junit_skips_a_pending_check_with_its_message(course) -> None:
    data = _result_dicts(course)["alice"]
    root = ET.fromstring(to_junit([Result.from_dict(data)]))
    case = next(c for c in root.iter("testcase") if c.get("name").startswith("explain:"))
    assert [e.tag for e in case if e.tag != "properties"] == ["skipped"]
    assert case.find("skipped").get("message") == "Awaiting instructor grading."
    assert root.get("skipped") == "1" and root.get("failures") == "0" and root.get("errors") == "0"


def test_gradescope_gives_a_pending_check_no_status(course) -> None:
    data = _result_dicts(course)["alice"]
    exported = to_gradescope(Result.from_dict(data))
    jsonschema.Draft202012Validator(RESULTS_SCHEMA).validate(exported)
    test = next(t for t in exported["tests"] if t["name"] == "Why doubling?")
    assert "status" not in test and (test["score"], test["max_score"]) == (0.0, 2.0)
    assert test["output"].startswith("Awaiting instructor grading.\nQuestion: State why work doubles its input.")
    assert "1 check awaits grading by the instructor" in exported["output"]


def test_apply_is_idempotent_reverts_and_keeps_a_late_penalty_in_step(tmp_path: Path) -> None:
    data = Result.from_dict({
        "assignment": "written", "submission": "alice", "status": "graded", "score": 0.8, "max_score": 3.0,
        "late": {"submitted_at": "2026-12-03T10:00:00+01:00", "due": "2026-12-01T23:59:00+01:00", "source": "manifest",
                 "days_late": 2, "penalty": 0.2, "score_before_penalty": 1.0},
        "checks": [{"id": "work", "kind": "compare", "visibility": "public", "status": "passed", "score": 1.0,
                    "max_score": 1.0, "message": "ok", "details": {}},
                   {"id": "explain", "kind": "manual", "visibility": "public", "status": "pending", "score": 0.0,
                    "max_score": 2.0, "message": "Awaiting instructor grading.", "details": {"prompt": "Why?"}}]})
    loaded = overrides.Overrides(tmp_path / "s.csv", {("alice", "explain"): overrides.Override("alice", "explain", 2.0, "", 2)})
    merged = overrides.apply(data, loaded)
    assert merged != data and data.score == 0.8 and data.checks[1].override is None  # a new result; the given one is kept
    assert merged.late is not None
    assert merged.late.score_before_penalty == 3.0 and merged.score == 2.4           # 3 less 20 %
    assert overrides.apply(merged, loaded) == merged                                 # the same again: no change
    undone = overrides.apply(merged, None)                                           # no overrides: undone
    assert undone != merged
    assert undone.to_dict()["checks"][1] == {
        "id": "explain", "kind": "manual", "visibility": "public", "status": "pending", "score": 0.0, "max_score": 2.0,
        "message": "Awaiting instructor grading.", "title": "", "description": "", "details": {"prompt": "Why?"}}
    assert undone.late is not None
    assert undone.late.score_before_penalty == 1.0 and undone.score == 0.8
    assert undone == data
